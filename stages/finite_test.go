package stages

import (
	"math"
	"testing"
)

func TestCheckFinite(t *testing.T) {
	for _, c := range []struct {
		name string
		traj [][]float64
		want string
	}{
		{"finite", [][]float64{{1, -2}, {1e12, -1e12}}, ""},
		{"empty", nil, ""},
		{"nan", [][]float64{{0, 0}, {0, math.NaN()}}, "non-finite state at sample 1"},
		{"inf", [][]float64{{math.Inf(-1)}}, "non-finite state at sample 0"},
		{"escaped", [][]float64{{0}, {0}, {2e12}}, "state left the attractor (|x| > 1e12) at sample 2"},
	} {
		err := CheckFinite(c.traj)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: error %q, want %q", c.name, got, c.want)
		}
	}
}
