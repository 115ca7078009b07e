package invariants

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/chaos-runner/runner/metrics"
)

func testSeries() []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 5000)
	v := 0.3
	for i := range x {
		v = 3.9 * v * (1 - v)
		x[i] = v + 0.01*rng.NormFloat64()
	}
	return x
}

// The local permutation entropy equals metrics.PermutationEntropy up to the
// order of summation.
func TestPermutationEntropyMatchesMetrics(t *testing.T) {
	x := testSeries()
	for _, order := range []int{3, 5, 7} {
		want, err := metrics.PermutationEntropy(x, order, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := permutationEntropy(x, order, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("order %d: %v, metrics gives %v", order, got, want)
		}
	}
}

// TestKnownBugPermutationEntropyDeterministic shows that
// metrics.PermutationEntropy is not bitwise reproducible (it sums over a Go
// map). It fails today; run it with RUNNER_KNOWN_BUGS=1.
func TestKnownBugPermutationEntropyDeterministic(t *testing.T) {
	if os.Getenv("RUNNER_KNOWN_BUGS") == "" {
		t.Skip("known bug in package metrics; set RUNNER_KNOWN_BUGS=1 to run")
	}
	x := testSeries()
	first, _ := metrics.PermutationEntropy(x, 6, 1)
	for i := 0; i < 50; i++ {
		if v, _ := metrics.PermutationEntropy(x, 6, 1); math.Float64bits(v) != math.Float64bits(first) {
			t.Fatalf("run %d: %.17g, first run %.17g", i, v, first)
		}
	}
}
