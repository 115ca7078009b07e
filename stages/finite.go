package stages

import (
	"fmt"
	"math"
)

// CheckFinite rejects a trajectory (traj[sample][coordinate]) that holds a
// NaN or an infinity, or that left the attractor (|x| > 1e12): the
// integrators can return such states without an error. The messages name the
// first bad sample; they are part of the stages' failure tables.
func CheckFinite(traj [][]float64) error {
	for i, row := range traj {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("non-finite state at sample %d", i)
			}
			if math.Abs(v) > 1e12 {
				return fmt.Errorf("state left the attractor (|x| > 1e12) at sample %d", i)
			}
		}
	}
	return nil
}
