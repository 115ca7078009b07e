package invariants

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
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
			"dysts estimate with the relative difference (ours − dysts)/|dysts|. `params` overrides parameters of a single system " +
			"(the dysts columns keep the values of dysts' parameters, except that Lorenz96's dimension `N` other than 4 " +
			"leaves them NaN; its initial condition is then x_i = f, x_0 = f + 0.01, which `transient_periods` must outlast). Systems run in parallel; output rows follow " +
			"the selection order and are bitwise reproducible. A system that fails has its reason in `status` (\"ok\" " +
			"otherwise) and does not stop the others, with a single system too: a failure the params decide (blow-up, max_evals, a " +
			"degenerate tangent space) is a cached result, not a stage error; an interruption fails the stage. Estimators that do " +
			"not converge (no scaling region, say) leave NaN and a reason in `notes`.",
		Defaults: Defaults,
		Examples: []stages.Example{
			{Title: "Lorenz: every invariant", Params: "system: Lorenz\n"},
			{Title: "The Lyapunov spectrum only, of every map", Params: "system: maps\ninvariants: [lyapunov]\n"},
			{Title: "Tighter estimates for a few flows", Params: "system: Lorenz,Rossler,Chua\nperiods: 5000\npoints: 50000\n"},
			{Title: "A delay system with 5 exponents", Params: "system: MackeyGlass\ndelay_exponents: 5\n"},
			{Title: "The Lyapunov spectrum of Lorenz96 with 40 sites at F = 8", Params: "system: Lorenz96\nparams: {N: 40, f: 8}\ninvariants: [lyapunov]\nperiods: 200\n"},
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

// invariantsRow is one row of the invariants table: one system. Values the
// stage did not compute, or could not estimate, are NaN (empty lists).
type invariantsRow struct {
	System string `arrow:"system" doc:"catalog name of the system"`
	Kind   string `arrow:"kind" doc:"flow, delay or map"`
	Dim    int    `arrow:"dim" doc:"dimension of the state (delay systems: the number of delay coordinates); 0 when the system did not bind"`

	LyapunovMax         float64   `arrow:"lyapunov_max" unit:"1/time unit (per iteration for maps)" doc:"largest exponent of the computed spectrum"`
	LyapunovMaxErr      float64   `arrow:"lyapunov_max_err" unit:"1/time unit (per iteration for maps)" doc:"standard error of lyapunov_max from the means over blocks of the averaging time"`
	LyapunovSpectrum    []float64 `arrow:"lyapunov_spectrum" unit:"1/time unit (per iteration for maps)" doc:"Lyapunov exponents by the QR method, in QR order (decreasing in practice); delay systems: the leading delay_exponents of the finite-dimensional approximation"`
	LyapunovSpectrumErr []float64 `arrow:"lyapunov_spectrum_err" unit:"1/time unit (per iteration for maps)" doc:"standard error of each exponent of lyapunov_spectrum, from block means"`
	KaplanYorke         float64   `arrow:"kaplan_yorke_dimension" doc:"Kaplan-Yorke dimension of the computed spectrum, j + (λ1+…+λj)/|λj+1|"`

	CorrelationDimension    float64   `arrow:"correlation_dimension" doc:"Grassberger-Procaccia correlation dimension D2 of the sampled trajectory (bounded coordinates, Theiler window, automatic scaling region)"`
	CorrelationDimensionErr float64   `arrow:"correlation_dimension_err" doc:"uncertainty of correlation_dimension from the spread of the local slopes over the scaling region"`
	Rosenstein              float64   `arrow:"rosenstein" unit:"1/time unit (per iteration for maps)" doc:"largest Lyapunov exponent by Rosenstein's method from the scalar series x0(t) (the first bounded coordinate)"`
	RosensteinErr           float64   `arrow:"rosenstein_err" unit:"1/time unit (per iteration for maps)" doc:"standard error of the slope fitted to the divergence curve"`
	PermutationEntropy      float64   `arrow:"permutation_entropy" doc:"normalised permutation entropy (Bandt-Pompe, order pe_order, delay 1) of the first entropy_points samples of x0, in [0, 1]"`
	MultiscaleEntropy       float64   `arrow:"multiscale_entropy" unit:"nats" doc:"mean over the finite scales of multiscale_entropy_scales"`
	MultiscaleEntropyScales []float64 `arrow:"multiscale_entropy_scales" unit:"nats" doc:"sample entropy SampEn(m = 2, r = 0.15 SD) of the coarse-grained series at scales 1..mse_scales (+Inf where no template pair matches at m+1, NaN where undefined)"`

	DystsLyapunovMax          float64 `arrow:"dysts_lyapunov_max" unit:"1/time unit (per iteration for maps)" doc:"dysts' maximum_lyapunov_estimated of the system (NaN if dysts has none)"`
	DystsCorrelationDimension float64 `arrow:"dysts_correlation_dimension" doc:"dysts' correlation_dimension"`
	DystsKaplanYorke          float64 `arrow:"dysts_kaplan_yorke_dimension" doc:"dysts' kaplan_yorke_dimension"`
	DystsMultiscaleEntropy    float64 `arrow:"dysts_multiscale_entropy" doc:"dysts' multiscale_entropy"`

	LyapunovMaxRelDiff          float64 `arrow:"lyapunov_max_rel_diff" doc:"(lyapunov_max − dysts_lyapunov_max)/|dysts_lyapunov_max|; NaN when either is missing or dysts' is 0"`
	CorrelationDimensionRelDiff float64 `arrow:"correlation_dimension_rel_diff" doc:"(correlation_dimension − dysts')/|dysts'|; NaN when either is missing or dysts' is 0"`
	KaplanYorkeRelDiff          float64 `arrow:"kaplan_yorke_dimension_rel_diff" doc:"(kaplan_yorke_dimension − dysts')/|dysts'|; NaN when either is missing or dysts' is 0"`

	Status string `arrow:"status" doc:"ok, or why the system failed as a whole (binding, blow-up, max_evals budget, cancellation); its values are then NaN"`
	Notes  string `arrow:"notes" doc:"estimators that did not converge, each as \"invariant: reason\", joined by \"; \" (empty if none)"`
}

var invariantsTable = schemas.NewTable[invariantsRow]()

func (s *stage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{stages.TablePort("invariants",
		"one row per system: our estimates with uncertainties, the dysts values and relative differences, status.",
		invariantsTable)}
}

func (s *stage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	results := make([]result, len(s.names))
	if err := stages.ForEach(ctx, len(s.names), func(i int) {
		results[i] = compute(ctx, &s.p, s.names[i])
	}); err != nil {
		return nil, err
	}
	// A failure that the params decide (a blow-up, the max_evals budget, a
	// degenerate tangent space) is a result: its row says why, it is cached
	// like any other, and a rerun would only fail the same way again. An
	// interruption or a bug is not: it fails the stage and is not stored.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range results {
		if strings.HasPrefix(r.status, "canceled: ") || strings.HasPrefix(r.status, "panic: ") {
			return nil, fmt.Errorf("%s: %s", r.name, r.status)
		}
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
	rows := make([]invariantsRow, len(results))
	for i, r := range results {
		rows[i] = invariantsRow{
			System: r.name, Kind: r.kind, Dim: r.dim,
			LyapunovMax: r.lmax, LyapunovMaxErr: r.lmaxErr,
			LyapunovSpectrum: r.spectrum, LyapunovSpectrumErr: r.spectrumErr,
			KaplanYorke:          r.dky,
			CorrelationDimension: r.d2, CorrelationDimensionErr: r.d2Err,
			Rosenstein: r.rosenstein, RosensteinErr: r.rosErr,
			PermutationEntropy: r.pe, MultiscaleEntropy: r.mse, MultiscaleEntropyScales: r.mseScales,
			DystsLyapunovMax: r.dystsLmax, DystsCorrelationDimension: r.dystsD2,
			DystsKaplanYorke: r.dystsDKY, DystsMultiscaleEntropy: r.dystsMSE,
			LyapunovMaxRelDiff:          relDiff(r.lmax, r.dystsLmax),
			CorrelationDimensionRelDiff: relDiff(r.d2, r.dystsD2),
			KaplanYorkeRelDiff:          relDiff(r.dky, r.dystsDKY),
			Status:                      r.status,
			Notes:                       strings.Join(r.notes, "; "),
		}
	}
	return invariantsTable.Record(rows, map[string]string{
		"runner.kind": "invariants",
		"invariants":  strings.Join(p.Invariants, ","),
		"method":      p.Method,
	})
}
