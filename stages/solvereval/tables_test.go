package solvereval

import (
	"bytes"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages/stagetest"
)

// The hand-built writers the declared tables replaced, kept verbatim as the
// reference of TestDeclaredTablesBytes: the declared writers must produce
// the same IPC bytes (stage versions are unchanged).
var (
	legacyStr  = arrow.BinaryTypes.String
	legacyF64  = arrow.PrimitiveTypes.Float64
	legacyI64  = arrow.PrimitiveTypes.Int64
	legacyBool = arrow.FixedWidthTypes.Boolean

	legacyResultsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "system", Type: legacyStr}, {Name: "kind", Type: legacyStr}, {Name: "method", Type: legacyStr},
		{Name: "order", Type: legacyI64}, {Name: "adaptive", Type: legacyBool}, {Name: "implicit", Type: legacyBool},
		{Name: "level", Type: legacyI64}, {Name: "rtol", Type: legacyF64}, {Name: "atol", Type: legacyF64}, {Name: "step", Type: legacyF64},
		{Name: "horizon", Type: legacyF64}, {Name: "lyapunov_time", Type: legacyF64},
		{Name: "final_error", Type: legacyF64}, {Name: "final_abs_error", Type: legacyF64},
		{Name: "l2_error", Type: legacyF64}, {Name: "dense_error", Type: legacyF64},
		{Name: "rhs_evals", Type: legacyI64}, {Name: "jac_evals", Type: legacyI64}, {Name: "lu_decomps", Type: legacyI64},
		{Name: "accepted", Type: legacyI64}, {Name: "rejected", Type: legacyI64},
		{Name: "predictability_lyapunov_times", Type: legacyF64}, {Name: "predictability_censored", Type: legacyBool},
		{Name: "observed_order", Type: legacyF64}, {Name: "status", Type: legacyStr}, {Name: "error", Type: legacyStr},
	}, nil)
	legacyTimingsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "system", Type: legacyStr}, {Name: "method", Type: legacyStr}, {Name: "level", Type: legacyI64},
		{Name: "rtol", Type: legacyF64}, {Name: "atol", Type: legacyF64}, {Name: "step", Type: legacyF64},
		{Name: "repeats", Type: legacyI64}, {Name: "wall_seconds_min", Type: legacyF64}, {Name: "wall_seconds_median", Type: legacyF64},
		{Name: "status", Type: legacyStr},
	}, nil)
	legacyOrderErrorsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "method", Type: legacyStr}, {Name: "steps", Type: legacyI64}, {Name: "h", Type: legacyF64}, {Name: "error", Type: legacyF64},
		{Name: "status", Type: legacyStr},
	}, nil)
	legacyOrdersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "method", Type: legacyStr}, {Name: "order", Type: legacyI64}, {Name: "observed_order", Type: legacyF64},
		{Name: "points", Type: legacyI64}, {Name: "h_min", Type: legacyF64}, {Name: "h_max", Type: legacyF64}, {Name: "within_0_3", Type: legacyBool},
	}, nil)
	legacyReportSchema = arrow.NewSchema([]arrow.Field{
		{Name: "file", Type: legacyStr}, {Name: "bytes", Type: legacyI64}, {Name: "sha256", Type: legacyStr},
	}, nil)
)

func legacyWithMeta(s *arrow.Schema, meta map[string]string) *arrow.Schema {
	md := arrow.MetadataFrom(meta)
	return arrow.NewSchema(s.Fields(), &md)
}

func legacyRowsRecord(rows []Row, meta map[string]string) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, legacyWithMeta(legacyResultsSchema, meta))
	defer b.Release()
	for _, r := range rows {
		i := 0
		s := func(v string) { b.Field(i).(*array.StringBuilder).Append(v); i++ }
		f := func(v float64) { b.Field(i).(*array.Float64Builder).Append(v); i++ }
		n := func(v int) { b.Field(i).(*array.Int64Builder).Append(int64(v)); i++ }
		t := func(v bool) { b.Field(i).(*array.BooleanBuilder).Append(v); i++ }
		s(r.System)
		s(r.Kind)
		s(r.Method)
		n(r.Order)
		t(r.Adaptive)
		t(r.Implicit)
		n(r.Level)
		f(r.RTol)
		f(r.ATol)
		f(r.Step)
		f(r.Horizon)
		f(r.LyapunovTime)
		f(r.FinalError)
		f(r.FinalAbsError)
		f(r.L2Error)
		f(r.DenseError)
		n(r.RHSEvals)
		n(r.JacEvals)
		n(r.LUDecomps)
		n(r.Accepted)
		n(r.Rejected)
		f(r.Predictability)
		t(r.Censored)
		f(r.ObservedOrder)
		s(r.Status)
		s(r.Error)
	}
	return b.NewRecordBatch()
}

func legacyTimingsRecord(ts []Timing, meta map[string]string) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, legacyWithMeta(legacyTimingsSchema, meta))
	defer b.Release()
	for _, t := range ts {
		b.Field(0).(*array.StringBuilder).Append(t.System)
		b.Field(1).(*array.StringBuilder).Append(t.Method)
		b.Field(2).(*array.Int64Builder).Append(int64(t.Level))
		b.Field(3).(*array.Float64Builder).Append(t.RTol)
		b.Field(4).(*array.Float64Builder).Append(t.ATol)
		b.Field(5).(*array.Float64Builder).Append(t.Step)
		b.Field(6).(*array.Int64Builder).Append(int64(t.Repeats))
		b.Field(7).(*array.Float64Builder).Append(t.Min)
		b.Field(8).(*array.Float64Builder).Append(t.Median)
		b.Field(9).(*array.StringBuilder).Append(t.Status)
	}
	return b.NewRecordBatch()
}

func legacyOrderRecords(rs []OrderResult) (errs, orders arrow.RecordBatch) {
	eb := array.NewRecordBuilder(memory.DefaultAllocator, legacyOrderErrorsSchema)
	defer eb.Release()
	ob := array.NewRecordBuilder(memory.DefaultAllocator, legacyOrdersSchema)
	defer ob.Release()
	for _, r := range rs {
		m := r.Method
		for i := range r.H {
			eb.Field(0).(*array.StringBuilder).Append(m)
			eb.Field(1).(*array.Int64Builder).Append(int64(r.Steps[i]))
			eb.Field(2).(*array.Float64Builder).Append(r.H[i])
			eb.Field(3).(*array.Float64Builder).Append(r.Err[i])
			eb.Field(4).(*array.StringBuilder).Append(r.Status[i])
		}
		ob.Field(0).(*array.StringBuilder).Append(m)
		ob.Field(1).(*array.Int64Builder).Append(int64(r.Order))
		ob.Field(2).(*array.Float64Builder).Append(r.Observed)
		ob.Field(3).(*array.Int64Builder).Append(int64(r.Points))
		ob.Field(4).(*array.Float64Builder).Append(r.HMin)
		ob.Field(5).(*array.Float64Builder).Append(r.HMax)
		ob.Field(6).(*array.BooleanBuilder).Append(math.Abs(r.Observed-float64(r.Order)) <= 0.3)
	}
	return eb.NewRecordBatch(), ob.NewRecordBatch()
}

func legacyReportRecord(rs []reportRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, legacyReportSchema)
	defer b.Release()
	for _, r := range rs {
		b.Field(0).(*array.StringBuilder).Append(r.File)
		b.Field(1).(*array.Int64Builder).Append(int64(r.Bytes))
		b.Field(2).(*array.StringBuilder).Append(r.SHA256)
	}
	return b.NewRecordBatch()
}

// ipcStream is the Arrow IPC stream encoding of rec (schema, metadata and
// buffers).
func ipcStream(t *testing.T, rec arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sameBytes(t *testing.T, table string, declared, legacy arrow.RecordBatch) {
	t.Helper()
	defer declared.Release()
	defer legacy.Release()
	if declared.NumRows() == 0 {
		t.Fatalf("%s: no rows to compare", table)
	}
	d, l := ipcStream(t, declared), ipcStream(t, legacy)
	if !bytes.Equal(d, l) {
		t.Errorf("%s: declared writer's IPC bytes (%d) differ from the hand-built writer's (%d)", table, len(d), len(l))
	}
	if !declared.Schema().Equal(legacy.Schema()) || !declared.Schema().Metadata().Equal(legacy.Schema().Metadata()) {
		t.Errorf("%s: schema %v, want %v", table, declared.Schema(), legacy.Schema())
	}
}

// TestDeclaredTablesBytes: on rows from real stage runs (failures, NaN
// columns, empty error strings included) every declared writer writes the
// bytes of the hand-built writer it replaced, and its reader gives the rows
// back.
func TestDeclaredTablesBytes(t *testing.T) {
	out := stagetest.Run(t, stagetest.Build(t, "solver_eval",
		"system: Lorenz,MackeyGlass\nmethods: [dopri5, radau5, rk4]\ntolerances: [1e-6, 1e-8]\nsteps_per_period: [50]\nmax_periods: 2\nlyapunov_times: 2\n", 1), nil)
	rows, err := resultsTable.Read(out["results"])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d results rows from solver_eval", len(rows))
	// A system that cannot be set up and a failed integration.
	rows = append(rows, Row{System: "NoSuchSystem", Method: "rk4", Horizon: math.NaN(), LyapunovTime: math.NaN(),
		FinalError: math.NaN(), FinalAbsError: math.NaN(), L2Error: math.NaN(), DenseError: math.NaN(),
		Predictability: math.NaN(), ObservedOrder: math.NaN(), Status: "error", Error: "unknown system"},
		Row{System: "Lorenz", Kind: "flow", Method: "dopri5", Adaptive: true, RTol: 1e-3, ATol: 1e-6, Step: math.NaN(),
			Horizon: 10, LyapunovTime: 1.1, FinalError: math.NaN(), FinalAbsError: math.NaN(), L2Error: math.NaN(),
			DenseError: math.NaN(), RHSEvals: 60001, Accepted: 10000, Rejected: 1, Predictability: math.NaN(),
			ObservedOrder: math.Inf(1), Status: "max_steps", Error: "max steps"})
	meta := map[string]string{"runner.kind": "solver_eval", "reference_method": "dop853", "threshold": "0.1"}
	sameBytes(t, "results", resultsTable.Record(rows, meta), legacyRowsRecord(rows, meta))
	sameBytes(t, "results (empty metadata)", resultsTable.Record(rows, map[string]string{}), legacyRowsRecord(rows, map[string]string{}))
	back, err := resultsTable.Read(out["results"])
	if err != nil {
		t.Fatal(err)
	}
	if len(back) == 0 || back[0].System != "Lorenz" || back[0].Method == "" || back[0].RHSEvals == 0 {
		t.Errorf("results read back: %+v", back[0])
	}

	tout := stagetest.Run(t, stagetest.Build(t, "solver_timing",
		"system: Rossler\nmethods: [dopri5, rk4]\ntolerances: [1e-6]\nsteps_per_period: [50]\nmax_periods: 1\nrepeats: 1\n", 1), nil)
	ts, err := timingsTable.Read(tout["timings"])
	if err != nil {
		t.Fatal(err)
	}
	ts = append(ts, Timing{System: "NoSuchSystem", Status: "error"},
		Timing{System: "MackeyGlass", Method: "radau5", RTol: 1e-6, ATol: 1e-9, Step: math.NaN(), Repeats: 3,
			Min: math.NaN(), Median: math.NaN(), Status: "unsupported"})
	tmeta := map[string]string{"runner.kind": "solver_timing", "host": "h", "goos": "linux"}
	sameBytes(t, "timings", timingsTable.Record(ts, tmeta), legacyTimingsRecord(ts, tmeta))

	var results []OrderResult
	var errRows []orderErrorRow
	var orderRows []orderRow
	p := OrderDefaults
	p.Refine = 12
	for _, m := range []string{"euler", "rk4", "dop853"} {
		r, err := p.ObservedOrder(t.Context(), m)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	results = append(results, OrderResult{Method: "radau5", Order: 5, Observed: math.NaN(), HMin: math.NaN(), HMax: math.NaN(),
		Steps: []int{8}, H: []float64{math.Pi / 4}, Err: []float64{math.NaN()}, Status: []string{"no_convergence"}})
	for _, r := range results {
		for i := range r.H {
			errRows = append(errRows, orderErrorRow{Method: r.Method, Steps: r.Steps[i], H: r.H[i], Error: r.Err[i], Status: r.Status[i]})
		}
		orderRows = append(orderRows, orderRow{Method: r.Method, Order: r.Order, Observed: r.Observed, Points: r.Points,
			HMin: r.HMin, HMax: r.HMax, Within: math.Abs(r.Observed-float64(r.Order)) <= 0.3})
	}
	le, lo := legacyOrderRecords(results)
	sameBytes(t, "errors", orderErrorsTable.Record(errRows, nil), le)
	sameBytes(t, "orders", ordersTable.Record(orderRows, nil), lo)

	report := []reportRow{{File: "catalog_rhs.png", Bytes: 51234, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{File: "systems/Lorenz_rhs.svg", Bytes: 0, SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}
	sameBytes(t, "report", reportTable.Record(report, nil), legacyReportRecord(report))
}
