package forecast

import (
	"testing"

	"github.com/chaos-runner/runner/stages"
)

// TestSystemSeedIsSubSeed: the train stage's own seed derivation and
// stages.SubSeed give the same bits, so moving to SubSeed keeps every
// fitted model.
func TestSystemSeedIsSubSeed(t *testing.T) {
	for _, seed := range []uint64{0, 1, 7, 42, 1<<63 + 12345} {
		for _, name := range []string{"", "Lorenz", "Rossler", "MackeyGlass", "HyperRossler", "Lorenz96"} {
			if a, b := systemSeed(seed, name), stages.SubSeed(seed, name); a != b {
				t.Errorf("seed %d, %q: systemSeed %#x, SubSeed %#x", seed, name, a, b)
			}
		}
	}
}
