package invariants

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/systems"
)

func init() {
	stages.Register(stages.Default, stages.Definition[Params]{
		Name: "invariants",
		// Version 2: permutation entropy summed in a fixed order.
		Version: 2,
		Summary: "Lyapunov spectrum, Kaplan-Yorke and correlation dimensions, Rosenstein exponent and entropies of catalog systems, compared with dysts.",
		Doc: "For each selected system: the Lyapunov spectrum by the QR method with the Jacobian (flows: tangent flow " +
			"integrated by `method` over `periods` dominant periods; maps: products of Jacobians over `iterations`; delay " +
			"systems: `delay_exponents` exponents of a finite-dimensional approximation with `delay_grid` points per delay), " +
			"its largest exponent with the standard error of block means, and the Kaplan-Yorke dimension. On a trajectory " +
			"integrated by the stage (`points` samples at `pts_per_period` per period after `transient_periods`): the " +
			"Grassberger-Procaccia correlation dimension (Theiler window one period, automatic scaling region, uncertainty " +
			"from the local slopes), the Rosenstein exponent of x0(t), the permutation entropy and the multiscale entropy " +
			"(mean SampEn over `mse_scales` scales) of its first `entropy_points` samples. Each value is listed next to the " +
			"dysts estimate with the relative difference (ours − dysts)/|dysts|. Systems run in parallel; output rows follow " +
			"the selection order and are bitwise reproducible. A system that fails has its reason in `status` (\"ok\" " +
			"otherwise) and does not stop the others; with a single system, a failure fails the stage. Estimators that do " +
			"not converge (no scaling region, say) leave NaN and a reason in `notes`.",
		Defaults: Defaults,
		Examples: []stages.Example{
			{Title: "Lorenz: every invariant", Params: "system: Lorenz\n"},
			{Title: "The Lyapunov spectrum only, of every map", Params: "system: maps\ninvariants: [lyapunov]\n"},
			{Title: "Tighter estimates for a few flows", Params: "system: Lorenz,Rossler,Chua\nperiods: 5000\npoints: 50000\n"},
			{Title: "A delay system with 5 exponents", Params: "system: MackeyGlass\ndelay_exponents: 5\n"},
		},
		New: func(p Params, _ stages.Env) (stages.Stage, error) {
			names, err := systems.Select(p.System)
			if err != nil {
				return nil, err
			}
			return &stage{p: p, names: names}, nil
		},
	})
}

type stage struct {
	p     Params
	names []string
}

// Schema is the schema of the invariants table.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "system", Type: arrow.BinaryTypes.String},
	{Name: "kind", Type: arrow.BinaryTypes.String},
	{Name: "dim", Type: arrow.PrimitiveTypes.Int64},
	{Name: "lyapunov_max", Type: arrow.PrimitiveTypes.Float64},
	{Name: "lyapunov_max_err", Type: arrow.PrimitiveTypes.Float64},
	{Name: "lyapunov_spectrum", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
	{Name: "lyapunov_spectrum_err", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
	{Name: "kaplan_yorke_dimension", Type: arrow.PrimitiveTypes.Float64},
	{Name: "correlation_dimension", Type: arrow.PrimitiveTypes.Float64},
	{Name: "correlation_dimension_err", Type: arrow.PrimitiveTypes.Float64},
	{Name: "rosenstein", Type: arrow.PrimitiveTypes.Float64},
	{Name: "rosenstein_err", Type: arrow.PrimitiveTypes.Float64},
	{Name: "permutation_entropy", Type: arrow.PrimitiveTypes.Float64},
	{Name: "multiscale_entropy", Type: arrow.PrimitiveTypes.Float64},
	{Name: "multiscale_entropy_scales", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
	{Name: "dysts_lyapunov_max", Type: arrow.PrimitiveTypes.Float64},
	{Name: "dysts_correlation_dimension", Type: arrow.PrimitiveTypes.Float64},
	{Name: "dysts_kaplan_yorke_dimension", Type: arrow.PrimitiveTypes.Float64},
	{Name: "dysts_multiscale_entropy", Type: arrow.PrimitiveTypes.Float64},
	{Name: "lyapunov_max_rel_diff", Type: arrow.PrimitiveTypes.Float64},
	{Name: "correlation_dimension_rel_diff", Type: arrow.PrimitiveTypes.Float64},
	{Name: "kaplan_yorke_dimension_rel_diff", Type: arrow.PrimitiveTypes.Float64},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "notes", Type: arrow.BinaryTypes.String},
}, nil)

func (s *stage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{{Name: "invariants", Schema: Schema,
		Doc: "one row per system: our estimates with uncertainties, the dysts values and relative differences, status."}}
}

func (s *stage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	results := make([]result, len(s.names))
	if err := stages.ForEach(ctx, len(s.names), func(i int) {
		results[i] = compute(ctx, &s.p, s.names[i])
	}); err != nil {
		return nil, err
	}
	if len(results) == 1 && results[0].status != "ok" {
		return nil, fmt.Errorf("%s: %s", results[0].name, results[0].status)
	}
	return stages.Outputs{"invariants": buildTable(results, s.p)}, nil
}

// relDiff is (ours − ref)/|ref|, NaN when either is missing or ref is 0.
func relDiff(ours, ref float64) float64 {
	if math.IsNaN(ours) || math.IsNaN(ref) || ref == 0 {
		return math.NaN()
	}
	return (ours - ref) / math.Abs(ref)
}

func buildTable(results []result, p Params) arrow.RecordBatch {
	md := arrow.MetadataFrom(map[string]string{
		"runner.kind": "invariants",
		"invariants":  strings.Join(p.Invariants, ","),
		"method":      p.Method,
	})
	schema := arrow.NewSchema(Schema.Fields(), &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	str := func(i int, v string) { b.Field(i).(*array.StringBuilder).Append(v) }
	f64 := func(i int, v float64) { b.Field(i).(*array.Float64Builder).Append(v) }
	list := func(i int, vs []float64) {
		lb := b.Field(i).(*array.ListBuilder)
		lb.Append(true)
		vb := lb.ValueBuilder().(*array.Float64Builder)
		vb.AppendValues(vs, nil)
	}
	for _, r := range results {
		str(0, r.name)
		str(1, r.kind)
		b.Field(2).(*array.Int64Builder).Append(int64(r.dim))
		f64(3, r.lmax)
		f64(4, r.lmaxErr)
		list(5, r.spectrum)
		list(6, r.spectrumErr)
		f64(7, r.dky)
		f64(8, r.d2)
		f64(9, r.d2Err)
		f64(10, r.rosenstein)
		f64(11, r.rosErr)
		f64(12, r.pe)
		f64(13, r.mse)
		list(14, r.mseScales)
		f64(15, r.dystsLmax)
		f64(16, r.dystsD2)
		f64(17, r.dystsDKY)
		f64(18, r.dystsMSE)
		f64(19, relDiff(r.lmax, r.dystsLmax))
		f64(20, relDiff(r.d2, r.dystsD2))
		f64(21, relDiff(r.dky, r.dystsDKY))
		str(22, r.status)
		str(23, strings.Join(r.notes, "; "))
	}
	return b.NewRecordBatch()
}
