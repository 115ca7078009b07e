package scoring

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
)

// ClusterParams configure the cluster stage.
type ClusterParams struct {
	Columns     []string `yaml:"columns,omitempty" doc:"numeric feature columns (default: every float64 column except the id column and the dysts_* and *_err/*_rel_diff columns)"`
	IDColumn    string   `yaml:"id_column,omitempty" doc:"column naming each row (string or integer)"`
	K           int      `yaml:"k,omitempty" doc:"number of clusters; 0 chooses k in [k_min, k_max] by the mean silhouette"`
	KMin        int      `yaml:"k_min,omitempty" doc:"smallest k tried when k is 0"`
	KMax        int      `yaml:"k_max,omitempty" doc:"largest k tried when k is 0 (capped at n-1)"`
	Standardize bool     `yaml:"standardize,omitempty" doc:"z-score every feature column (mean 0, population SD 1) before the Euclidean distances; constant columns become 0"`
	NaN         string   `yaml:"nan,omitempty" doc:"rows with NaN or Inf in a feature: drop (left out of the clustering, cluster -1) or median (replaced by the column's median over the finite values)"`
	Init        string   `yaml:"init,omitempty" doc:"FasterPAM initialisation: build (deterministic greedy) or random"`
	Seed        uint64   `yaml:"seed,omitempty" doc:"seed of the random initialisation and of the swap loop's starting point (0: the stage's derived seed)"`
}

// ClusterDefaults: choose k in [2, 8] on standardised features.
var ClusterDefaults = ClusterParams{IDColumn: "system", KMin: 2, KMax: 8, Standardize: true, NaN: "drop", Init: "build"}

// Validate checks the k range and option names.
func (p *ClusterParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	if p.K < 0 {
		bad("k", "must be >= 0 (0: choose by silhouette)")
	}
	if p.K == 0 && (p.KMin < 2 || p.KMax < p.KMin) {
		bad("k_min", fmt.Sprintf("need 2 <= k_min <= k_max, got %d and %d", p.KMin, p.KMax))
	}
	if p.IDColumn == "" {
		bad("id_column", "must name a column")
	}
	if p.NaN != "drop" && p.NaN != "median" {
		bad("nan", fmt.Sprintf("must be drop or median, got %q", p.NaN))
	}
	if p.Init != "build" && p.Init != "random" {
		bad("init", fmt.Sprintf("must be build or random, got %q", p.Init))
	}
	return errs
}

func init() {
	stages.Register(stages.Default, stages.Definition[ClusterParams]{
		Name:    "cluster",
		Version: 1,
		Summary: "k-medoids (FasterPAM) clustering of the rows of any table by numeric feature columns, k chosen by silhouette.",
		Doc: "Takes the `columns` of the `features` table (by default every float64 column except the id and the dysts_*, " +
			"*_err and *_rel_diff columns of an invariants table), z-scores them when `standardize` is set, and clusters " +
			"the rows with FasterPAM (Schubert & Rousseeuw 2021) on Euclidean distances, for the given `k` or for the k " +
			"in [k_min, k_max] with the best mean silhouette (Rousseeuw 1987). Rows with NaN or Inf in a feature are " +
			"dropped (cluster -1, silhouette NaN) or imputed by the column median, per `nan`; a feature column with no " +
			"finite value is left out. Output `clusters`: id, cluster (index of the medoid in ascending row order), " +
			"is_medoid and the point's silhouette width (0 for a singleton). Output `summary`: k, total deviation " +
			"(loss), mean silhouette, points clustered and dropped, the columns used, and the silhouette of every k tried.",
		Defaults: ClusterDefaults,
		Examples: []stages.Example{
			{Title: "Systems by their invariants, k chosen by silhouette", Params: "id_column: system\n"},
			{Title: "Four clusters of chosen columns, raw scales", Params: "columns: [lyapunov_max, correlation_dimension, permutation_entropy]\nk: 4\nstandardize: false\n"},
		},
		New: func(p ClusterParams, env stages.Env) (stages.Stage, error) {
			if p.Seed == 0 {
				p.Seed = env.Seed
			}
			return &clusterStage{p: p}, nil
		},
	})
}

type clusterStage struct{ p ClusterParams }

// ClusterRow is one row of the clusters output, for one input row.
type ClusterRow struct {
	ID         string  `arrow:"id" doc:"the row's id column value (integers in decimal)"`
	Cluster    int     `arrow:"cluster" doc:"cluster index: the position of its medoid among the medoids in ascending row order; -1 for a dropped row"`
	IsMedoid   bool    `arrow:"is_medoid" doc:"the row is its cluster's medoid"`
	Silhouette float64 `arrow:"silhouette" doc:"the row's silhouette width (Rousseeuw 1987) in [-1, 1]: 0 for a singleton, NaN for a dropped row"`
}

// SummaryRow is the one row of the summary output.
type SummaryRow struct {
	K              int       `arrow:"k" doc:"number of clusters, given or chosen by the mean silhouette"`
	Loss           float64   `arrow:"loss" unit:"feature units (standardised when standardize is set)" doc:"total deviation: the sum of every clustered row's distance to its medoid"`
	MeanSilhouette float64   `arrow:"mean_silhouette" doc:"mean silhouette width over the clustered rows"`
	Points         int       `arrow:"points" unit:"rows" doc:"rows clustered"`
	Dropped        int       `arrow:"dropped" unit:"rows" doc:"rows left out (a non-finite feature with nan: drop, or a null id)"`
	Columns        string    `arrow:"columns" doc:"feature columns used, comma-separated (columns with no finite value are left out)"`
	KTried         []int     `arrow:"k_tried" doc:"every k tried when k was chosen; empty for a given k"`
	Silhouettes    []float64 `arrow:"silhouettes" doc:"mean silhouette of each k in k_tried"`
}

var (
	// ClustersTable declares the clusters output.
	ClustersTable = schemas.NewTable[ClusterRow]()
	// SummaryTable declares the summary output.
	SummaryTable = schemas.NewTable[SummaryRow]()
)

func (s *clusterStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "features", Doc: "any table with an id column and numeric feature columns (an invariants table, say)."}},
		[]stages.Port{
			stages.TablePort("clusters", "one row per input row: cluster, medoid flag, silhouette width.", ClustersTable),
			stages.TablePort("summary", "one row: k, loss, mean silhouette.", SummaryTable),
		}
}

// defaultFeature says whether a float64 column is a feature by default.
func defaultFeature(name, id string) bool {
	return name != id && !strings.HasPrefix(name, "dysts_") && !strings.HasSuffix(name, "_err") &&
		!strings.HasSuffix(name, "_rel_diff")
}

func numericValue(a arrow.Array, i int) (float64, bool) {
	if a.IsNull(i) {
		return math.NaN(), true
	}
	switch c := a.(type) {
	case *array.Float64:
		return c.Value(i), true
	case *array.Float32:
		return float64(c.Value(i)), true
	case *array.Int64:
		return float64(c.Value(i)), true
	case *array.Int32:
		return float64(c.Value(i)), true
	}
	return 0, false
}

func idValue(a arrow.Array, i int) string {
	switch c := a.(type) {
	case *array.String:
		return c.Value(i)
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	}
	return a.ValueStr(i)
}

func (s *clusterStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	rec := in.One("features")
	if rec == nil {
		return nil, fmt.Errorf("no features table")
	}
	sch := rec.Schema()
	idIdx := sch.FieldIndices(s.p.IDColumn)
	if len(idIdx) == 0 {
		return nil, fmt.Errorf("id column %q not in the features table", s.p.IDColumn)
	}
	idCol := rec.Column(idIdx[0])
	n := int(rec.NumRows())
	cols := s.p.Columns
	if len(cols) == 0 {
		for _, f := range sch.Fields() {
			if f.Type.ID() == arrow.FLOAT64 && defaultFeature(f.Name, s.p.IDColumn) {
				cols = append(cols, f.Name)
			}
		}
	}
	// Feature matrix, column by column; columns with no finite value are left out.
	var used []string
	var feats [][]float64
	for _, c := range cols {
		idx := sch.FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("feature column %q not in the features table", c)
		}
		a := rec.Column(idx[0])
		v := make([]float64, n)
		finite := false
		for i := range v {
			x, ok := numericValue(a, i)
			if !ok {
				return nil, fmt.Errorf("feature column %q is %s, want a number", c, a.DataType())
			}
			v[i] = x
			finite = finite || isFinite(x)
		}
		if finite {
			used, feats = append(used, c), append(feats, v)
		}
	}
	if len(used) == 0 {
		return nil, fmt.Errorf("no feature column with a finite value (tried %s)", strings.Join(cols, ", "))
	}
	keep := make([]int, 0, n) // rows clustered
	for i := 0; i < n; i++ {
		ok := !idCol.IsNull(i)
		for _, v := range feats {
			ok = ok && (isFinite(v[i]) || s.p.NaN == "median")
		}
		if ok {
			keep = append(keep, i)
		}
	}
	if s.p.NaN == "median" {
		for _, v := range feats {
			var fin []float64
			for _, i := range keep {
				if isFinite(v[i]) {
					fin = append(fin, v[i])
				}
			}
			slices.Sort(fin)
			med := fin[len(fin)/2]
			if len(fin)%2 == 0 {
				med = (fin[len(fin)/2-1] + fin[len(fin)/2]) / 2
			}
			for _, i := range keep {
				if !isFinite(v[i]) {
					v[i] = med
				}
			}
		}
	}
	m := len(keep)
	if m < 2 {
		return nil, fmt.Errorf("%d rows with finite features; need at least 2", m)
	}
	if s.p.Standardize {
		for _, v := range feats {
			mean, sd := 0.0, 0.0
			for _, i := range keep {
				mean += v[i]
			}
			mean /= float64(m)
			for _, i := range keep {
				sd += (v[i] - mean) * (v[i] - mean)
			}
			sd = math.Sqrt(sd / float64(m))
			for _, i := range keep {
				if sd > 0 {
					v[i] = (v[i] - mean) / sd
				} else {
					v[i] = 0
				}
			}
		}
	}
	// The distance matrix is m² floats: a large input fails here, alone.
	if err := stages.CheckMemory(8*float64(m)*float64(m), fmt.Sprintf("the %d×%d distance matrix of the clustered rows", m, m)); err != nil {
		return nil, err
	}
	dist := mat.NewSymDense(m, nil)
	for a := 0; a < m; a++ {
		for b := a + 1; b < m; b++ {
			sum := 0.0
			for _, v := range feats {
				e := v[keep[a]] - v[keep[b]]
				sum += e * e
			}
			dist.SetSym(a, b, math.Sqrt(sum))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts := &metrics.KMedoidsOptions{Init: s.p.Init, Seed: s.p.Seed}
	var fit metrics.KMedoids
	var kTried []int
	var sils []float64
	k := s.p.K
	switch {
	case k > m:
		return nil, fmt.Errorf("k=%d exceeds the %d rows with finite features", k, m)
	case k > 0:
		var err error
		if fit, err = metrics.FasterPAM(dist, k, opts); err != nil {
			return nil, fmt.Errorf("FasterPAM: %w", err)
		}
	default:
		kmax := min(s.p.KMax, m-1)
		if kmax < s.p.KMin {
			return nil, fmt.Errorf("%d rows with finite features: too few to choose k in [%d, %d]", m, s.p.KMin, s.p.KMax)
		}
		best, sil, fits, err := metrics.ChooseK(dist, s.p.KMin, kmax, opts)
		if err != nil {
			return nil, fmt.Errorf("choosing k: %w", err)
		}
		k, fit, sils = best, fits[best-s.p.KMin], sil
		for kk := s.p.KMin; kk <= kmax; kk++ {
			kTried = append(kTried, kk)
		}
	}
	width := silhouettes(dist, fit.Labels, k)
	meanSil := 0.0
	for _, w := range width {
		meanSil += w
	}
	meanSil /= float64(m)

	pos := make(map[int]int, m) // input row -> index among kept rows
	for a, i := range keep {
		pos[i] = a
	}
	clusters := make([]ClusterRow, n)
	for i := range clusters {
		r := ClusterRow{ID: idValue(idCol, i), Cluster: -1, Silhouette: math.NaN()}
		if a, ok := pos[i]; ok {
			r.Cluster, r.IsMedoid, r.Silhouette = fit.Labels[a], slices.Contains(fit.Medoids, a), width[a]
		}
		clusters[i] = r
	}
	summary := []SummaryRow{{K: k, Loss: fit.Loss, MeanSilhouette: meanSil, Points: m, Dropped: n - m,
		Columns: strings.Join(used, ","), KTried: kTried, Silhouettes: sils}}
	return stages.Outputs{"clusters": ClustersTable.Record(clusters, nil), "summary": SummaryTable.Record(summary, nil)}, nil
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// silhouettes returns Rousseeuw's silhouette width of every point:
// s = (b − a)/max(a, b), a the mean distance to the rest of its cluster, b
// the smallest mean distance to another cluster; 0 for a singleton.
func silhouettes(dist *mat.SymDense, labels []int, k int) []float64 {
	m := len(labels)
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	out := make([]float64, m)
	sums := make([]float64, k)
	for i := 0; i < m; i++ {
		clear(sums)
		for j := 0; j < m; j++ {
			if j != i {
				sums[labels[j]] += dist.At(i, j)
			}
		}
		own := labels[i]
		if size[own] <= 1 {
			continue
		}
		a := sums[own] / float64(size[own]-1)
		b := math.Inf(1)
		for c := 0; c < k; c++ {
			if c != own && size[c] > 0 {
				b = math.Min(b, sums[c]/float64(size[c]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if den := math.Max(a, b); den > 0 {
			out[i] = (b - a) / den
		}
	}
	return out
}
