package metrics

import (
	"context"
	"math/rand/v2"

	"github.com/chaos-runner/runner/solvers"
)

// Test systems written here so the tests do not depend on package systems.

const (
	lorenzSigma = 10.0
	lorenzRho   = 28.0
	lorenzBeta  = 8.0 / 3.0
)

func lorenzRHS(_ float64, x, dx []float64) {
	dx[0] = lorenzSigma * (x[1] - x[0])
	dx[1] = x[0]*(lorenzRho-x[2]) - x[1]
	dx[2] = x[0]*x[1] - lorenzBeta*x[2]
}

func lorenzJac(_ float64, x, j []float64) {
	j[0], j[1], j[2] = -lorenzSigma, lorenzSigma, 0
	j[3], j[4], j[5] = lorenzRho-x[2], -1, -x[0]
	j[6], j[7], j[8] = x[1], x[0], -lorenzBeta
}

const rosslerA, rosslerB, rosslerC = 0.2, 0.2, 5.7

func rosslerRHS(_ float64, x, dx []float64) {
	dx[0] = -x[1] - x[2]
	dx[1] = x[0] + rosslerA*x[1]
	dx[2] = rosslerB + x[2]*(x[0]-rosslerC)
}

func rosslerJac(_ float64, x, j []float64) {
	j[0], j[1], j[2] = 0, -1, -1
	j[3], j[4], j[5] = 1, rosslerA, 0
	j[6], j[7], j[8] = x[2], 0, x[0]-rosslerC
}

const henonA, henonB = 1.4, 0.3

func henonMap(x, next []float64) {
	next[0] = 1 - henonA*x[0]*x[0] + x[1]
	next[1] = henonB * x[0]
}

func henonJac(x, j []float64) {
	j[0], j[1] = -2*henonA*x[0], 1
	j[2], j[3] = henonB, 0
}

func logisticMap(x, next []float64) { next[0] = 4 * x[0] * (1 - x[0]) }
func logisticJac(x, j []float64)    { j[0] = 4 * (1 - 2*x[0]) }

// lorenzSeries samples a Lorenz-63 orbit every sample time units with RK4 (package solvers) at
// step h after a transient of 50 time units from (1, 1, 1); rows = samples.
func lorenzSeries(n int, sample, h float64) [][]float64 {
	times := make([]float64, n+1)
	out := make([][]float64, n+1)
	for i := range times {
		times[i] = 50 + float64(i)*sample
		out[i] = make([]float64, 3)
	}
	_, err := solvers.Solve(context.Background(), "rk4",
		solvers.Problem{F: lorenzRHS, Y0: []float64{1, 1, 1}}, times, out, solvers.Options{Step: h})
	if err != nil {
		panic(err)
	}
	return out[1:]
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(42, 7)) }
