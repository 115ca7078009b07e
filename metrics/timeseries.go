package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// RosensteinOptions configures Rosenstein.
type RosensteinOptions struct {
	// Dim and Lag define the delay embedding
	// y_i = (x_i, x_{i+Lag}, …, x_{i+(Dim−1)Lag}) (defaults 5 and 1).
	Dim, Lag int
	// Theiler excludes neighbours with |i−j| ≤ Theiler (Rosenstein et al.
	// use about one mean period). Default Dim·Lag.
	Theiler int
	// MaxSteps is the length of the divergence curve in samples (default 100).
	MaxSteps int
	// Dt is the sampling interval (default 1, giving per-sample exponents).
	Dt float64
	// FitStart and FitEnd are the fit region in time units (inclusive).
	// If both are zero the region is detected automatically (see Rosenstein).
	FitStart, FitEnd float64
}

// RosensteinResult is the result of Rosenstein.
type RosensteinResult struct {
	// Lambda is the fitted slope of the mean log divergence (per time unit)
	// and StdErr its regression standard error.
	Lambda, StdErr float64
	// Times and Divergence are the curve <ln d_j(k)> against k·Dt.
	Times, Divergence []float64
	// FitStart and FitEnd are the fit region actually used.
	FitStart, FitEnd float64
	// Pairs is the number of reference points that found a neighbour.
	Pairs int
}

// Rosenstein estimates the largest Lyapunov exponent of a scalar time series
// by the method of Rosenstein, Collins & De Luca (1993): delay-embed the
// series, pair every point with its nearest neighbour outside the Theiler
// window, follow both for k = 0…MaxSteps−1 samples and average
//
//	y(k) = <ln ‖y_{i+k} − y_{j(i)+k}‖>_i,
//
// then λ1 is the least-squares slope of y against k·Dt over the linear
// region. Nearest neighbours come from a search over the points sorted by
// their first coordinate, pruned by that coordinate's distance (exact).
//
// Automatic fit region (FitStart = FitEnd = 0): the local slope of y over
// windows of MaxSteps/20 samples is computed, and the region is the longest
// run of windows whose slopes agree within 30% of their mean, restricted to
// positive slopes and to the part of the curve below 90% of its rise to
// saturation; ties go to the earliest run.
func Rosenstein(x []float64, opts *RosensteinOptions) (RosensteinResult, error) {
	var o RosensteinOptions
	if opts != nil {
		o = *opts
	}
	if o.Dim == 0 {
		o.Dim = 5
	}
	if o.Lag == 0 {
		o.Lag = 1
	}
	if o.Theiler == 0 {
		o.Theiler = o.Dim * o.Lag
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = 100
	}
	if o.Dt == 0 {
		o.Dt = 1
	}
	if o.Dim < 1 || o.Lag < 1 || o.Theiler < 0 || o.MaxSteps < 2 || !(o.Dt > 0) {
		return RosensteinResult{}, fmt.Errorf("metrics: invalid Rosenstein options %+v", o)
	}
	if err := checkFinite(x); err != nil {
		return RosensteinResult{}, fmt.Errorf("metrics: Rosenstein: %w", err)
	}
	m, lag := o.Dim, o.Lag
	n := len(x) - (m-1)*lag
	usable := n - o.MaxSteps
	if usable < 2*o.Theiler+10 {
		return RosensteinResult{}, fmt.Errorf("metrics: series of %d samples too short for Dim=%d Lag=%d MaxSteps=%d Theiler=%d",
			len(x), m, lag, o.MaxSteps, o.Theiler)
	}
	if lo, hi := minOf(x), -minOf(negated(x)); lo == hi {
		return RosensteinResult{}, errors.New("metrics: Rosenstein: constant series")
	}
	emb := func(i, c int) float64 { return x[i+c*lag] }
	ord := make([]int, usable)
	for i := range ord {
		ord[i] = i
	}
	sort.Slice(ord, func(a, b int) bool { return x[ord[a]] < x[ord[b]] })
	pos := make([]int, usable)
	for r, i := range ord {
		pos[i] = r
	}
	nn := make([]int, usable)
	for i := 0; i < usable; i++ {
		best, bj := math.Inf(1), -1
		try := func(j int) {
			if j-i <= o.Theiler && i-j <= o.Theiler {
				return
			}
			s := 0.0
			for c := 0; c < m && s < best; c++ {
				e := emb(i, c) - emb(j, c)
				s += e * e
			}
			if s < best && s > 0 {
				best, bj = s, j
			}
		}
		for l, u := pos[i]-1, pos[i]+1; l >= 0 || u < usable; {
			if l >= 0 {
				if e := x[i] - x[ord[l]]; e*e < best {
					try(ord[l])
					l--
				} else {
					l = -1
				}
			}
			if u < usable {
				if e := x[ord[u]] - x[i]; e*e < best {
					try(ord[u])
					u++
				} else {
					u = usable
				}
			}
		}
		nn[i] = bj
	}
	res := RosensteinResult{Times: make([]float64, o.MaxSteps), Divergence: make([]float64, o.MaxSteps)}
	for i := 0; i < usable; i++ {
		if nn[i] >= 0 {
			res.Pairs++
		}
	}
	if res.Pairs == 0 {
		return res, errors.New("metrics: Rosenstein: no neighbour pairs")
	}
	for k := 0; k < o.MaxSteps; k++ {
		s, cnt := 0.0, 0
		for i := 0; i < usable; i++ {
			j := nn[i]
			if j < 0 {
				continue
			}
			d2 := 0.0
			for c := 0; c < m; c++ {
				e := emb(i+k, c) - emb(j+k, c)
				d2 += e * e
			}
			if d2 > 0 {
				s += 0.5 * math.Log(d2)
				cnt++
			}
		}
		res.Times[k] = float64(k) * o.Dt
		res.Divergence[k] = s / float64(cnt)
	}
	a, b := 0, 0
	if o.FitStart == 0 && o.FitEnd == 0 {
		var ok bool
		a, b, ok = rosensteinRegion(res.Divergence)
		if !ok {
			return res, errors.New("metrics: Rosenstein: no linear region found; give FitStart/FitEnd")
		}
	} else {
		a = int(math.Round(o.FitStart / o.Dt))
		b = int(math.Round(o.FitEnd / o.Dt))
		if a < 0 || b >= o.MaxSteps || b-a < 2 {
			return res, fmt.Errorf("metrics: Rosenstein fit region [%g, %g] outside the curve [0, %g] or too short",
				o.FitStart, o.FitEnd, float64(o.MaxSteps-1)*o.Dt)
		}
	}
	res.FitStart, res.FitEnd = res.Times[a], res.Times[b]
	res.Lambda, res.StdErr = linFit(res.Times[a:b+1], res.Divergence[a:b+1])
	return res, nil
}

// rosensteinRegion finds the linear region of a divergence curve (indices,
// inclusive); see Rosenstein.
func rosensteinRegion(y []float64) (a, b int, ok bool) {
	n := len(y)
	w := max(n/20, 1)
	lo, hi := y[0], y[0]
	for _, v := range y {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	limit := lo + 0.9*(hi-lo)
	var s []float64
	for i := 0; i+w < n && y[i+w] <= limit; i += w {
		s = append(s, (y[i+w]-y[i])/float64(w))
	}
	bestLen := 0
	for i := range s {
		mn, mx, sum := s[i], s[i], 0.0
		for j := i; j < len(s); j++ {
			mn, mx = math.Min(mn, s[j]), math.Max(mx, s[j])
			sum += s[j]
			mean := sum / float64(j-i+1)
			if !(mean > 0) || mx-mn > 0.3*mean {
				break
			}
			if l := j - i + 1; l >= 2 && l > bestLen {
				a, b, bestLen, ok = i*w, (j+1)*w, l, true
			}
		}
	}
	return a, b, ok
}

// PermutationEntropy returns the normalised permutation entropy of Bandt &
// Pompe (2002),
//
//	H = −Σ_π p(π) ln p(π) / ln(order!),
//
// over the ordinal patterns π of (x_i, x_{i+delay}, …, x_{i+(order−1)delay});
// ties are ranked by order of appearance. H ∈ [0, 1]: 0 for a monotone
// series, near 1 for white noise. order must be in [2, 10].
func PermutationEntropy(x []float64, order, delay int) (float64, error) {
	if order < 2 || order > 10 || delay < 1 {
		return math.NaN(), fmt.Errorf("metrics: permutation entropy needs 2 ≤ order ≤ 10 and delay ≥ 1 (got %d, %d)", order, delay)
	}
	if err := checkFinite(x); err != nil {
		return math.NaN(), fmt.Errorf("metrics: PermutationEntropy: %w", err)
	}
	n := len(x) - (order-1)*delay
	if n < 1 {
		return math.NaN(), fmt.Errorf("metrics: series of %d samples shorter than one pattern", len(x))
	}
	fact := 1
	for i := 2; i <= order; i++ {
		fact *= i
	}
	// Counts indexed by the Lehmer code, summed in code order: a map's random
	// iteration order would change the last bits of h from run to run.
	counts := make([]int, fact)
	for i := 0; i < n; i++ {
		// Lehmer code of the ranking: for each position, the number of later
		// elements that are smaller (ties: the earlier counts as smaller).
		code := 0
		for p := 0; p < order; p++ {
			c := 0
			vp := x[i+p*delay]
			for q := p + 1; q < order; q++ {
				if x[i+q*delay] < vp {
					c++
				}
			}
			code = code*(order-p) + c
		}
		counts[code]++
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			pr := float64(c) / float64(n)
			h -= pr * math.Log(pr)
		}
	}
	return h / math.Log(float64(fact)), nil
}

// SampleEntropy returns SampEn(m, r) = −ln(A/B) (Richman & Moorman 2000),
// where B counts pairs i < j of the first N−m templates of length m within
// Chebyshev distance r and A the pairs that still match at length m+1. It
// returns +Inf when A = 0 < B and NaN when B = 0 (undefined).
func SampleEntropy(x []float64, m int, r float64) (float64, error) {
	if m < 1 || !(r >= 0) {
		return math.NaN(), fmt.Errorf("metrics: sample entropy needs m ≥ 1 and r ≥ 0 (got %d, %g)", m, r)
	}
	if err := checkFinite(x); err != nil {
		return math.NaN(), fmt.Errorf("metrics: SampleEntropy: %w", err)
	}
	nt := len(x) - m
	if nt < 2 {
		return math.NaN(), nil
	}
	var a, b float64
	for i := 0; i < nt; i++ {
		for j := i + 1; j < nt; j++ {
			k := 0
			for k < m && math.Abs(x[i+k]-x[j+k]) <= r {
				k++
			}
			if k == m {
				b++
				if math.Abs(x[i+m]-x[j+m]) <= r {
					a++
				}
			}
		}
	}
	switch {
	case b == 0:
		return math.NaN(), nil
	case a == 0:
		return math.Inf(1), nil
	}
	return -math.Log(a / b), nil
}

// MultiscaleEntropy returns the multiscale entropy of Costa, Goldberger &
// Peng (2002): for each scale τ = 1…scales, the series is coarse-grained
// into non-overlapping means of τ samples, y_j = (1/τ) Σ_{i=(j−1)τ+1}^{jτ} x_i,
// and SampEn(m, r) of y is computed with the same tolerance
// r = rFrac·SD(x) of the original series (Costa et al.: m = 2, rFrac = 0.15).
func MultiscaleEntropy(x []float64, m int, rFrac float64, scales int) ([]float64, error) {
	if scales < 1 {
		return nil, fmt.Errorf("metrics: scales=%d must be positive", scales)
	}
	if err := checkFinite(x); err != nil {
		return nil, fmt.Errorf("metrics: MultiscaleEntropy: %w", err)
	}
	if len(x) == 0 {
		return nil, errors.New("metrics: empty series")
	}
	_, sd := meanStd(x)
	r := rFrac * sd
	out := make([]float64, scales)
	y := make([]float64, len(x))
	for tau := 1; tau <= scales; tau++ {
		ny := len(x) / tau
		y = y[:ny]
		for j := range y {
			s := 0.0
			for _, v := range x[j*tau : (j+1)*tau] {
				s += v
			}
			y[j] = s / float64(tau)
		}
		e, err := SampleEntropy(y, m, r)
		if err != nil {
			return nil, err
		}
		out[tau-1] = e
	}
	return out, nil
}

func negated(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}
