package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// KMedoidsOptions configures FasterPAM.
type KMedoidsOptions struct {
	// Init is "build" (default; PAM's greedy BUILD, deterministic) or
	// "random" (k distinct points drawn with Seed).
	Init string
	// Seed seeds the random initialisation and the point at which the
	// swap loop starts, so results are reproducible.
	Seed uint64
	// MaxSwaps bounds the number of swaps (default 100·n).
	MaxSwaps int
}

// KMedoids is a k-medoids clustering.
type KMedoids struct {
	// Medoids are the indices of the k medoids, sorted ascending.
	Medoids []int
	// Labels[i] is the index into Medoids of point i's nearest medoid.
	Labels []int
	// Loss is the total deviation Σ_i d(i, nearest medoid).
	Loss float64
	// Swaps is the number of swaps performed.
	Swaps int
}

// distMatrix is a dense copy of a validated symmetric distance matrix.
type distMatrix struct {
	n int
	d []float64
}

func (m *distMatrix) at(i, j int) float64 { return m.d[i*m.n+j] }

func newDistMatrix(dist mat.Symmetric) (*distMatrix, error) {
	if dist == nil {
		return nil, errors.New("metrics: nil distance matrix")
	}
	n := dist.SymmetricDim()
	if n == 0 {
		return nil, errors.New("metrics: empty distance matrix")
	}
	m := &distMatrix{n: n, d: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := dist.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("metrics: distance (%d, %d) = %g is not a finite non-negative number", i, j, v)
			}
			m.d[i*n+j] = v
		}
	}
	return m, nil
}

// FasterPAM clusters n points given their pairwise distances into k
// clusters around medoids with the FasterPAM algorithm of Schubert &
// Rousseeuw ("Fast and eager k-medoids clustering: O(k) runtime improvement
// of the PAM, CLARA, and CLARANS algorithms", Information Systems 101, 2021).
// For each non-medoid candidate x_c the change of total deviation of the
// best swap (m_i ↔ x_c) is computed for all medoids at once in O(n):
//
//	ΔTD_i = ΔTD⁻_i + ΔTD⁺_{x_c} + corrections,
//	ΔTD⁻_i = Σ_{o: n(o)=i} (d_s(o) − d_n(o))   (removal loss),
//
// where d_n, d_s are the distances to the nearest and second-nearest
// medoids; any improving swap is applied eagerly, and the algorithm stops
// after a full pass over the candidates without improvement (a local
// optimum of PAM's SWAP neighbourhood). The distance matrix must be
// non-negative and finite.
func FasterPAM(dist mat.Symmetric, k int, opts *KMedoidsOptions) (KMedoids, error) {
	dm, err := newDistMatrix(dist)
	if err != nil {
		return KMedoids{}, err
	}
	return fasterPAM(dm, k, opts)
}

func fasterPAM(dm *distMatrix, k int, opts *KMedoidsOptions) (KMedoids, error) {
	var o KMedoidsOptions
	if opts != nil {
		o = *opts
	}
	n := dm.n
	if k < 1 || k > n {
		return KMedoids{}, fmt.Errorf("metrics: k=%d outside [1, %d]", k, n)
	}
	if o.MaxSwaps == 0 {
		o.MaxSwaps = 100 * n
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x70616d))
	var med []int
	switch o.Init {
	case "", "build":
		med = buildInit(dm, k)
	case "random":
		med = rng.Perm(n)[:k]
	default:
		return KMedoids{}, fmt.Errorf("metrics: unknown k-medoids init %q (have build, random)", o.Init)
	}
	isMed := make([]bool, n)
	for _, m := range med {
		isMed[m] = true
	}
	near := make([]int, n) // index into med
	sec := make([]int, n)
	dn := make([]float64, n)
	ds := make([]float64, n)
	assign := func() {
		for p := 0; p < n; p++ {
			near[p], sec[p], dn[p], ds[p] = -1, -1, math.Inf(1), math.Inf(1)
			for i, m := range med {
				d := dm.at(p, m)
				if d < dn[p] {
					sec[p], ds[p] = near[p], dn[p]
					near[p], dn[p] = i, d
				} else if d < ds[p] {
					sec[p], ds[p] = i, d
				}
			}
		}
	}
	removal := make([]float64, k)
	computeRemoval := func() {
		for i := range removal {
			removal[i] = 0
		}
		for p := 0; p < n; p++ {
			if k > 1 {
				removal[near[p]] += ds[p] - dn[p]
			}
		}
	}
	assign()
	computeRemoval()
	delta := make([]float64, k)
	swaps := 0
	start := rng.IntN(n)
	if o.Init == "" || o.Init == "build" {
		start = 0
	}
	last := -1 // last candidate that was swapped in
	for step := 0; ; step++ {
		xc := (start + step) % n
		if xc == last {
			break // a full pass without improvement
		}
		if step >= n && last < 0 {
			break // first pass found nothing
		}
		if isMed[xc] {
			continue
		}
		copy(delta, removal)
		acc := 0.0
		for p := 0; p < n; p++ {
			dpc := dm.at(p, xc)
			switch {
			case dpc < dn[p]:
				// x_c becomes p's nearest medoid whichever medoid leaves.
				acc += dpc - dn[p]
				if k > 1 {
					delta[near[p]] += dn[p] - ds[p]
				}
			case k == 1:
				delta[0] += dpc - dn[p]
			case dpc < ds[p]:
				delta[near[p]] += dpc - ds[p]
			}
		}
		bi := 0
		for i := 1; i < k; i++ {
			if delta[i] < delta[bi] {
				bi = i
			}
		}
		if total := delta[bi] + acc; total < -1e-12*math.Max(1, sumF(dn)) {
			isMed[med[bi]] = false
			med[bi] = xc
			isMed[xc] = true
			swaps++
			last = xc
			assign()
			computeRemoval()
			if swaps >= o.MaxSwaps {
				break
			}
		}
	}
	return finishKMedoids(dm, med, swaps), nil
}

func sumF(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += v
	}
	return s
}

// buildInit is PAM's BUILD: greedily add the medoid that reduces the total
// deviation most (ties to the lowest index).
func buildInit(dm *distMatrix, k int) []int {
	n := dm.n
	dn := make([]float64, n)
	for i := range dn {
		dn[i] = math.Inf(1)
	}
	med := make([]int, 0, k)
	used := make([]bool, n)
	for len(med) < k {
		best, bc := math.Inf(1), -1
		for c := 0; c < n; c++ {
			if used[c] {
				continue
			}
			s := 0.0
			for p := 0; p < n; p++ {
				s += math.Min(dn[p], dm.at(p, c))
			}
			if s < best {
				best, bc = s, c
			}
		}
		used[bc] = true
		med = append(med, bc)
		for p := 0; p < n; p++ {
			dn[p] = math.Min(dn[p], dm.at(p, bc))
		}
	}
	return med
}

// finishKMedoids sorts the medoids and assigns labels (ties to the lower
// medoid index).
func finishKMedoids(dm *distMatrix, med []int, swaps int) KMedoids {
	med = append([]int(nil), med...)
	sort.Ints(med)
	res := KMedoids{Medoids: med, Labels: make([]int, dm.n), Swaps: swaps}
	for p := 0; p < dm.n; p++ {
		bi := 0
		for i := range med {
			if dm.at(p, med[i]) < dm.at(p, med[bi]) {
				bi = i
			}
		}
		res.Labels[p] = bi
		res.Loss += dm.at(p, med[bi])
	}
	return res
}

// Silhouette returns the mean silhouette width (Rousseeuw 1987) of a
// labelling: for point i in cluster A, a(i) is its mean distance to the
// other members of A, b(i) the smallest mean distance to another cluster,
// s(i) = (b − a)/max(a, b), and s(i) = 0 for singletons. Labels must be in
// [0, k); with fewer than two non-empty clusters the result is NaN.
func Silhouette(dist mat.Symmetric, labels []int) (float64, error) {
	dm, err := newDistMatrix(dist)
	if err != nil {
		return math.NaN(), err
	}
	return silhouette(dm, labels)
}

func silhouette(dm *distMatrix, labels []int) (float64, error) {
	n := dm.n
	if len(labels) != n {
		return math.NaN(), fmt.Errorf("metrics: %d labels for %d points", len(labels), n)
	}
	k := 0
	for _, l := range labels {
		if l < 0 {
			return math.NaN(), fmt.Errorf("metrics: negative label %d", l)
		}
		k = max(k, l+1)
	}
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	nonEmpty := 0
	for _, s := range size {
		if s > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 2 {
		return math.NaN(), nil
	}
	sums := make([]float64, k)
	total := 0.0
	for i := 0; i < n; i++ {
		for c := range sums {
			sums[c] = 0
		}
		for j := 0; j < n; j++ {
			sums[labels[j]] += dm.at(i, j)
		}
		li := labels[i]
		if size[li] == 1 {
			continue // s = 0
		}
		a := sums[li] / float64(size[li]-1)
		b := math.Inf(1)
		for c := range sums {
			if c != li && size[c] > 0 {
				b = math.Min(b, sums[c]/float64(size[c]))
			}
		}
		if m := math.Max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(n), nil
}

// ChooseK runs FasterPAM for every k in [kmin, kmax] (2 ≤ kmin ≤ kmax < n)
// and returns the k with the largest mean silhouette (ties to the smaller
// k), the silhouette of every k and the clusterings.
func ChooseK(dist mat.Symmetric, kmin, kmax int, opts *KMedoidsOptions) (int, []float64, []KMedoids, error) {
	dm, err := newDistMatrix(dist)
	if err != nil {
		return 0, nil, nil, err
	}
	if kmin < 2 || kmax < kmin || kmax >= dm.n {
		return 0, nil, nil, fmt.Errorf("metrics: need 2 ≤ kmin ≤ kmax < n (got %d, %d, n=%d)", kmin, kmax, dm.n)
	}
	best, bestS := 0, math.Inf(-1)
	var sil []float64
	var fits []KMedoids
	for k := kmin; k <= kmax; k++ {
		fit, err := fasterPAM(dm, k, opts)
		if err != nil {
			return 0, nil, nil, err
		}
		s, err := silhouette(dm, fit.Labels)
		if err != nil {
			return 0, nil, nil, err
		}
		sil = append(sil, s)
		fits = append(fits, fit)
		if s > bestS {
			best, bestS = k, s
		}
	}
	return best, sil, fits, nil
}
