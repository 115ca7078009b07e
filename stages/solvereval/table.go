package solvereval

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	str     = arrow.BinaryTypes.String
	f64     = arrow.PrimitiveTypes.Float64
	i64     = arrow.PrimitiveTypes.Int64
	boolean = arrow.FixedWidthTypes.Boolean
)

// ResultsSchema is the schema of solver_eval's results table (deterministic
// columns only).
var ResultsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "system", Type: str}, {Name: "kind", Type: str}, {Name: "method", Type: str},
	{Name: "order", Type: i64}, {Name: "adaptive", Type: boolean}, {Name: "implicit", Type: boolean},
	{Name: "level", Type: i64}, {Name: "rtol", Type: f64}, {Name: "atol", Type: f64}, {Name: "step", Type: f64},
	{Name: "horizon", Type: f64}, {Name: "lyapunov_time", Type: f64},
	{Name: "final_error", Type: f64}, {Name: "final_abs_error", Type: f64},
	{Name: "l2_error", Type: f64}, {Name: "dense_error", Type: f64},
	{Name: "rhs_evals", Type: i64}, {Name: "jac_evals", Type: i64}, {Name: "lu_decomps", Type: i64},
	{Name: "accepted", Type: i64}, {Name: "rejected", Type: i64},
	{Name: "predictability_lyapunov_times", Type: f64}, {Name: "predictability_censored", Type: boolean},
	{Name: "observed_order", Type: f64}, {Name: "status", Type: str}, {Name: "error", Type: str},
}, nil)

// TimingsSchema is the schema of solver_timing's timings table.
var TimingsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "system", Type: str}, {Name: "method", Type: str}, {Name: "level", Type: i64},
	{Name: "rtol", Type: f64}, {Name: "atol", Type: f64}, {Name: "step", Type: f64},
	{Name: "repeats", Type: i64}, {Name: "wall_seconds_min", Type: f64}, {Name: "wall_seconds_median", Type: f64},
	{Name: "status", Type: str},
}, nil)

func withMeta(s *arrow.Schema, meta map[string]string) *arrow.Schema {
	md := arrow.MetadataFrom(meta)
	return arrow.NewSchema(s.Fields(), &md)
}

// rowsRecord builds the results table.
func rowsRecord(rows []Row, meta map[string]string) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, withMeta(ResultsSchema, meta))
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

// Timing is one line of the timings table.
type Timing struct {
	System, Method string
	Level          int
	RTol, ATol     float64
	Step           float64
	Repeats        int
	Min, Median    float64
	Status         string
}

func timingsRecord(ts []Timing, meta map[string]string) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, withMeta(TimingsSchema, meta))
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

// columns gives typed access to a record's columns by name.
type columns struct {
	rec arrow.RecordBatch
	err error
}

func (c *columns) col(name string) arrow.Array {
	idx := c.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		if c.err == nil {
			c.err = fmt.Errorf("table has no column %q", name)
		}
		return nil
	}
	return c.rec.Column(idx[0])
}

func (c *columns) str(name string) func(int) string {
	a, ok := c.col(name).(*array.String)
	if !ok {
		if c.err == nil {
			c.err = fmt.Errorf("column %q: want string", name)
		}
		return func(int) string { return "" }
	}
	return func(i int) string { return a.Value(i) }
}

func (c *columns) f64(name string) func(int) float64 {
	a, ok := c.col(name).(*array.Float64)
	if !ok {
		if c.err == nil {
			c.err = fmt.Errorf("column %q: want float64", name)
		}
		return func(int) float64 { return math.NaN() }
	}
	return func(i int) float64 {
		if a.IsNull(i) {
			return math.NaN()
		}
		return a.Value(i)
	}
}

func (c *columns) i64(name string) func(int) int {
	a, ok := c.col(name).(*array.Int64)
	if !ok {
		if c.err == nil {
			c.err = fmt.Errorf("column %q: want int64", name)
		}
		return func(int) int { return 0 }
	}
	return func(i int) int { return int(a.Value(i)) }
}

func (c *columns) boolean(name string) func(int) bool {
	a, ok := c.col(name).(*array.Boolean)
	if !ok {
		if c.err == nil {
			c.err = fmt.Errorf("column %q: want bool", name)
		}
		return func(int) bool { return false }
	}
	return func(i int) bool { return a.Value(i) }
}

// RowsFromRecord reads a results table (as written by solver_eval, possibly
// concatenated by collect).
func RowsFromRecord(rec arrow.RecordBatch) ([]Row, error) {
	c := &columns{rec: rec}
	system, kind, method, status, errText := c.str("system"), c.str("kind"), c.str("method"), c.str("status"), c.str("error")
	order, level := c.i64("order"), c.i64("level")
	adaptive, implicit, censored := c.boolean("adaptive"), c.boolean("implicit"), c.boolean("predictability_censored")
	rtol, atol, step, horizon, lt := c.f64("rtol"), c.f64("atol"), c.f64("step"), c.f64("horizon"), c.f64("lyapunov_time")
	fe, fae, l2, de := c.f64("final_error"), c.f64("final_abs_error"), c.f64("l2_error"), c.f64("dense_error")
	rhs, jac, lu, acc, rej := c.i64("rhs_evals"), c.i64("jac_evals"), c.i64("lu_decomps"), c.i64("accepted"), c.i64("rejected")
	pred, oo := c.f64("predictability_lyapunov_times"), c.f64("observed_order")
	if c.err != nil {
		return nil, c.err
	}
	rows := make([]Row, rec.NumRows())
	for i := range rows {
		rows[i] = Row{System: system(i), Kind: kind(i), Method: method(i), Order: order(i), Adaptive: adaptive(i),
			Implicit: implicit(i), Level: level(i), RTol: rtol(i), ATol: atol(i), Step: step(i), Horizon: horizon(i),
			LyapunovTime: lt(i), FinalError: fe(i), FinalAbsError: fae(i), L2Error: l2(i), DenseError: de(i),
			RHSEvals: rhs(i), JacEvals: jac(i), LUDecomps: lu(i), Accepted: acc(i), Rejected: rej(i),
			Predictability: pred(i), Censored: censored(i), ObservedOrder: oo(i), Status: status(i), Error: errText(i)}
	}
	return rows, nil
}

// TimingsFromRecord reads a timings table.
func TimingsFromRecord(rec arrow.RecordBatch) ([]Timing, error) {
	c := &columns{rec: rec}
	system, method, status := c.str("system"), c.str("method"), c.str("status")
	level, repeats := c.i64("level"), c.i64("repeats")
	rtol, atol, step, mn, md := c.f64("rtol"), c.f64("atol"), c.f64("step"), c.f64("wall_seconds_min"), c.f64("wall_seconds_median")
	if c.err != nil {
		return nil, c.err
	}
	ts := make([]Timing, rec.NumRows())
	for i := range ts {
		ts[i] = Timing{System: system(i), Method: method(i), Level: level(i), RTol: rtol(i), ATol: atol(i),
			Step: step(i), Repeats: repeats(i), Min: mn(i), Median: md(i), Status: status(i)}
	}
	return ts, nil
}
