package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// CorrDimOptions configures CorrelationDimension. Zero values select the
// defaults.
type CorrDimOptions struct {
	// Theiler excludes pairs of points closer than or equal to Theiler
	// samples in time, |i−j| ≤ Theiler (Theiler 1986). Default 0.
	Theiler int
	// RMin and RMax bound the log-spaced radii. Defaults: RMax = a quarter
	// of the RMS radius of the cloud, sqrt(Σ_i var x_i)/4; RMin = RMax/1000.
	RMin, RMax float64
	// PerDecade is the number of radii per decade (default 8).
	PerDecade int
	// MinPairs is the smallest pair count for a radius to be used (default
	// 1000), which keeps the noisy small-r end out of the fit.
	MinPairs int
	// Fit fixes the scaling region [Fit[0], Fit[1]] instead of detecting it.
	Fit [2]float64
	// RelTol is the flatness tolerance of the automatic scaling region:
	// max − min of the local slopes in the window ≤ RelTol·|mean| (default
	// 0.05).
	RelTol float64
	// MinDecades is the smallest width of the scaling region (default 0.5).
	MinDecades float64
}

// CorrDim is the result of CorrelationDimension.
type CorrDim struct {
	// D2 is the least-squares slope of ln C(r) against ln r over the scaling
	// region [RLo, RHi].
	D2 float64
	// Err is the uncertainty of D2: the standard deviation of the local
	// slopes in the scaling region, or the regression standard error if
	// larger.
	Err      float64
	RLo, RHi float64
	// Radii, C and Slopes are the correlation sum C(r) at every usable
	// radius and the local slopes between neighbouring radii.
	Radii, C, Slopes []float64
	// Pairs is the number of admissible pairs (the normalisation of C).
	Pairs float64
}

// CorrelationDimension estimates the correlation dimension D2 of a point
// cloud (rows = points, in time order) by the Grassberger–Procaccia
// algorithm (Grassberger & Procaccia 1983):
//
//	C(r) = #{i<j, j−i > w : ‖x_i − x_j‖ < r} / #{i<j, j−i > w},
//	D2   = d ln C / d ln r over the scaling region,
//
// with Euclidean distances and Theiler window w. Pairs closer than RMax are
// found with a uniform grid of cell size RMax over the first three
// coordinates, so 30,000 points of a three-dimensional attractor take well
// under a second. A cloud of identical points has D2 = 0. Unless Fit is given, the scaling region is detected
// automatically as the widest window of radii (at least MinDecades wide) in
// which the local slopes are flat within RelTol; ties go to the flattest.
func CorrelationDimension(x *mat.Dense, opts *CorrDimOptions) (CorrDim, error) {
	var o CorrDimOptions
	if opts != nil {
		o = *opts
	}
	if x == nil {
		return CorrDim{}, errors.New("metrics: nil points")
	}
	n, d := x.Dims()
	if o.PerDecade == 0 {
		o.PerDecade = 8
	}
	if o.MinPairs == 0 {
		o.MinPairs = 1000
	}
	if o.RelTol == 0 {
		o.RelTol = 0.05
	}
	if o.MinDecades == 0 {
		o.MinDecades = 0.5
	}
	if o.Theiler < 0 || o.PerDecade < 1 || o.MinPairs < 1 {
		return CorrDim{}, errors.New("metrics: invalid correlation-dimension options")
	}
	if n-o.Theiler < 10 {
		return CorrDim{}, fmt.Errorf("metrics: %d points too few for Theiler window %d", n, o.Theiler)
	}
	pts := make([]float64, n*d)
	for i := 0; i < n; i++ {
		row := x.RawRowView(i)
		if err := checkFinite(row); err != nil {
			return CorrDim{}, fmt.Errorf("metrics: point %d: %w", i, err)
		}
		copy(pts[i*d:], row)
	}
	identical := true
	for i := d; i < n*d && identical; i++ {
		identical = pts[i] == pts[i%d]
	}
	if identical {
		// A single point (e.g. a forecast collapsed to a fixed point).
		return CorrDim{D2: 0, Err: 0}, nil
	}
	if o.RMax == 0 {
		v := 0.0
		for j := 0; j < d; j++ {
			m, s := 0.0, 0.0
			for i := 0; i < n; i++ {
				m += pts[i*d+j]
			}
			m /= float64(n)
			for i := 0; i < n; i++ {
				s += (pts[i*d+j] - m) * (pts[i*d+j] - m)
			}
			v += s / float64(n)
		}
		o.RMax = math.Sqrt(v) / 4
	}
	if o.RMin == 0 {
		o.RMin = o.RMax / 1000
	}
	if !(o.RMax > o.RMin) || !(o.RMin > 0) {
		return CorrDim{}, fmt.Errorf("metrics: radii [%g, %g] invalid (constant data?)", o.RMin, o.RMax)
	}
	// Radii r_m = RMin·10^(m/PerDecade), m = 0..M, the last ≥ RMax.
	lr0 := math.Log(o.RMin)
	dl := math.Ln10 / float64(o.PerDecade)
	nr := int(math.Ceil((math.Log(o.RMax)-lr0)/dl-1e-9)) + 1
	radii := make([]float64, nr)
	for m := range radii {
		radii[m] = math.Exp(lr0 + float64(m)*dl)
	}
	hist := pairHistogram(pts, n, d, o.Theiler, radii)
	// counts[m] = pairs with distance < radii[m] = Σ_{b<m} hist[b], where
	// bin b collects [r_{b-1}, r_b) and bin 0 everything below RMin.
	nw := float64(n - o.Theiler)
	total := nw * (nw - 1) / 2
	res := CorrDim{Pairs: total}
	var lr, lc []float64
	cum := 0.0
	for m := 0; m < nr; m++ {
		cum += hist[m]
		if cum >= float64(o.MinPairs) {
			res.Radii = append(res.Radii, radii[m])
			res.C = append(res.C, cum/total)
			lr = append(lr, math.Log(radii[m]))
			lc = append(lc, math.Log(cum/total))
		}
	}
	if len(lr) < 3 {
		return res, fmt.Errorf("metrics: only %d radii with ≥ %d pairs; too few points or RMax too small", len(lr), o.MinPairs)
	}
	res.Slopes = make([]float64, len(lr)-1)
	for i := range res.Slopes {
		res.Slopes[i] = (lc[i+1] - lc[i]) / (lr[i+1] - lr[i])
	}
	var a, b int // scaling region: radii indices a..b inclusive
	if o.Fit[1] > o.Fit[0] && o.Fit[0] > 0 {
		a, b = -1, -1
		for i, r := range res.Radii {
			if r >= o.Fit[0]*(1-1e-12) && a < 0 {
				a = i
			}
			if r <= o.Fit[1]*(1+1e-12) {
				b = i
			}
		}
		if a < 0 || b-a < 1 {
			return res, fmt.Errorf("metrics: fit range [%g, %g] holds fewer than 2 usable radii", o.Fit[0], o.Fit[1])
		}
	} else {
		minSlopes := max(int(math.Ceil(o.MinDecades*float64(o.PerDecade))), 2)
		var ok bool
		a, b, ok = flatWindow(res.Slopes, minSlopes, o.RelTol)
		if !ok {
			return res, fmt.Errorf("metrics: no scaling region of %g decades with slopes flat within %g", o.MinDecades, o.RelTol)
		}
		b++ // slopes a..b-1 join radii a..b
	}
	res.RLo, res.RHi = res.Radii[a], res.Radii[b]
	slope, se := linFit(lr[a:b+1], lc[a:b+1])
	res.D2 = slope
	_, sd := meanStd(res.Slopes[a:b])
	res.Err = math.Max(sd, se)
	return res, nil
}

// flatWindow returns the longest run s[a..b] (at least minLen long) with
// max − min ≤ relTol·|mean|; among equally long runs the flattest wins.
func flatWindow(s []float64, minLen int, relTol float64) (a, b int, ok bool) {
	bestLen, bestSpread := 0, math.Inf(1)
	for i := range s {
		lo, hi, sum := s[i], s[i], 0.0
		for j := i; j < len(s); j++ {
			lo, hi = math.Min(lo, s[j]), math.Max(hi, s[j])
			sum += s[j]
			mean := sum / float64(j-i+1)
			spread := hi - lo
			if math.IsNaN(spread) || spread > relTol*math.Abs(mean) {
				break
			}
			l := j - i + 1
			if l >= minLen && (l > bestLen || (l == bestLen && spread < bestSpread)) {
				a, b, bestLen, bestSpread, ok = i, j, l, spread, true
			}
		}
	}
	return a, b, ok
}

// linFit returns the least-squares slope of y on x and its standard error.
func linFit(x, y []float64) (slope, se float64) {
	n := float64(len(x))
	mx, _ := meanStd(x)
	my, _ := meanStd(y)
	var sxx, sxy float64
	for i := range x {
		sxx += (x[i] - mx) * (x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	slope = sxy / sxx
	if len(x) < 3 {
		return slope, 0
	}
	rss := 0.0
	for i := range x {
		r := y[i] - my - slope*(x[i]-mx)
		rss += r * r
	}
	return slope, math.Sqrt(rss / (n - 2) / sxx)
}

// pairHistogram bins the distances of all admissible pairs closer than the
// last radius: bin 0 holds d < r_0, bin m (m ≥ 1) holds r_{m−1} ≤ d < r_m.
func pairHistogram(pts []float64, n, d, theiler int, radii []float64) []float64 {
	nr := len(radii)
	rmax := radii[nr-1]
	r2 := make([]float64, nr)
	for m, r := range radii {
		r2[m] = r * r
	}
	g := min(d, 3)
	type key [3]int32
	cells := make(map[key][]int32)
	kOf := func(i int) key {
		var k key
		for c := 0; c < g; c++ {
			k[c] = int32(math.Floor(pts[i*d+c] / rmax))
		}
		return k
	}
	for i := 0; i < n; i++ {
		k := kOf(i)
		cells[k] = append(cells[k], int32(i))
	}
	// Deterministic iteration order.
	keys := make([]key, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		for c := range a {
			if a[c] != b[c] {
				return a[c] < b[c]
			}
		}
		return false
	})
	// Half of the neighbour offsets (lexicographically positive) plus self.
	var offs []key
	rng := [3]int32{0, 0, 0}
	for c := 0; c < g; c++ {
		rng[c] = 1
	}
	for dx := -rng[0]; dx <= rng[0]; dx++ {
		for dy := -rng[1]; dy <= rng[1]; dy++ {
			for dz := -rng[2]; dz <= rng[2]; dz++ {
				o := key{dx, dy, dz}
				if o[0] > 0 || (o[0] == 0 && (o[1] > 0 || (o[1] == 0 && o[2] > 0))) {
					offs = append(offs, o)
				}
			}
		}
	}
	hist := make([]float64, nr)
	counts := make([]int64, nr)
	r2max := rmax * rmax
	count := func(i, j int32) {
		if int(i-j) <= theiler && int(j-i) <= theiler {
			return
		}
		pi, pj := pts[int(i)*d:int(i)*d+d], pts[int(j)*d:int(j)*d+d]
		s := 0.0
		for c := range pi {
			e := pi[c] - pj[c]
			s += e * e
		}
		if s >= r2max {
			return
		}
		// Smallest m with s < r_m², by bisection (d < r_m ⇔ bin ≤ m).
		lo, hi := 0, nr-1
		for lo < hi {
			mid := (lo + hi) / 2
			if s < r2[mid] {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		b := lo
		counts[b]++
	}
	for _, k := range keys {
		own := cells[k]
		for x := 0; x < len(own); x++ {
			for y := x + 1; y < len(own); y++ {
				count(own[x], own[y])
			}
		}
		for _, o := range offs {
			nb, ok := cells[key{k[0] + o[0], k[1] + o[1], k[2] + o[2]}]
			if !ok {
				continue
			}
			for _, i := range own {
				for _, j := range nb {
					count(i, j)
				}
			}
		}
	}
	for i, c := range counts {
		hist[i] = float64(c)
	}
	return hist
}
