package solvers

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkLorenz integrates Lorenz-63 from (1,0,0) to t=10 (one output);
// allocations per integration are constant (workspace only), not per step.
func BenchmarkLorenz(b *testing.B) {
	for _, m := range []string{"bs3", "dopri5", "tsit5", "dop853", "vern9", "radau5"} {
		for _, tol := range []float64{1e-6, 1e-8, 1e-10} {
			if m == "bs3" && tol < 1e-8 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%g", m, tol), func(b *testing.B) {
				p := Problem{F: lorenz, Y0: []float64{1, 0, 0}}
				out := [][]float64{make([]float64, 3)}
				b.ReportAllocs()
				var st Stats
				for b.Loop() {
					var err error
					st, err = Solve(context.Background(), m, p, []float64{10}, out, Options{RTol: tol, ATol: tol * 1e-3})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(st.RHSEvals), "rhs/op")
			})
		}
	}
}

func ExampleSolve() {
	// Harmonic oscillator y'' = -y: (cos t, -sin t).
	f := func(t float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }
	times := []float64{1, 2, 3}
	out := [][]float64{make([]float64, 2), make([]float64, 2), make([]float64, 2)}
	st, err := Solve(context.Background(), "dop853", Problem{F: f, Y0: []float64{1, 0}}, times, out, Options{RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		panic(err)
	}
	for i, t := range times {
		fmt.Printf("t=%g y=%.8f\n", t, out[i][0])
	}
	fmt.Println(st.Rejected == 0)
	// Output:
	// t=1 y=0.54030231
	// t=2 y=-0.41614684
	// t=3 y=-0.98999250
	// true
}
