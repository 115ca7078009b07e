package solvereval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages"
)

// OrderParams configure solver_order.
type OrderParams struct {
	Methods  []string `yaml:"methods,omitempty" doc:"methods to test (default: every solvers method)"`
	Periods  float64  `yaml:"periods,omitempty" doc:"integration interval in periods 2 pi of the rotation"`
	MinSteps int      `yaml:"min_steps,omitempty" doc:"fewest steps per period of the sweep"`
	Refine   int      `yaml:"refinements,omitempty" doc:"number of step sizes, each 2^(1/4) smaller than the last"`
	Floor    float64  `yaml:"floor,omitempty" doc:"errors below this (or below 30 eps n for n steps) are round-off and not used"`
	Ceiling  float64  `yaml:"ceiling,omitempty" doc:"errors above this are pre-asymptotic and not used"`
	Fit      int      `yaml:"fit,omitempty" doc:"the observed order is the least-squares slope over the fit smallest steps with floor < error < ceiling"`
}

// OrderDefaults: one period, 8 to 2048 steps per period.
var OrderDefaults = OrderParams{Periods: 1, MinSteps: 8, Refine: 33, Floor: 1e-14, Ceiling: 0.1, Fit: 3}

// roundoff bounds the accumulated rounding error per step (30 eps |y|,
// |y| = 1): a point whose error is below roundoff*steps is not used.
const roundoff = 30 * 2.220446049250313e-16

// Validate checks the sweep.
func (p *OrderParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(f, m string) { errs = append(errs, stages.FieldError{Field: f, Message: m}) }
	for _, m := range p.Methods {
		if _, err := solvers.Lookup(m); err != nil {
			bad("methods", fmt.Sprintf("unknown method %q (have %s)", m, strings.Join(solvers.Methods(), ", ")))
		}
	}
	if !(p.Periods > 0) {
		bad("periods", "must be > 0")
	}
	if p.MinSteps < 1 {
		bad("min_steps", "must be >= 1")
	}
	if p.Refine < 2 || p.Refine > 64 {
		bad("refinements", "must be in [2, 64]")
	}
	if !(p.Floor > 0 && p.Ceiling > p.Floor) {
		bad("floor", "need 0 < floor < ceiling")
	}
	if p.Fit < 2 {
		bad("fit", "must be >= 2")
	}
	return errs
}

const orderDoc = "Integrates the rotation y1' = -y2, y2' = y1, y(0) = (1, 0) (exact solution (cos t, sin t)) over " +
	"`periods` periods with every method at fixed steps h = 2 pi / n, n = min_steps * 2^(k/4), k = 0..refinements-1 " +
	"(adaptive methods run their main formula with Options.Step; radau5 with rtol = atol = 1e-10 for the Newton " +
	"iteration), and reports the Euclidean error at the end. The observed order is the least-squares slope of " +
	"log error against log h over the `fit` smallest steps whose error lies between `floor` (round-off) and " +
	"`ceiling` (pre-asymptotic) and above 30 eps n (the rounding accumulated over n steps). A linear problem checks the linear order conditions only (the stability " +
	"function); on it the asymptotic regime of 8th- and 9th-order methods is visible above round-off, which " +
	"nonlinear test problems did not allow in double precision. Rows: table `errors` (method, steps, h, error) " +
	"and table `orders` (method, nominal order, observed order, points used, |difference| <= 0.3)."

func init() {
	stages.Register(stages.Default, stages.Definition[OrderParams]{
		Name:     "solver_order",
		Version:  1,
		Summary:  "Observed convergence order of every solver on a problem with an exact solution.",
		Doc:      orderDoc,
		Defaults: OrderDefaults,
		Examples: []stages.Example{
			{Title: "Every method", Params: "{}\n"},
			{Title: "Classical fixed-step methods over two periods", Params: "methods: [euler, midpoint, rk4]\nperiods: 2\n"},
		},
		New: func(p OrderParams, _ stages.Env) (stages.Stage, error) {
			if len(p.Methods) == 0 {
				p.Methods = solvers.Methods()
			}
			return &orderStage{p: p}, nil
		},
	})
}

var orderErrorsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "method", Type: str}, {Name: "steps", Type: i64}, {Name: "h", Type: f64}, {Name: "error", Type: f64},
	{Name: "status", Type: str},
}, nil)

// OrdersSchema is the schema of solver_order's orders table.
var OrdersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "method", Type: str}, {Name: "order", Type: i64}, {Name: "observed_order", Type: f64},
	{Name: "points", Type: i64}, {Name: "h_min", Type: f64}, {Name: "h_max", Type: f64}, {Name: "within_0_3", Type: boolean},
}, nil)

type orderStage struct{ p OrderParams }

func (s *orderStage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{
		{Name: "errors", Schema: orderErrorsSchema, Doc: "error at the end for every method and step."},
		{Name: "orders", Schema: OrdersSchema, Doc: "nominal and observed order of every method."},
	}
}

// OrderResult is the observed order of one method.
type OrderResult struct {
	Method     string
	Order      int
	Observed   float64
	Points     int
	HMin, HMax float64
	Steps      []int
	H, Err     []float64
	Status     []string
}

func rotation(_ float64, y, dy []float64) { dy[0], dy[1] = -y[1], y[0] }

// ObservedOrder runs the convergence sweep of one method.
func (p OrderParams) ObservedOrder(ctx context.Context, method string) (OrderResult, error) {
	m, err := solvers.Lookup(method)
	if err != nil {
		return OrderResult{}, err
	}
	res := OrderResult{Method: method, Order: m.Order, Observed: math.NaN(), HMin: math.NaN(), HMax: math.NaN()}
	T := 2 * math.Pi * p.Periods
	exact := []float64{math.Cos(T), math.Sin(T)}
	out := [][]float64{make([]float64, 2)}
	prev := 0
	for k := 0; k < p.Refine; k++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		n := int(math.Round(float64(p.MinSteps) * p.Periods * math.Pow(2, float64(k)/4)))
		if n == prev {
			continue
		}
		prev = n
		h := T / float64(n)
		_, err := solvers.Solve(ctx, method, solvers.Problem{F: rotation, Y0: []float64{1, 0}}, []float64{T}, out,
			solvers.Options{Step: h, RTol: 1e-10, ATol: 1e-10})
		e := math.Hypot(out[0][0]-exact[0], out[0][1]-exact[1])
		res.Steps = append(res.Steps, n)
		res.H = append(res.H, h)
		res.Err = append(res.Err, e)
		res.Status = append(res.Status, status(err))
	}
	var xs, ys []float64
	for i := len(res.H) - 1; i >= 0 && len(xs) < p.Fit; i-- {
		if e := res.Err[i]; res.Status[i] == "ok" && e > p.Floor && e > roundoff*float64(res.Steps[i]) && e < p.Ceiling {
			xs = append(xs, math.Log(res.H[i]))
			ys = append(ys, math.Log(e))
			res.HMax = res.H[i]
			if len(xs) == 1 {
				res.HMin = res.H[i]
			}
		}
	}
	res.Points = len(xs)
	if len(xs) >= 2 {
		if len(xs) == 2 {
			res.Observed = (ys[1] - ys[0]) / (xs[1] - xs[0])
		} else {
			res.Observed = slope(xs, ys)
		}
	}
	return res, nil
}

func (s *orderStage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	eb := array.NewRecordBuilder(memory.DefaultAllocator, orderErrorsSchema)
	defer eb.Release()
	ob := array.NewRecordBuilder(memory.DefaultAllocator, OrdersSchema)
	defer ob.Release()
	for _, m := range slices.Clone(s.p.Methods) {
		r, err := s.p.ObservedOrder(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
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
	return stages.Outputs{"errors": eb.NewRecordBatch(), "orders": ob.NewRecordBatch()}, nil
}
