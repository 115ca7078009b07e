// Package solvers integrates ordinary, delay and stochastic differential
// equations and iterates discrete maps, using only the standard library and
// gonum.
//
// # API
//
//	Solve(ctx, method, Problem{F, Jac, T0, Y0}, times, out, Options) (Stats, error)
//	New(method, problem, options) (*Integrator, error)  // step-by-step use
//	(*Integrator).Step(tStop) / AdvanceTo(ctx, t, y) / Dense(t, y) / Reset(t0, y0)
//	Methods() []string; Lookup(name) (Method, error)
//
// Right-hand sides are Func(t, y, dy): they write into dy and allocate
// nothing. Jacobians are JacFunc(t, y, jac), row-major jac[i*n+j] = df_i/dy_j.
// Both have the same underlying types as systems.Func and systems.JacFunc.
//
// Solve never steps past the last output time; values in between come from
// the method's dense output. Errors are *IntegrationError values wrapping
// ErrStepUnderflow (h < 16 eps |t|), ErrMaxSteps, ErrNonFinite or a context
// error; rows of out not reached are left NaN.
//
// # Methods
//
//	euler, midpoint, rk4  fixed step (Options.Step), cubic Hermite dense output
//	bs3     Bogacki-Shampine 3(2), FSAL, Hermite dense output
//	dopri5  Dormand-Prince 5(4), FSAL, Hairer's 4th-order continuous extension
//	tsit5   Tsitouras 5(4), FSAL, Tsitouras' 4th-order interpolant
//	dop853  Hairer's DOP853 8(5,3), 7th-order dense output (3 extra stages)
//	vern9   Verner 9(8), 16 stages; Hermite dense output, so Solve steps to
//	        every output time exactly instead of interpolating
//
// # Step-size control
//
// Embedded error estimate err_i = h sum_j (b_j - bhat_j) k_j,i measured in
// Hairer's RMS norm
//
//	err = sqrt( 1/n sum_i (err_i / (atol + rtol max(|y_i|, |ynew_i|)))^2 )
//
// (DOP853 combines its 5th- and 3rd-order estimates as in dop853.f). A step
// is accepted when err <= 1 and the next step is
//
//	h_new = h * clamp(0.9 * err^-beta1 * errOld^beta2, 1/5, 10),  beta1 = 1/q - 0.75 beta2
//
// (Hairer, Norsett & Wanner, Solving Ordinary Differential Equations I,
// 2nd ed., II.4), q = order+1 of the lower-order formula (5 for dopri5, 8 for
// dop853). After a rejection the step may not grow. beta2 is 0.04 except for
// dopri5 (0: I control, Hairer's beta=0 option, which reproduces scipy's RK45
// step sequence) and dop853 (0.02). The first step is Hairer's HINIT
// heuristic (one extra RHS evaluation).
package solvers
