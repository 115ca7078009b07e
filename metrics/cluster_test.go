package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// exhaustivePAM returns the globally optimal medoids (sorted, lexicographically
// first among ties) and loss by enumerating all k-subsets.
func exhaustivePAM(dm *distMatrix, k int) ([]int, float64) {
	n := dm.n
	best, bestLoss := []int(nil), math.Inf(1)
	idx := make([]int, k)
	var rec func(pos, from int)
	rec = func(pos, from int) {
		if pos == k {
			loss := 0.0
			for p := 0; p < n; p++ {
				m := math.Inf(1)
				for _, c := range idx {
					m = math.Min(m, dm.at(p, c))
				}
				loss += m
			}
			if loss < bestLoss-1e-12 {
				best, bestLoss = append([]int(nil), idx...), loss
			}
			return
		}
		for c := from; c < n; c++ {
			idx[pos] = c
			rec(pos+1, c+1)
		}
	}
	rec(0, 0)
	return best, bestLoss
}

func randomBlobs(rng *rand.Rand, n, centres int) *mat.SymDense {
	pts := make([][2]float64, n)
	cs := make([][2]float64, centres)
	for i := range cs {
		cs[i] = [2]float64{10 * rng.Float64(), 10 * rng.Float64()}
	}
	for i := range pts {
		c := cs[rng.IntN(centres)]
		pts[i] = [2]float64{c[0] + rng.NormFloat64(), c[1] + rng.NormFloat64()}
	}
	d := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			d.SetSym(i, j, math.Hypot(pts[i][0]-pts[j][0], pts[i][1]-pts[j][1]))
		}
	}
	return d
}

func lossOf(dm *distMatrix, med []int) float64 {
	loss := 0.0
	for p := 0; p < dm.n; p++ {
		m := math.Inf(1)
		for _, c := range med {
			m = math.Min(m, dm.at(p, c))
		}
		loss += m
	}
	return loss
}

// classicPAM is Kaufman & Rousseeuw's PAM: BUILD, then repeatedly the best of
// all k(n−k) swaps, evaluated exhaustively, while it improves the loss.
func classicPAM(dm *distMatrix, k int) ([]int, float64) {
	med := buildInit(dm, k)
	loss := lossOf(dm, med)
	for {
		bestLoss, bi, bx := loss, -1, -1
		for i := range med {
			for x := 0; x < dm.n; x++ {
				if containsInt(med, x) {
					continue
				}
				old := med[i]
				med[i] = x
				if l := lossOf(dm, med); l < bestLoss-1e-12 {
					bestLoss, bi, bx = l, i, x
				}
				med[i] = old
			}
		}
		if bi < 0 {
			return med, loss
		}
		med[bi], loss = bx, bestLoss
	}
}

func containsInt(a []int, x int) bool {
	for _, v := range a {
		if v == x {
			return true
		}
	}
	return false
}

func sameSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, v := range a {
		if !containsInt(b, v) {
			return false
		}
	}
	return true
}

// countOptima counts the k-subsets whose loss is within 1e-9 of loss.
func countOptima(dm *distMatrix, k int, loss float64) int {
	cnt := 0
	idx := make([]int, k)
	var rec func(pos, from int)
	rec = func(pos, from int) {
		if pos == k {
			if math.Abs(lossOf(dm, idx)-loss) < 1e-9 {
				cnt++
			}
			return
		}
		for c := from; c < dm.n; c++ {
			idx[pos] = c
			rec(pos+1, c+1)
		}
	}
	rec(0, 0)
	return cnt
}

// FasterPAM finds the same medoids and loss as PAM (BUILD + exhaustive best
// swaps), is a local optimum of the swap neighbourhood, and, started from a
// few seeds, reaches the global optimum found by exhaustive enumeration.
func TestFasterPAMEqualsExhaustive(t *testing.T) {
	rng := rand.New(rand.NewPCG(2021, 1))
	for trial := 0; trial < 16; trial++ {
		n := 10 + trial%5
		k := 1 + trial%4
		d := randomBlobs(rng, n, k)
		dm, _ := newDistMatrix(d)
		globalMed, globalLoss := exhaustivePAM(dm, k)
		unique := countOptima(dm, k, globalLoss) == 1
		pamMed, pamLoss := classicPAM(dm, k)

		got, err := FasterPAM(d, k, nil) // BUILD init, as PAM
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got.Loss-pamLoss) > 1e-9 || math.Abs(got.Loss-lossOf(dm, got.Medoids)) > 1e-9 {
			t.Errorf("trial %d (n=%d k=%d): FasterPAM loss %.6f, PAM %.6f", trial, n, k, got.Loss, pamLoss)
		} else if countOptima(dm, k, pamLoss) == 1 && !sameSet(got.Medoids, pamMed) {
			t.Errorf("trial %d: FasterPAM medoids %v, PAM %v", trial, got.Medoids, pamMed)
		}
		// Local optimum: no single swap improves.
		for i := range got.Medoids {
			for x := 0; x < n; x++ {
				if containsInt(got.Medoids, x) {
					continue
				}
				m := append([]int(nil), got.Medoids...)
				m[i] = x
				if lossOf(dm, m) < got.Loss-1e-9 {
					t.Errorf("trial %d: swap %d→%d improves %.6f", trial, got.Medoids[i], x, got.Loss)
				}
			}
		}
		// Best of a few seeded random starts reaches the global optimum.
		best := got
		for seed := uint64(0); seed < 5; seed++ {
			r, _ := FasterPAM(d, k, &KMedoidsOptions{Init: "random", Seed: seed})
			if r.Loss < best.Loss {
				best = r
			}
		}
		if math.Abs(best.Loss-globalLoss) > 1e-9 {
			t.Errorf("trial %d: best FasterPAM loss %.6f, exhaustive %.6f", trial, best.Loss, globalLoss)
		} else if unique && !sameSet(best.Medoids, globalMed) {
			t.Errorf("trial %d: medoids %v, exhaustive %v", trial, best.Medoids, globalMed)
		}
		if got.Loss > globalLoss+1e-9 {
			t.Logf("trial %d: BUILD+FasterPAM (= PAM) stops at a local optimum %.6f > %.6f", trial, got.Loss, globalLoss)
		}
	}
}

func TestFasterPAMDeterministic(t *testing.T) {
	d := randomBlobs(rand.New(rand.NewPCG(5, 5)), 200, 4)
	a, _ := FasterPAM(d, 4, &KMedoidsOptions{Init: "random", Seed: 9})
	b, _ := FasterPAM(d, 4, &KMedoidsOptions{Init: "random", Seed: 9})
	if a.Loss != b.Loss || a.Swaps != b.Swaps {
		t.Errorf("not deterministic: %+v vs %+v", a, b)
	}
	if _, err := FasterPAM(d, 0, nil); err == nil {
		t.Error("k = 0 accepted")
	}
	bad := mat.NewSymDense(2, []float64{0, math.NaN(), math.NaN(), 0})
	if _, err := FasterPAM(bad, 1, nil); err == nil {
		t.Error("NaN distance accepted")
	}
}

func TestSilhouetteHand(t *testing.T) {
	// Points on a line at 0, 1, 4, 5; clusters {0,1} and {4,5}.
	// Point 0: a = 1, b = mean(4, 5) = 4.5, s = 3.5/4.5 = 7/9.
	// Point 1: a = 1, b = mean(3, 4) = 3.5, s = 2.5/3.5 = 5/7. By symmetry
	// points 5 and 4 give 7/9 and 5/7: mean = (7/9 + 5/7)/2 = 47/63.
	x := []float64{0, 1, 4, 5}
	d := mat.NewSymDense(4, nil)
	for i := range x {
		for j := i; j < 4; j++ {
			d.SetSym(i, j, math.Abs(x[i]-x[j]))
		}
	}
	got, err := Silhouette(d, []int{0, 0, 1, 1})
	if err != nil || math.Abs(got-47.0/63) > 1e-12 {
		t.Errorf("silhouette = %v (%v), want 47/63 = %v", got, err, 47.0/63)
	}
	// A singleton contributes 0: {0}, {1, 4, 5}. Point 1: a = (3+4)/2 = 3.5,
	// b = 1, s = −2.5/3.5; point 4: a = (3+1)/2 = 2, b = 4, s = 1/2;
	// point 5: a = (4+1)/2 = 2.5, b = 5, s = 1/2. Mean (0 − 5/7 + 1)/4 = 1/14.
	got, _ = Silhouette(d, []int{0, 1, 1, 1})
	if math.Abs(got-1.0/14) > 1e-12 {
		t.Errorf("silhouette with singleton = %v, want 1/14", got)
	}
	if got, _ := Silhouette(d, []int{0, 0, 0, 0}); !math.IsNaN(got) {
		t.Errorf("one cluster: %v, want NaN", got)
	}
	k, sil, fits, err := ChooseK(d, 2, 3, nil)
	if err != nil || k != 2 || len(sil) != 2 || fits[0].Loss != 2 {
		t.Errorf("ChooseK = %d %v %+v %v", k, sil, fits, err)
	}
}

func TestChooseKBlobs(t *testing.T) {
	// Four well-separated blobs.
	rng := rand.New(rand.NewPCG(3, 4))
	n := 120
	d := mat.NewSymDense(n, nil)
	pts := make([][2]float64, n)
	centres := [][2]float64{{0, 0}, {20, 0}, {0, 20}, {20, 20}}
	for i := range pts {
		c := centres[i%4]
		pts[i] = [2]float64{c[0] + rng.NormFloat64(), c[1] + rng.NormFloat64()}
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			d.SetSym(i, j, math.Hypot(pts[i][0]-pts[j][0], pts[i][1]-pts[j][1]))
		}
	}
	k, sil, _, err := ChooseK(d, 2, 7, &KMedoidsOptions{Seed: 1})
	if err != nil || k != 4 {
		t.Errorf("ChooseK = %d (%v), silhouettes %v, want 4", k, err, sil)
	}
}
