// Command gilpin runs the Gilpin 2023 standard forecasting task (dysts
// benchmark) on every catalog flow with every model family of the models
// package, through the generate, train and forecast stages.
//
// Protocol of Gilpin, "Model scale versus domain knowledge in statistical
// forecasting of chaotic systems", Phys. Rev. Research 5, 043252 (2023), as
// implemented by the benchmarks/ code of the dysts repository
// (williamgilpin/dysts) before it moved to a separate repository in 2024;
// see also ../README.md:
//
//   - Data: per flow, at 100 points per dominant period, a 12-period
//     (1,200-point) test-IC series from the catalog initial condition, and a
//     separate 12-period train-IC series: the same orbit after a further
//     1,200-point transient, i.e. an initial condition on the attractor whose
//     series is disjoint from the test series (the generate stage with
//     transient: 1200). Integration as the generate stage's defaults
//     (error-controlled, rtol = atol = 1e-12).
//   - Hyperparameters: for every family and flow, each grid point is fitted
//     on the first 1,000 points of the train-IC series and scored by sMAPE on
//     its last 200 (the last 1/6); the lowest wins (a diverged or failed
//     forecast scores +Inf; if all fail, the first grid point is kept).
//   - Standard task: the chosen model is fitted on the first 10 periods
//     (1,000 points) of the test-IC series and forecasts the next 200 steps
//     from them (history = the fit data); sMAPE on the 0-200 scale
//     (metrics.Compute("smape", ...)) against the 200 true points.
//
// Usage: go run ./bench/forecast/gilpin [-systems flows] [-families all]
// [-workers 2] [-out bench/forecast/results].
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/all"
	"github.com/chaos-runner/runner/stages/forecast"
	"github.com/chaos-runner/runner/stages/generate"
	"github.com/chaos-runner/runner/systems"
)

const (
	periods      = 12
	ptsPerPeriod = 100
	fitPoints    = 1000
	horizon      = 200
	seed         = 2023
)

// published mean sMAPE on the standard task (Gilpin 2023, 131-133 systems)
// and median fit time, for the families that have a counterpart.
var published = map[string]struct {
	name      string
	smape     float64
	fitSecond float64
}{
	"nvar":       {"NVAR", 75.4, 0.21},
	"neural_ode": {"neural ODE", 75.6, 25},
	"esn":        {"ESN", 88.7, 0.26},
	"linear_ar":  {"LinearRegression", 86.7, 0.017},
}

// grid returns the hyperparameter grid of a family: each entry overrides
// the defaults. The first entry is the fallback when every entry fails.
func grid(family string, nodeIters, mlpEpochs float64) []models.Hyper {
	switch family {
	case "linear_ar": // Gilpin 2023: lags 3, 5, 10, 25
		return each("lags", 3, 5, 10, 25)
	case "nvar":
		// Gilpin 2023 (reservoirpy NVAR): order 1, ridge 1e-4, delay 2, 5, 15,
		// 30, 60, 120; plus the quadratic NVAR of Gauthier et al. 2021 with
		// 2 and 5 taps and the training noise that stabilises it on accurate
		// data. Standardised coordinates throughout.
		var g []models.Hyper
		for _, k := range []float64{2, 5, 15, 30, 60, 120} {
			g = append(g, models.Hyper{"k": k, "order": 1, "ridge": 1e-4, "standardize": 1})
		}
		for _, k := range []float64{2, 5} {
			g = append(g, models.Hyper{"k": k, "order": 2, "ridge": 1e-4, "noise": 1e-3, "standardize": 1})
		}
		return g
	case "esn": // 500 units, rho 0.99, connectivity 0.1, ridge 1e-4 (defaults); leak tuned
		return each("leak", 0.1, 0.5, 1.0)
	case "mlp": // no search: the default 2 lags (see -mlp-epochs)
		return []models.Hyper{{"epochs": mlpEpochs}}
	case "neural_ode":
		// d-30-30-30-d, Adam lr 1e-2, batch 128 (the family defaults); the
		// published window search is skipped (window 10) for time.
		return []models.Hyper{{"iters": nodeIters}}
	case "hankel_dmd":
		return each("delays", 4, 8, 16, 32)
	case "edmd":
		return each("relift", 0, 1)
	case "random_features":
		return each("lengthscale", 1, 2, 4)
	case "analog":
		return each("k", 2, 4, 8)
	case "sindy":
		return each("threshold", 0.01, 0.1, 0.5)
	case "ssm":
		return each("ridge", 0.1, 1)
	}
	return []models.Hyper{{}}
}

func each(name string, values ...float64) []models.Hyper {
	out := make([]models.Hyper, len(values))
	for i, v := range values {
		out[i] = models.Hyper{name: v}
	}
	return out
}

// cell is one (system, family) result.
type cell struct {
	System, Family string
	Hyper          models.Hyper
	ValSMAPE       float64
	SMAPE          float64 // NaN when Failed
	Failed         string  // "", "diverged at step N: ...", "fit: ...", "error: ..."
	FitSeconds     float64 // wall time of the final train stage
	GridFits       int
}

// series is one generated run: its train and test tables.
type series struct{ train, test arrow.RecordBatch }

func main() {
	sel := flag.String("systems", "flows", "catalog selection (systems.Select syntax)")
	fams := flag.String("families", "all", "comma-separated model families, or all")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "systems processed in parallel")
	out := flag.String("out", "bench/forecast/results", "directory for standard.md and standard.csv")
	deadline := flag.Duration("deadline", 0, "stop starting systems after this long and summarise the completed ones (0: run all)")
	nodeIters := flag.Float64("node-iters", 100, "neural_ode Adam iterations (published: 500)")
	mlpEpochs := flag.Float64("mlp-epochs", 50, "mlp maximum epochs (default of the family: 200)")
	flag.Parse()

	names, err := systems.Select(*sel)
	if err != nil {
		fail(err)
	}
	families := models.Names()
	if *fams != "all" {
		families = strings.Split(*fams, ",")
		for _, f := range families {
			if _, ok := models.Lookup(f); !ok {
				fail(fmt.Errorf("unknown family %q (have %v)", f, models.Names()))
			}
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	// Systems run in a fixed pseudo-random order, so a run stopped by
	// -deadline summarises an unbiased sample of the catalog; every finished
	// system is appended to standard.partial.csv at once.
	order := rand.New(rand.NewPCG(seed, 1)).Perm(len(names))
	partial, err := os.Create(filepath.Join(*out, "standard.partial.csv"))
	if err != nil {
		fail(err)
	}
	pw := csv.NewWriter(partial)
	start := time.Now()
	results := make([][]cell, len(names))
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := runSystem(names[i], families, *nodeIters, *mlpEpochs)
				mu.Lock()
				results[i] = r
				done++
				for _, c := range r {
					_ = pw.Write(csvRow(c))
				}
				pw.Flush()
				fmt.Fprintf(os.Stderr, "[%3d/%d %6.0fs] %s\n", done, len(names), time.Since(start).Seconds(), names[i])
				mu.Unlock()
			}
		}()
	}
	for _, i := range order {
		if *deadline > 0 && time.Since(start) > *deadline {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	partial.Close()
	elapsed := time.Since(start)

	var all []cell
	completed := 0
	for _, r := range results {
		if r != nil {
			completed++
		}
		all = append(all, r...)
	}
	if err := writeCSV(filepath.Join(*out, "standard.csv"), all); err != nil {
		fail(err)
	}
	md := summary(all, families, completed, len(names), elapsed, *workers, *nodeIters, *mlpEpochs)
	if err := os.WriteFile(filepath.Join(*out, "standard.md"), []byte(md), 0o644); err != nil {
		fail(err)
	}
	fmt.Print(md)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gilpin:", err)
	os.Exit(1)
}

// runSystem generates both series of one system and runs every family.
func runSystem(name string, families []string, nodeIters, mlpEpochs float64) []cell {
	out := make([]cell, len(families))
	for k, f := range families {
		out[k] = cell{System: name, Family: f, SMAPE: math.NaN(), ValSMAPE: math.NaN()}
	}
	gen := func(transient int) (series, error) {
		p := generate.Defaults
		p.System, p.N, p.PtsPerPeriod, p.TestPoints, p.Transient = name, periods*ptsPerPeriod, ptsPerPeriod, periods*ptsPerPeriod-fitPoints, transient
		o, err := runKind("generate", p, nil)
		if err != nil {
			return series{}, err
		}
		o["failures"].Release()
		return series{o["train"], o["test"]}, nil
	}
	testIC, err := gen(0)
	if err != nil {
		for k := range out {
			out[k].Failed = "data: " + err.Error()
		}
		return out
	}
	defer testIC.train.Release()
	defer testIC.test.Release()
	trainIC, err := gen(periods * ptsPerPeriod)
	if err != nil {
		for k := range out {
			out[k].Failed = "data: " + err.Error()
		}
		return out
	}
	defer trainIC.train.Release()
	defer trainIC.test.Release()
	for k, fam := range families {
		c := &out[k]
		g := grid(fam, nodeIters, mlpEpochs)
		best, bestScore := g[0], math.Inf(1)
		if len(g) > 1 {
			for _, h := range g {
				s, _, _, err := trainAndScore(fam, h, trainIC)
				c.GridFits++
				if err == nil && s < bestScore {
					best, bestScore = h, s
				}
			}
		}
		c.Hyper, c.ValSMAPE = best, bestScore
		s, secs, why, err := trainAndScore(fam, c.Hyper, testIC)
		c.FitSeconds = secs
		switch {
		case err != nil:
			c.Failed = "error: " + err.Error()
		case why != "":
			c.Failed = why
		default:
			c.SMAPE = s
		}
	}
	return out
}

// trainAndScore fits on a series' train table, forecasts its test table
// and returns the sMAPE, the train stage's wall time and, for a failed
// fit or a diverged forecast, the reason (with sMAPE +Inf).
func trainAndScore(family string, hyper models.Hyper, s series) (smape, fitSecs float64, failed string, err error) {
	t0 := time.Now()
	mo, err := runKind("train", forecast.TrainParams{Model: family, Hyper: hyper}, stages.Inputs{"train": {{Record: s.train}}})
	fitSecs = time.Since(t0).Seconds()
	if err != nil {
		return math.Inf(1), fitSecs, "", fmt.Errorf("train: %w", err)
	}
	defer mo["model"].Release()
	if e := mo["model"].Column(mo["model"].Schema().FieldIndices("error")[0]).(*array.String); e.IsValid(0) {
		return math.Inf(1), fitSecs, "fit: " + e.Value(0), nil
	}
	fo, err := runKind("forecast", forecast.ForecastParams{Horizon: horizon},
		stages.Inputs{"model": {{Record: mo["model"]}}, "test": {{Record: s.test}}, "history": {{Record: s.train}}})
	if err != nil {
		return math.Inf(1), fitSecs, "", fmt.Errorf("forecast: %w", err)
	}
	fc := fo["forecast"]
	defer fc.Release()
	if fs := fc.Column(fc.Schema().FieldIndices(forecast.ColFailureStep)[0]).(*array.Int64); fs.Value(0) >= 0 {
		var fails []struct {
			Step   int64  `json:"step"`
			Reason string `json:"reason"`
		}
		v, _ := fc.Schema().Metadata().GetValue("failures")
		_ = json.Unmarshal([]byte(v), &fails)
		why := "diverged"
		if len(fails) > 0 {
			why = fmt.Sprintf("diverged at step %d: %s", fails[0].Step-fitPoints, fails[0].Reason)
		}
		return math.Inf(1), fitSecs, why, nil
	}
	d, err := dim(s.test)
	if err != nil {
		return math.Inf(1), fitSecs, "", err
	}
	truth, pred := states(s.test, d, horizon), states(fc, d, horizon)
	v, err := metrics.Compute("smape", truth, pred)
	if err != nil {
		return math.Inf(1), fitSecs, "", fmt.Errorf("smape: %w", err)
	}
	return v, fitSecs, "", nil
}

// dim is the number of state columns that hold values in the first row.
func dim(rec arrow.RecordBatch) (int, error) {
	n, err := schemas.StateDim(rec.Schema())
	if err != nil {
		return 0, err
	}
	d := 0
	for k := 0; k < n; k++ {
		c := rec.Column(rec.Schema().FieldIndices(schemas.StateColumn(k))[0]).(*array.Float64)
		if !math.IsNaN(c.Value(0)) {
			d = k + 1
		}
	}
	return d, nil
}

func states(rec arrow.RecordBatch, d, n int) *mat.Dense {
	m := mat.NewDense(n, d, nil)
	for k := 0; k < d; k++ {
		c := rec.Column(rec.Schema().FieldIndices(schemas.StateColumn(k))[0]).(*array.Float64)
		for i := 0; i < n; i++ {
			m.Set(i, k, c.Value(i))
		}
	}
	return m
}

// runKind builds a registered stage from typed params and runs it.
func runKind(kind string, params any, in stages.Inputs) (stages.Outputs, error) {
	k, ok := stages.Default.Lookup(kind)
	if !ok {
		return nil, fmt.Errorf("kind %s not registered", kind)
	}
	st, err := k.Build(stages.Params{Value: params}, stages.Env{ID: kind, Seed: seed})
	if err != nil {
		return nil, err
	}
	return st.Run(context.Background(), in)
}

func writeCSV(path string, cells []cell) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(csvHeader)
	for _, c := range cells {
		_ = w.Write(csvRow(c))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var csvHeader = []string{"system", "family", "hyper", "val_smape", "smape", "failed", "fit_seconds"}

func csvRow(c cell) []string {
	hj, _ := json.Marshal(c.Hyper)
	return []string{c.System, c.Family, string(hj), num(c.ValSMAPE), num(c.SMAPE), c.Failed, fmt.Sprintf("%.4f", c.FitSeconds)}
}

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return fmt.Sprintf("%.4f", v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func summary(cells []cell, families []string, nSys, nSel int, elapsed time.Duration, workers int, nodeIters, mlpEpochs float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Gilpin 2023 standard task: %d flows, fit 1,000 points, forecast 200\n\n", nSys)
	if nSys < nSel {
		fmt.Fprintf(&b, "**Partial run: %d of the %d selected flows completed before -deadline** (a fixed pseudo-random sample of the catalog).\n\n", nSys, nSel)
	}
	fmt.Fprintf(&b, "Generated by `bench/forecast/run.sh` (`go run ./bench/forecast/gilpin`) in %s with %d workers on %d CPUs (%s/%s). "+
		"sMAPE on the 0-200 scale. *mean* and *median* are over the systems whose forecast did not fail; "+
		"*mean (fail=200)* scores failures at the maximum, 200. *fit s* is the median wall time of the final train "+
		"stage (one system; %d systems run concurrently). Reduced budgets: neural_ode runs %g Adam "+
		"iterations (published 500) with window 10 and no window search, mlp at most %g epochs (family default "+
		"200) with its default 2 lags and no search.\n\n",
		elapsed.Round(time.Second), workers, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, workers, nodeIters, mlpEpochs)
	b.WriteString("| model | systems | failed | mean sMAPE | median sMAPE | mean (fail=200) | median fit s | published mean sMAPE | published fit s |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	type row struct {
		fam  string
		mean float64
		line string
	}
	var rows []row
	for _, fam := range families {
		var ok, withFail, secs []float64
		failed := 0
		for _, c := range cells {
			if c.Family != fam {
				continue
			}
			secs = append(secs, c.FitSeconds)
			if c.Failed != "" {
				failed++
				withFail = append(withFail, 200)
				continue
			}
			ok = append(ok, c.SMAPE)
			withFail = append(withFail, c.SMAPE)
		}
		pub, pubFit := "", ""
		if p, has := published[fam]; has {
			pub = fmt.Sprintf("%.1f (%s)", p.smape, p.name)
			pubFit = fmt.Sprintf("%g", p.fitSecond)
		}
		m := mean(ok)
		rows = append(rows, row{fam, m, fmt.Sprintf("| %s | %d | %d | %.1f | %.1f | %.1f | %.3f | %s | %s |\n",
			fam, len(ok)+failed, failed, m, median(ok), mean(withFail), median(secs), pub, pubFit)})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].mean < rows[j].mean })
	for _, r := range rows {
		b.WriteString(r.line)
	}
	b.WriteString("| (published) NBEATS | | | 56.5 | | | | 56.5 | 380 |\n")
	b.WriteString("\nHyperparameter grids (each point fitted on the train-IC series, scored on its last 200 points):\n\n")
	for _, fam := range families {
		var parts []string
		for _, h := range grid(fam, nodeIters, mlpEpochs) {
			hj, _ := json.Marshal(h)
			parts = append(parts, string(hj))
		}
		fmt.Fprintf(&b, "- %s: %s\n", fam, strings.Join(parts, " "))
	}
	b.WriteString("\nFailures (diverged forecasts and failed fits), by family:\n\n")
	for _, fam := range families {
		var fs []string
		for _, c := range cells {
			if c.Family == fam && c.Failed != "" {
				fs = append(fs, c.System+" ("+short(c.Failed)+")")
			}
		}
		if len(fs) > 0 {
			fmt.Fprintf(&b, "- %s: %s\n", fam, strings.Join(fs, "; "))
		}
	}
	return b.String()
}

func short(s string) string {
	if len(s) > 90 {
		return s[:90] + "..."
	}
	return s
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
