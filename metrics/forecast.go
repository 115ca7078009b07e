package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// MetricOptions tunes the forecast metrics. The zero value reproduces the
// dysts defaults (dysts/metrics.py) except where the brief says otherwise:
// sMAPE is on the 0–200 scale used by the Gilpin 2023 benchmark.
type MetricOptions struct {
	// SMAPEPercent puts sMAPE on the 0–100 scale (dysts ≥ 2025 with
	// scaled=True) instead of the default 0–200 scale.
	SMAPEPercent bool
	// Eps regularises denominators as in dysts (default 1e-10).
	Eps float64
	// Season is the MASE season length m (default 1).
	Season int
	// Train is the series whose seasonal naive error scales MASE (rows =
	// time); nil uses the truth, as dysts does when y_train is None.
	Train *mat.Dense
	// KLSamples is the number of Monte-Carlo samples of kl_divergence
	// (default 1000) and KLVariance the variance σ² of every Gaussian kernel
	// (default 1, dysts sigma_scale=1.0). KLSeed seeds the sampler, so the
	// estimate is deterministic.
	KLSamples  int
	KLVariance float64
	KLSeed     uint64
	// HellingerBins is the number of leading FFT bins compared by
	// hellinger_distance (default 100).
	HellingerBins int
	// MINeighbors is k of the Kraskov estimator of mutual_information
	// (default 3, as scikit-learn).
	MINeighbors int
}

func (o *MetricOptions) withDefaults() MetricOptions {
	var p MetricOptions
	if o != nil {
		p = *o
	}
	if p.Eps == 0 {
		p.Eps = 1e-10
	}
	if p.Season == 0 {
		p.Season = 1
	}
	if p.KLSamples == 0 {
		p.KLSamples = 1000
	}
	if p.KLVariance == 0 {
		p.KLVariance = 1
	}
	if p.HellingerBins == 0 {
		p.HellingerBins = 100
	}
	if p.MINeighbors == 0 {
		p.MINeighbors = 3
	}
	return p
}

// series holds a T×D matrix column by column.
type series struct {
	t, d int
	col  [][]float64
}

func newSeries(m *mat.Dense) (series, error) {
	if m == nil {
		return series{}, errors.New("metrics: nil matrix")
	}
	r, c := m.Dims()
	s := series{t: r, d: c, col: make([][]float64, c)}
	for j := 0; j < c; j++ {
		s.col[j] = make([]float64, r)
		mat.Col(s.col[j], j, m)
		if err := checkFinite(s.col[j]); err != nil {
			return series{}, fmt.Errorf("column %d: %w", j, err)
		}
	}
	return s, nil
}

type metricFunc func(y, p series, o *MetricOptions) (float64, error)

// forecastMetrics is the registry, in dysts' compute_metrics order plus mase
// and ope.
var forecastMetrics = []struct {
	name string
	fn   metricFunc
}{
	{"mse", mseM},
	{"mae", maeM},
	{"rmse", rmseM},
	{"nrmse", nrmseM},
	{"marre", marreM},
	{"r2_score", r2M},
	{"rmsle", rmsleM},
	{"smape", smapeM},
	{"mape", mapeM},
	{"wape", wapeM},
	{"spearman", perDim(spearman)},
	{"pearson", perDim(pearson)},
	{"kendall", perDim(kendallTauB)},
	{"coefficient_of_variation", cvM},
	{"mutual_information", miM},
	{"kl_divergence", klM},
	{"hellinger_distance", hellingerM},
	{"mase", maseM},
	{"ope", opeM},
}

// ForecastMetricNames returns the names accepted by Compute, in a fixed order
// (dysts compute_metrics order, then mase and ope).
func ForecastMetricNames() []string {
	out := make([]string, len(forecastMetrics))
	for i, m := range forecastMetrics {
		out[i] = m.name
	}
	return out
}

// Compute evaluates the named forecast metric with default options on a
// truth and a prediction of equal shape (rows = time, columns = variables).
// Non-finite inputs, shape mismatches, empty inputs and unknown names are
// errors; degenerate denominators give NaN (see the doc of each metric in
// the package documentation).
func Compute(name string, truth, pred *mat.Dense) (float64, error) {
	return ComputeWith(name, truth, pred, nil)
}

// ComputeWith is Compute with options.
func ComputeWith(name string, truth, pred *mat.Dense, opts *MetricOptions) (float64, error) {
	var fn metricFunc
	for _, m := range forecastMetrics {
		if m.name == name {
			fn = m.fn
		}
	}
	if fn == nil {
		return math.NaN(), fmt.Errorf("metrics: unknown forecast metric %q (have %v)", name, ForecastMetricNames())
	}
	y, p, err := pair(truth, pred)
	if err != nil {
		return math.NaN(), fmt.Errorf("metrics: %s: %w", name, err)
	}
	o := opts.withDefaults()
	v, err := fn(y, p, &o)
	if err != nil {
		return math.NaN(), fmt.Errorf("metrics: %s: %w", name, err)
	}
	return v, nil
}

// ComputeAll evaluates every registered metric; the first error stops it.
func ComputeAll(truth, pred *mat.Dense, opts *MetricOptions) (map[string]float64, error) {
	y, p, err := pair(truth, pred)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	o := opts.withDefaults()
	out := make(map[string]float64, len(forecastMetrics))
	for _, m := range forecastMetrics {
		v, err := m.fn(y, p, &o)
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: %w", m.name, err)
		}
		out[m.name] = v
	}
	return out, nil
}

func pair(truth, pred *mat.Dense) (series, series, error) {
	y, err := newSeries(truth)
	if err != nil {
		return y, y, fmt.Errorf("truth: %w", err)
	}
	p, err := newSeries(pred)
	if err != nil {
		return y, p, fmt.Errorf("prediction: %w", err)
	}
	if y.t != p.t || y.d != p.d {
		return y, p, fmt.Errorf("shape mismatch: truth %d×%d, prediction %d×%d", y.t, y.d, p.t, p.d)
	}
	if y.t == 0 || y.d == 0 {
		return y, p, errors.New("empty input")
	}
	return y, p, nil
}

// sumAll returns Σ_{t,i} fn(y, p) and the number of elements.
func sumAll(y, p series, fn func(a, b float64) float64) (float64, float64) {
	s := 0.0
	for j := 0; j < y.d; j++ {
		yc, pc := y.col[j], p.col[j]
		for i := range yc {
			s += fn(yc[i], pc[i])
		}
	}
	return s, float64(y.t * y.d)
}

func meanAll(y, p series, fn func(a, b float64) float64) float64 {
	s, n := sumAll(y, p, fn)
	return s / n
}

func sqErr(a, b float64) float64  { return (a - b) * (a - b) }
func absErr(a, b float64) float64 { return math.Abs(a - b) }

// mse = mean (y-ŷ)².
func mseM(y, p series, _ *MetricOptions) (float64, error) { return meanAll(y, p, sqErr), nil }

// mae = mean |y-ŷ|.
func maeM(y, p series, _ *MetricOptions) (float64, error) { return meanAll(y, p, absErr), nil }

// rmse = sqrt(mse).
func rmseM(y, p series, _ *MetricOptions) (float64, error) {
	return math.Sqrt(meanAll(y, p, sqErr)), nil
}

// nrmse = sqrt(mean_{t,i} (y-ŷ)² / (σ_i² + eps)), σ_i the population std of
// truth column i.
func nrmseM(y, p series, o *MetricOptions) (float64, error) {
	s := 0.0
	for j := 0; j < y.d; j++ {
		_, sd := meanStd(y.col[j])
		v := sd*sd + o.Eps
		for i, a := range y.col[j] {
			s += sqErr(a, p.col[j][i]) / v
		}
	}
	return math.Sqrt(s / float64(y.t*y.d)), nil
}

// marre = 100 mean |y-ŷ| / (max y − min y + eps), extremes over all elements.
func marreM(y, p series, o *MetricOptions) (float64, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range y.col {
		for _, v := range c {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return 100 * meanAll(y, p, absErr) / (hi - lo + o.Eps), nil
}

// r2 = 1 − Σ(y−ŷ)² / Σ(y−ȳ)², ȳ the mean over all elements; NaN for a
// constant truth.
func r2M(y, p series, _ *MetricOptions) (float64, error) {
	m := grandMean(y)
	ss, _ := sumAll(y, p, sqErr)
	st, _ := sumAll(y, y, func(a, _ float64) float64 { return (a - m) * (a - m) })
	if st == 0 {
		return math.NaN(), nil
	}
	return 1 - ss/st, nil
}

// rmsle = sqrt(mean (ln(1+ŷ') − ln(1+y'))²) with each column shifted to
// y' = y − min_t y + eps (dysts: "in case of negative values, the series is
// shifted to the positive domain").
func rmsleM(y, p series, o *MetricOptions) (float64, error) {
	s := 0.0
	for j := 0; j < y.d; j++ {
		my, mp := minOf(y.col[j]), minOf(p.col[j])
		for i, a := range y.col[j] {
			d := math.Log1p(p.col[j][i]-mp+o.Eps) - math.Log1p(a-my+o.Eps)
			s += d * d
		}
	}
	return math.Sqrt(s / float64(y.t*y.d)), nil
}

// smape = 200 mean |y−ŷ| / (|y| + |ŷ| + eps) (0–200 scale), or half of that
// with SMAPEPercent. Zero over zero counts as 0.
func smapeM(y, p series, o *MetricOptions) (float64, error) {
	scale := 200.0
	if o.SMAPEPercent {
		scale = 100
	}
	return scale * meanAll(y, p, func(a, b float64) float64 {
		return math.Abs(a-b) / (math.Abs(a) + math.Abs(b) + o.Eps)
	}), nil
}

// mape = 100 mean |(y−ŷ)/(y + eps)| (dysts: eps is added to y itself, so a
// zero truth gives a huge but finite value).
func mapeM(y, p series, o *MetricOptions) (float64, error) {
	return 100 * meanAll(y, p, func(a, b float64) float64 { return math.Abs((a - b) / (a + o.Eps)) }), nil
}

// wape = 100 Σ|y−ŷ| / (Σ|y| + eps).
func wapeM(y, p series, o *MetricOptions) (float64, error) {
	num, _ := sumAll(y, p, absErr)
	den, _ := sumAll(y, y, func(a, _ float64) float64 { return math.Abs(a) })
	return 100 * num / (den + o.Eps), nil
}

// coefficient_of_variation = 100 std(y−ŷ) / (mean(y) + eps), population std
// and mean over all elements.
func cvM(y, p series, o *MetricOptions) (float64, error) {
	n := float64(y.t * y.d)
	me, _ := sumAll(y, p, func(a, b float64) float64 { return a - b })
	me /= n
	ve, _ := sumAll(y, p, func(a, b float64) float64 { return (a - b - me) * (a - b - me) })
	return 100 * math.Sqrt(ve/n) / (grandMean(y) + o.Eps), nil
}

// mase = mean|y−ŷ| / (mean_t |s_{t+m} − s_t| + eps), s = Train (default the
// truth), differences along time within each column.
func maseM(y, p series, o *MetricOptions) (float64, error) {
	s := y
	if o.Train != nil {
		var err error
		if s, err = newSeries(o.Train); err != nil {
			return math.NaN(), fmt.Errorf("training series: %w", err)
		}
		if s.d != y.d {
			return math.NaN(), fmt.Errorf("training series has %d columns, truth %d", s.d, y.d)
		}
	}
	m := o.Season
	if m < 1 || m >= s.t {
		return math.NaN(), fmt.Errorf("season %d outside [1, %d)", m, s.t)
	}
	se, n := 0.0, 0
	for _, c := range s.col {
		for i := m; i < len(c); i++ {
			se += math.Abs(c[i] - c[i-m])
			n++
		}
	}
	return meanAll(y, p, absErr) / (se/float64(n) + o.Eps), nil
}

// ope = Σ|y−ŷ| / Σ|y−ȳ| (ȳ over all elements); NaN for a constant truth.
func opeM(y, p series, _ *MetricOptions) (float64, error) {
	m := grandMean(y)
	num, _ := sumAll(y, p, absErr)
	den, _ := sumAll(y, y, func(a, _ float64) float64 { return math.Abs(a - m) })
	if den == 0 {
		return math.NaN(), nil
	}
	return num / den, nil
}

// perDim averages a per-column statistic over columns.
func perDim(fn func(a, b []float64) float64) metricFunc {
	return func(y, p series, _ *MetricOptions) (float64, error) {
		s := 0.0
		for j := 0; j < y.d; j++ {
			s += fn(y.col[j], p.col[j])
		}
		return s / float64(y.d), nil
	}
}

// pearson is the sample correlation coefficient; NaN if either is constant.
// (dysts' pearson returns Spearman for one-dimensional input, a bug we do
// not copy.)
func pearson(a, b []float64) float64 {
	ma, _ := meanStd(a)
	mb, _ := meanStd(b)
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	r := sab / math.Sqrt(saa*sbb)
	return math.Max(-1, math.Min(1, r))
}

// spearman is the Pearson correlation of the ranks (ties get average ranks),
// as scipy.stats.spearmanr.
func spearman(a, b []float64) float64 { return pearson(ranks(a), ranks(b)) }

// ranks returns 1-based ranks with ties averaged.
func ranks(a []float64) []float64 {
	idx := make([]int, len(a))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a[idx[i]] < a[idx[j]] })
	r := make([]float64, len(a))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && a[idx[j+1]] == a[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// kendallTauB is Kendall's τ_b (scipy.stats.kendalltau default):
// (n_c − n_d) / sqrt((n_0 − n_1)(n_0 − n_2)) with n_1, n_2 the pairs tied in
// a and in b. NaN if either series is constant. Knight's (1966) algorithm,
// O(n log n): sort by (a, b), count the ties, and count the discordant
// pairs as the inversions of b in that order by a merge sort. Every count is
// an exact integer, so the result has the same bits as counting the n²/2
// pairs one by one (kendallTauBPairs, which still serves non-finite input,
// whose comparisons do not order).
func kendallTauB(a, b []float64) float64 {
	n := len(a)
	if n < 2 {
		return math.NaN()
	}
	for i := range n {
		if math.IsNaN(a[i]) || math.IsInf(a[i], 0) || math.IsNaN(b[i]) || math.IsInf(b[i], 0) {
			return kendallTauBPairs(a, b)
		}
	}
	ord := make([]int, n)
	for i := range ord {
		ord[i] = i
	}
	sort.Slice(ord, func(i, j int) bool {
		x, y := ord[i], ord[j]
		if a[x] != a[y] {
			return a[x] < a[y]
		}
		return b[x] < b[y]
	})
	// Ties in a (t1) and in both (t12), over runs of the sorted order.
	var t1, t12 int64
	for i := 0; i < n; {
		j := i + 1
		for j < n && a[ord[j]] == a[ord[i]] {
			j++
		}
		t1 += int64(j-i) * int64(j-i-1) / 2
		for k := i; k < j; {
			l := k + 1
			for l < j && b[ord[l]] == b[ord[k]] {
				l++
			}
			t12 += int64(l-k) * int64(l-k-1) / 2
			k = l
		}
		i = j
	}
	bs := make([]float64, n)
	for r, i := range ord {
		bs[r] = b[i]
	}
	nd := countInversions(bs, make([]float64, n))
	// bs is sorted now: ties in b (t2).
	var t2 int64
	for i := 0; i < n; {
		j := i + 1
		for j < n && bs[j] == bs[i] {
			j++
		}
		t2 += int64(j-i) * int64(j-i-1) / 2
		i = j
	}
	n0 := float64(n) * float64(n-1) / 2
	// n_0 = n_c + n_d + t1 + t2 − t12.
	ncMinusNd := int64(n)*int64(n-1)/2 - t1 - t2 + t12 - 2*nd
	den := math.Sqrt((n0 - float64(t1)) * (n0 - float64(t2)))
	if den == 0 {
		return math.NaN()
	}
	return float64(ncMinusNd) / den
}

// countInversions sorts s ascending (stable bottom-up merge sort, buf as
// scratch of the same length) and returns the number of pairs i < j with
// s[i] > s[j] strictly.
func countInversions(s, buf []float64) int64 {
	var inv int64
	n := len(s)
	src, dst := s, buf
	for width := 1; width < n; width *= 2 {
		for lo := 0; lo < n; lo += 2 * width {
			mid, hi := min(lo+width, n), min(lo+2*width, n)
			i, j, k := lo, mid, lo
			for i < mid && j < hi {
				if src[j] < src[i] {
					inv += int64(mid - i)
					dst[k] = src[j]
					j++
				} else {
					dst[k] = src[i]
					i++
				}
				k++
			}
			k += copy(dst[k:], src[i:mid])
			copy(dst[k:], src[j:hi])
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
	return inv
}

// kendallTauBPairs is kendallTauB by counting every pair, O(n²).
func kendallTauBPairs(a, b []float64) float64 {
	var nc, nd, t1, t2 float64
	n := len(a)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			da, db := a[j]-a[i], b[j]-b[i]
			switch {
			case da == 0 && db == 0:
				t1++
				t2++
			case da == 0:
				t1++
			case db == 0:
				t2++
			case (da > 0) == (db > 0):
				nc++
			default:
				nd++
			}
		}
	}
	n0 := float64(n) * float64(n-1) / 2
	den := math.Sqrt((n0 - t1) * (n0 - t2))
	if den == 0 {
		return math.NaN()
	}
	return (nc - nd) / den
}

// miM is the mean over columns of the Kraskov–Stögbauer–Grassberger (2004,
// estimator 1) mutual information between truth and prediction, in nats,
// as scikit-learn's mutual_info_regression (both variables scaled to unit
// population std, max-norm, k neighbours, result clipped at 0) but without
// its random 1e-10 jitter, so it is deterministic.
func miM(y, p series, o *MetricOptions) (float64, error) {
	s := 0.0
	for j := 0; j < y.d; j++ {
		s += ksgMI(y.col[j], p.col[j], o.MINeighbors)
	}
	return s / float64(y.d), nil
}

func ksgMI(a, b []float64, k int) float64 {
	n := len(a)
	if n <= k {
		return math.NaN()
	}
	x, z := scaled(a), scaled(b)
	// Sort points by x for the neighbour sweep.
	ord := make([]int, n)
	for i := range ord {
		ord[i] = i
	}
	sort.Slice(ord, func(i, j int) bool { return x[ord[i]] < x[ord[j]] })
	xs := make([]float64, n)
	zs := make([]float64, n)
	for r, i := range ord {
		xs[r], zs[r] = x[i], z[i]
	}
	zsorted := append([]float64(nil), zs...)
	sort.Float64s(zsorted)
	best := make([]float64, k)
	var sum float64
	for r := 0; r < n; r++ {
		for q := range best {
			best[q] = math.Inf(1)
		}
		insert := func(dist float64) {
			if dist >= best[k-1] {
				return
			}
			q := k - 1
			for q > 0 && best[q-1] > dist {
				best[q] = best[q-1]
				q--
			}
			best[q] = dist
		}
		for l, u := r-1, r+1; l >= 0 || u < n; {
			progressed := false
			if l >= 0 {
				dx := xs[r] - xs[l]
				if dx < best[k-1] {
					insert(math.Max(dx, math.Abs(zs[r]-zs[l])))
					l--
					progressed = true
				} else {
					l = -1
				}
			}
			if u < n {
				dx := xs[u] - xs[r]
				if dx < best[k-1] {
					insert(math.Max(dx, math.Abs(zs[r]-zs[u])))
					u++
					progressed = true
				} else {
					u = n
				}
			}
			if !progressed && l < 0 && u >= n {
				break
			}
		}
		eps := best[k-1]
		nx := countOpen(xs, xs[r], eps) - 1
		nz := countOpen(zsorted, zs[r], eps) - 1
		sum += mathext.Digamma(float64(nx+1)) + mathext.Digamma(float64(nz+1))
	}
	mi := mathext.Digamma(float64(n)) + mathext.Digamma(float64(k)) - sum/float64(n)
	return math.Max(0, mi)
}

// countOpen counts v in the sorted slice with c−eps < v < c+eps.
func countOpen(sorted []float64, c, eps float64) int {
	lo := sort.Search(len(sorted), func(i int) bool { return sorted[i] > c-eps })
	hi := sort.Search(len(sorted), func(i int) bool { return sorted[i] >= c+eps })
	return hi - lo
}

func scaled(a []float64) []float64 {
	_, sd := meanStd(a)
	out := append([]float64(nil), a...)
	if sd > 0 {
		for i := range out {
			out[i] /= sd
		}
	}
	return out
}

// klM is the Gaussian-mixture estimate of KL(p‖q) of Hess et al. (2023), as
// dysts estimate_kl_divergence with sigma_scale=1: p̂ and q̂ are uniform
// mixtures of isotropic Gaussians N(x_t, σ² I) centred on the truth and
// prediction points; KL ≈ mean_s ln p̂(s)/q̂(s) over KLSamples samples
// s ~ p̂ drawn with a seeded PCG generator. Densities are evaluated with
// log-sum-exp, so far-apart orbits give large finite values instead of the
// Inf/NaN of a direct evaluation.
func klM(y, p series, o *MetricOptions) (float64, error) {
	if !(o.KLVariance > 0) {
		return math.NaN(), fmt.Errorf("KL variance %g must be positive", o.KLVariance)
	}
	rng := rand.New(rand.NewPCG(o.KLSeed, 0x6b6c))
	sd := math.Sqrt(o.KLVariance)
	s := make([]float64, y.d)
	buf := make([]float64, max(y.t, p.t))
	yp, pp := y.rows(), p.rows()
	acc := 0.0
	for n := 0; n < o.KLSamples; n++ {
		c := rng.IntN(y.t)
		for j := range s {
			s[j] = y.col[j][c] + sd*rng.NormFloat64()
		}
		acc += logMixture(s, yp, o.KLVariance, buf) - logMixture(s, pp, o.KLVariance, buf)
	}
	return acc / float64(o.KLSamples), nil
}

// rows returns the points of x row by row (t×d, row-major), the layout
// logMixture reads a thousand times per estimate.
func (x series) rows() []float64 {
	out := make([]float64, x.t*x.d)
	for j, c := range x.col {
		for t, v := range c {
			out[t*x.d+j] = v
		}
	}
	return out
}

// logMixture returns ln( (1/T) Σ_t N(s; x_t, v I) ) for the T = len(x)/d
// points of x (row-major), using buf (length T) for the exponents so that
// each is computed once. Terms whose exponent lies more than 746 below the
// largest are exactly 0 in float64 (math.Exp underflows below −745.13) and
// are skipped: for an orbit many kernel widths across, most of them.
func logMixture(s, x []float64, v float64, buf []float64) float64 {
	d := len(s)
	T := len(x) / d
	// Two passes: max exponent, then sum.
	mx := math.Inf(-1)
	for t := 0; t < T; t++ {
		pt := x[t*d : (t+1)*d : (t+1)*d]
		d2 := 0.0
		for j, sj := range s {
			r := sj - pt[j]
			d2 += r * r
		}
		e := -d2 / (2 * v)
		buf[t] = e
		if e > mx {
			mx = e
		} else if e != e {
			return math.NaN()
		}
	}
	sum := 0.0
	for _, e := range buf[:T] {
		if e-mx >= -746 || e-mx != e-mx {
			sum += math.Exp(e - mx)
		}
	}
	return mx + math.Log(sum/float64(T)) - 0.5*float64(d)*math.Log(2*math.Pi*v)
}

// hellingerM averages over columns the Hellinger distance between the
// normalised power spectra of truth and prediction (Mikhaeil et al. 2022;
// dysts average_hellinger_distance): P_k = |FFT(x)_k|², k < HellingerBins
// (of the full, two-sided DFT, no mean removal or window), p = P/ΣP, and
// H = sqrt(1 − Σ_k sqrt(p_k q_k)) (clipped at 0). NaN if a spectrum is zero.
func hellingerM(y, p series, o *MetricOptions) (float64, error) {
	fft := fourier.NewFFT(y.t)
	s := 0.0
	for j := 0; j < y.d; j++ {
		a := powerBins(fft, y.col[j], o.HellingerBins)
		b := powerBins(fft, p.col[j], o.HellingerBins)
		s += hellinger(a, b)
	}
	return s / float64(y.d), nil
}

// powerBins returns the normalised power of the first nb bins of the
// two-sided DFT of x (bins past n/2 mirror the real-input spectrum).
func powerBins(fft *fourier.FFT, x []float64, nb int) []float64 {
	n := len(x)
	coef := fft.Coefficients(nil, x)
	nb = min(nb, n)
	out := make([]float64, nb)
	tot := 0.0
	for k := range out {
		kk := k
		if kk > n/2 {
			kk = n - kk
		}
		c := coef[kk]
		out[k] = real(c)*real(c) + imag(c)*imag(c)
		tot += out[k]
	}
	for k := range out {
		out[k] /= tot
	}
	return out
}

func hellinger(p, q []float64) float64 {
	bc := 0.0
	for i := range p {
		bc += math.Sqrt(p[i] * q[i])
	}
	if math.IsNaN(bc) {
		return math.NaN()
	}
	return math.Sqrt(math.Max(0, 1-bc))
}

// HellingerSpectrumDistance is the hellinger_distance metric with nb bins
// (nb ≤ 0 selects 100): the power-spectrum distance between two
// trajectories (rows = time) of equal shape.
func HellingerSpectrumDistance(truth, pred *mat.Dense, nb int) (float64, error) {
	return ComputeWith("hellinger_distance", truth, pred, &MetricOptions{HellingerBins: max(nb, 0)})
}

func meanStd(a []float64) (float64, float64) {
	m := 0.0
	for _, v := range a {
		m += v
	}
	m /= float64(len(a))
	s := 0.0
	for _, v := range a {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(a)))
}

func grandMean(y series) float64 {
	s := 0.0
	for _, c := range y.col {
		for _, v := range c {
			s += v
		}
	}
	return s / float64(y.t*y.d)
}

func minOf(a []float64) float64 {
	m := math.Inf(1)
	for _, v := range a {
		m = math.Min(m, v)
	}
	return m
}

// WorstValue returns the worst value a forecast can score on the named
// metric, which is how the rows of a failed (diverged) forecast count:
// +Inf for the unbounded errors and divergences (mse, mae, rmse, nrmse,
// marre, rmsle, mape, wape, mase, ope, coefficient_of_variation,
// kl_divergence), −Inf for r2_score, −1 for the correlations, 0 for
// mutual_information, 1 for hellinger_distance, and for smape the top of
// its scale (200, or 100 with SMAPEPercent). Only smape is a mean of
// bounded per-element terms, so only it can mix the worst rows with the good
// ones (see PenalizedSMAPE); for the others a failure anywhere gives the
// worst value. It is NaN for an unknown name.
func WorstValue(name string, opts *MetricOptions) float64 {
	switch name {
	case "smape":
		if opts != nil && opts.SMAPEPercent {
			return 100
		}
		return 200
	case "mse", "mae", "rmse", "nrmse", "marre", "rmsle", "mape", "wape", "mase", "ope",
		"coefficient_of_variation", "kl_divergence":
		return math.Inf(1)
	case "r2_score":
		return math.Inf(-1)
	case "spearman", "pearson", "kendall":
		return -1
	case "mutual_information":
		return 0
	case "hellinger_distance":
		return 1
	}
	return math.NaN()
}

// PenalizedSMAPE returns the sMAPE of a forecast of n rows whose first m
// rows score smapeValid (the sMAPE of those rows alone) and whose other
// n − m rows count as the worst value (the scale): every row has the same
// number of elements, so the mean over all n rows is the row-weighted mean
// (m·smapeValid + (n − m)·scale)/n. m = 0 gives the scale whatever
// smapeValid is.
func PenalizedSMAPE(smapeValid float64, m, n int, opts *MetricOptions) float64 {
	if n <= 0 || m < 0 || m > n {
		return math.NaN()
	}
	worst := WorstValue("smape", opts)
	if m == 0 {
		return worst
	}
	return (float64(m)*smapeValid + float64(n-m)*worst) / float64(n)
}
