package solvereval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/chaos-runner/runner/schemas"
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
	// The finest run takes min_steps · periods · 2^((refinements-1)/4) steps.
	if p.Refine >= 2 && p.Refine <= 64 && p.MinSteps >= 1 && p.Periods > 0 {
		if n := float64(p.MinSteps) * p.Periods * math.Pow(2, float64(p.Refine-1)/4); n > 1e9 {
			bad("min_steps", fmt.Sprintf("the finest run would take %.3g steps, over 1e9 (lower min_steps, periods or refinements)", n))
		}
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

// orderErrorRow is one line of solver_order's errors table: one step size
// of one method's sweep.
type orderErrorRow struct {
	Method string  `arrow:"method" doc:"solvers method name"`
	Steps  int     `arrow:"steps" doc:"number of fixed steps n over the interval"`
	H      float64 `arrow:"h" unit:"time units" doc:"step size 2 pi periods / n"`
	Error  float64 `arrow:"error" doc:"Euclidean norm of the error against (cos T, sin T) at the end of the interval"`
	Status string  `arrow:"status" doc:"ok, max_steps, step_underflow, non_finite, no_convergence or error"`
}

// orderRow is one line of solver_order's orders table.
type orderRow struct {
	Method   string  `arrow:"method" doc:"solvers method name"`
	Order    int     `arrow:"order" doc:"nominal order of the method"`
	Observed float64 `arrow:"observed_order" doc:"least-squares slope of log error against log h over the fit smallest usable steps; NaN with fewer than 2"`
	Points   int     `arrow:"points" doc:"steps used in the fit (error between floor, 30 eps n and ceiling)"`
	HMin     float64 `arrow:"h_min" unit:"time units" doc:"smallest step used in the fit; NaN with no point"`
	HMax     float64 `arrow:"h_max" unit:"time units" doc:"largest step used in the fit; NaN with no point"`
	Within   bool    `arrow:"within_0_3" doc:"|observed - nominal order| <= 0.3 (false when the observed order is NaN)"`
}

// The tables of solver_order; their schemas carry no metadata. Every
// column is written as a value: NaN marks a missing float, never null.
var (
	orderErrorsTable = schemas.NewTable[orderErrorRow]()
	ordersTable      = schemas.NewTable[orderRow]()
)

type orderStage struct{ p OrderParams }

func (s *orderStage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{
		stages.TablePort("errors", "error at the end for every method and step.", orderErrorsTable),
		stages.TablePort("orders", "nominal and observed order of every method.", ordersTable),
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
	var errs []orderErrorRow
	var orders []orderRow
	for _, m := range slices.Clone(s.p.Methods) {
		r, err := s.p.ObservedOrder(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		for i := range r.H {
			errs = append(errs, orderErrorRow{Method: m, Steps: r.Steps[i], H: r.H[i], Error: r.Err[i], Status: r.Status[i]})
		}
		orders = append(orders, orderRow{Method: m, Order: r.Order, Observed: r.Observed, Points: r.Points,
			HMin: r.HMin, HMax: r.HMax, Within: math.Abs(r.Observed-float64(r.Order)) <= 0.3})
	}
	return stages.Outputs{"errors": orderErrorsTable.Record(errs, nil), "orders": ordersTable.Record(orders, nil)}, nil
}
