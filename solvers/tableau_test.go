package solvers

import (
	"math"
	"testing"
)

// Rooted trees and Butcher's order conditions (Hairer, Norsett & Wanner,
// Solving ODEs I, II.2, Theorem 2.13): a method has order p iff
// sum_i b_i Phi_i(t) = 1/gamma(t) for every rooted tree t with |t| <= p, where
// Phi_i([t1..tm]) = prod_k sum_j a_ij Phi_j(t_k) and gamma([t1..tm]) =
// |t| prod_k gamma(t_k).

type rtree struct {
	order    int
	children []int // indices into the tree list, non-increasing
	gamma    float64
}

// rootedTrees returns all rooted trees with up to maxOrder vertices.
func rootedTrees(maxOrder int) []rtree {
	trees := []rtree{{order: 1, gamma: 1}}
	for n := 2; n <= maxOrder; n++ {
		var gen func(rem, maxIdx int, acc []int)
		gen = func(rem, maxIdx int, acc []int) {
			if rem == 0 {
				g := float64(n)
				for _, c := range acc {
					g *= trees[c].gamma
				}
				trees = append(trees, rtree{order: n, children: append([]int(nil), acc...), gamma: g})
				return
			}
			for i := maxIdx; i >= 0; i-- {
				if trees[i].order <= rem {
					gen(rem-trees[i].order, i, append(acc, i))
				}
			}
		}
		// only trees of order < n exist in the list at this point
		gen(n-1, len(trees)-1, nil)
	}
	return trees
}

func TestRootedTreeCounts(t *testing.T) {
	// OEIS A000081: 1, 1, 2, 4, 9, 20, 48, 115, 286.
	want := []int{1, 1, 2, 4, 9, 20, 48, 115, 286}
	count := make([]int, 10)
	for _, tr := range rootedTrees(9) {
		count[tr.order]++
	}
	for i, w := range want {
		if count[i+1] != w {
			t.Errorf("trees of order %d: %d, want %d", i+1, count[i+1], w)
		}
	}
}

// elementaryWeights returns Phi(t) for every tree.
func elementaryWeights(tab *tableau, trees []rtree) [][]float64 {
	s := tab.stages()
	phi := make([][]float64, len(trees))
	aphi := make([][]float64, len(trees)) // A*Phi
	for k, tr := range trees {
		p := make([]float64, s)
		for i := range p {
			p[i] = 1
			for _, c := range tr.children {
				p[i] *= aphi[c][i]
			}
		}
		phi[k] = p
		ap := make([]float64, s)
		for i := 0; i < s; i++ {
			for j, aij := range tab.a[i] {
				ap[i] += aij * p[j]
			}
		}
		aphi[k] = ap
	}
	return phi
}

// checkOrder returns the largest order p <= maxOrder such that the weights w
// satisfy all conditions of order <= p (with target 1/gamma, or 0 if zero).
func checkOrder(tab *tableau, w []float64, maxOrder int, zero bool) int {
	trees := rootedTrees(maxOrder)
	phi := elementaryWeights(tab, trees)
	bad := maxOrder + 1
	for k, tr := range trees {
		var sum, mag float64
		for i, wi := range w {
			sum += wi * phi[k][i]
			mag += math.Abs(wi * phi[k][i])
		}
		target := 1 / tr.gamma
		if zero {
			target = 0
		}
		if math.Abs(sum-target) > 1e-12*math.Max(1, mag) && tr.order < bad {
			bad = tr.order
		}
	}
	return bad - 1
}

func TestTableauOrderConditions(t *testing.T) {
	for _, name := range Methods() {
		m, _ := Lookup(name)
		tab := registry[name].tab
		if tab == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s := tab.stages()
			if len(tab.a) != s || len(tab.b) != s || (tab.e != nil && len(tab.e) != s) {
				t.Fatalf("inconsistent tableau sizes")
			}
			for i := 0; i < s; i++ {
				if len(tab.a[i]) > i {
					t.Fatalf("row %d is not strictly lower triangular", i)
				}
				var sum float64
				for _, v := range tab.a[i] {
					sum += v
				}
				if math.Abs(sum-tab.c[i]) > 1e-14 {
					t.Errorf("row sum %d: %.17g != c=%.17g", i, sum, tab.c[i])
				}
			}
			if tab.fsal {
				for j, v := range tab.b {
					if j < len(tab.a[s-1]) && v != tab.a[s-1][j] {
						t.Errorf("FSAL: b[%d] != a[%d][%d]", j, s-1, j)
					}
				}
			}
			// b has exactly the nominal order.
			if got := checkOrder(tab, tab.b, m.Order+1, false); got != m.Order {
				t.Errorf("b satisfies order conditions up to %d, want exactly %d", got, m.Order)
			}
			if tab.e == nil {
				return
			}
			// bhat = b - e has the order of the estimator: e is orthogonal
			// to all elementary weights of order <= ErrOrder.
			emb := m.ErrOrder
			if name == "dop853" {
				emb = 5 // er: difference of the 8th- and a 5th-order result
				if got := checkOrder(tab, tab.e3, 4, true); got != 3 {
					t.Errorf("DOP853 3rd-order estimator annihilates trees up to %d, want 3", got)
				}
			}
			if got := checkOrder(tab, tab.e, emb+1, true); got != emb {
				t.Errorf("error weights annihilate trees up to order %d, want exactly %d", got, emb)
			}
		})
	}
}

// TestDenseWeights checks the polynomial interpolant of tsit5 at theta=1
// (it must reproduce b) and its order-4 conditions at several theta:
// sum_i b_i(theta) Phi_i(t) = theta^|t| / gamma(t).
func TestDenseWeights(t *testing.T) {
	tab := tsit5
	trees := rootedTrees(5)
	phi := elementaryWeights(tab, trees)
	for _, th := range []float64{0.25, 0.5, 0.8, 1} {
		w := make([]float64, tab.stages())
		for i := range w {
			p := th
			for _, c := range tab.bt[i] {
				w[i] += c * p
				p *= th
			}
			w[i] /= th
		}
		for k, tr := range trees {
			if tr.order > 4 {
				continue
			}
			var sum float64
			for i := range w {
				sum += w[i] * phi[k][i]
			}
			if want := math.Pow(th, float64(tr.order-1)) / tr.gamma; math.Abs(sum-want) > 1e-12 {
				t.Errorf("theta=%g tree %d (order %d): %.15g, want %.15g", th, k, tr.order, sum, want)
			}
		}
	}
}
