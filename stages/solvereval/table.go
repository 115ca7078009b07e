package solvereval

import "github.com/chaos-runner/runner/schemas"

// Timing is one line of the timings table.
type Timing struct {
	System  string  `arrow:"system" doc:"catalog name of the system"`
	Method  string  `arrow:"method" doc:"solvers method name"`
	Level   int     `arrow:"level" doc:"index of the setting in the method's tolerance or step sweep"`
	RTol    float64 `arrow:"rtol" doc:"relative tolerance of an adaptive method; NaN for fixed-step methods"`
	ATol    float64 `arrow:"atol" doc:"absolute tolerance of an adaptive method; NaN for fixed-step methods"`
	Step    float64 `arrow:"step" unit:"time units" doc:"step size of a fixed-step method; NaN for adaptive methods"`
	Repeats int     `arrow:"repeats" doc:"runs asked for; a failed run ends the repeats"`
	Min     float64 `arrow:"wall_seconds_min" unit:"s" doc:"minimum wall time of one integration to the horizon over the repeats; not measured unless status is ok (NaN, or 0 when the system could not be set up)"`
	Median  float64 `arrow:"wall_seconds_median" unit:"s" doc:"median wall time over the repeats; not measured unless status is ok (NaN, or 0 when the system could not be set up)"`
	Status  string  `arrow:"status" doc:"ok, unsupported, error or the failure of the first failed run (max_steps, step_underflow, non_finite, no_convergence)"`
}

// timingsTable declares solver_timing's timings table. Every column is
// written as a value: NaN marks a float that does not apply, never null.
var timingsTable = schemas.NewTable[Timing]()
