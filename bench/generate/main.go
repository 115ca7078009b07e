// Command generate-bench times the generate stage on every flow of the
// catalog, one system at a time through the stage's own path (params
// decoded as in a pipeline file, stage built, run by runner.RunStage: the
// integration, the sampling and the Arrow tables), and prints a Markdown
// table: wall time (minimum over -repeat runs), the solver the stage chose,
// RHS evaluations and steps, and, when given, the recorded dysts time of the
// same system and the ratio.
//
// With -anchor it instead runs the systems of scipy_solver_anchor.py at that
// script's settings (10,000 samples over 100 periods, rtol 1e-9, atol 1e-12)
// and compares with the scipy wall times in the JSON the script wrote.
//
// -dysts takes a reference timing file, e.g. the CSV of per-system dysts
// make_trajectory(1000) wall times (columns system, status, wall_s, ...):
//
//	go run ./bench/generate -procs 1 -dysts dysts_n1000_default.csv
//	go run ./bench/generate -anchor -scipy /tmp/scipy_solver_anchor.json
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/generate"
	"github.com/chaos-runner/runner/systems"
)

func main() {
	var (
		sel      = flag.String("select", "flows", "catalog selector")
		n        = flag.Int("n", 1000, "points per trajectory")
		ppp      = flag.Float64("ppp", 100, "points per period")
		rtol     = flag.Float64("rtol", 1e-12, "relative tolerance")
		atol     = flag.Float64("atol", 1e-12, "absolute tolerance")
		method   = flag.String("method", "auto", "integration method")
		repeat   = flag.Int("repeat", 3, "runs per system; the minimum wall time is reported")
		procs    = flag.Int("procs", 1, "GOMAXPROCS (1: single-threaded, as the reference timings)")
		dystsCSV = flag.String("dysts", "", "recorded dysts timings (dysts_n1000_default.csv)")
		radau    = flag.Bool("radau", false, "also time method radau5 on every system (is auto's choice right?)")
		anchor   = flag.Bool("anchor", false, "run the scipy_solver_anchor.py systems at its settings")
		scipyJS  = flag.String("scipy", "", "JSON written by scipy_solver_anchor.py (with -anchor)")
		out      = flag.String("o", "", "also write the Markdown report to this file")
	)
	flag.Parse()
	runtime.GOMAXPROCS(*procs)
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		check(err)
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	if *anchor {
		runAnchor(w, *scipyJS, *repeat)
		return
	}
	names, err := systems.Select(*sel)
	check(err)
	var dysts map[string]float64
	if *dystsCSV != "" {
		dysts = readDysts(*dystsCSV)
	}
	cfg := fmt.Sprintf("n: %d\npts_per_period: %g\nrtol: %g\natol: %g\n", *n, *ppp, *rtol, *atol)
	fmt.Fprintf(w, "# generate stage: %d systems (%s), n = %d, %g points per period, rtol = %g, atol = %g, method %s\n\n",
		len(names), *sel, *n, *ppp, *rtol, *atol, *method)
	fmt.Fprintf(w, "GOMAXPROCS=%d, %s/%s, %s, minimum of %d runs per system, timed through runner.RunStage "+
		"(integration, sampling, Arrow tables).\n\n", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), *repeat)
	header := "| system | dim | solver | RHS evals | steps | time (ms) |"
	sep := "| --- | ---: | --- | ---: | ---: | ---: |"
	if *radau {
		header += " radau5 (ms) | radau5 RHS |"
		sep += " ---: | ---: |"
	}
	if dysts != nil {
		header += " dysts (s) | dysts / ours |"
		sep += " ---: | ---: |"
	}
	timeStage(names[0], cfg, 1) // warm-up: catalog parsing, first allocations
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, sep)
	type row struct {
		name  string
		sec   float64
		dysts float64
	}
	var rows []row
	var total, dystsTotal, radauTotal float64
	solversUsed := map[string][]string{}
	for _, name := range names {
		sec, info := timeStage(name, cfg+"method: "+*method+"\n", *repeat)
		s, _ := systems.Lookup(name)
		solver := fmt.Sprint(info["solver"])
		solversUsed[solver] = append(solversUsed[solver], name)
		line := fmt.Sprintf("| %s | %d | %s | %v | %v | %.2f |", name, s.Dim, solver, info["rhs_evals"], info["steps"], 1e3*sec)
		if *radau && s.Kind == systems.Flow {
			rs, ri := timeStage(name, cfg+"method: radau5\n", 1)
			radauTotal += rs
			line += fmt.Sprintf(" %.1f | %v |", 1e3*rs, ri["rhs_evals"])
		} else if *radau {
			line += " - | - |"
		}
		total += sec
		r := row{name: name, sec: sec, dysts: math.NaN()}
		if dysts != nil {
			if d, ok := dysts[name]; ok {
				r.dysts = d
				dystsTotal += d
				line += fmt.Sprintf(" %.2f | %.0f |", d, d/sec)
			} else {
				line += " - | - |"
			}
		}
		rows = append(rows, r)
		fmt.Fprintln(w, line)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].sec > rows[j].sec })
	fmt.Fprintf(w, "\n**Total %.3f s** for %d systems on one core; slowest %s %.3f s, then %s %.3f s, %s %.3f s.\n",
		total, len(names), rows[0].name, rows[0].sec, rows[1].name, rows[1].sec, rows[2].name, rows[2].sec)
	for _, k := range slices.Sorted(maps.Keys(solversUsed)) {
		list := solversUsed[k]
		if len(list) > 12 {
			fmt.Fprintf(w, "- solver %s: %d systems\n", k, len(list))
		} else {
			fmt.Fprintf(w, "- solver %s: %s\n", k, strings.Join(list, ", "))
		}
	}
	if *radau {
		fmt.Fprintf(w, "- radau5 on every ODE flow: %.2f s in total (auto, which keeps dop853 unless it exhausts 200 steps per sample, is the right choice when this is larger).\n", radauTotal)
	}
	if dysts != nil {
		ratios := []float64{}
		for _, r := range rows {
			if !math.IsNaN(r.dysts) {
				ratios = append(ratios, r.dysts/r.sec)
			}
		}
		sort.Float64s(ratios)
		fmt.Fprintf(w, "\n**dysts** (recorded, not rerun: dysts is not installed here): the per-system times in the CSV were measured "+
			"with 2 worker processes on this 2-vCPU machine kind, which runs each about 2x slower than alone; their sum is %.0f s and "+
			"the README's one-core sequential figure is about 1,450 s.\n\n", dystsTotal)
		fmt.Fprintf(w, "- total: %.0f s (per-process sum) / %.3f s = **%.0fx**\n", dystsTotal, total, dystsTotal/total)
		if len(ratios) == 135 {
			fmt.Fprintf(w, "- total against the one-core sequential estimate: 1,450 s / %.3f s = **%.0fx**\n", total, 1450/total)
		}
		fmt.Fprintf(w, "- per system (recorded per-process time / ours): min %.0fx, median %.0fx, max %.0fx\n",
			ratios[0], ratios[len(ratios)/2], ratios[len(ratios)-1])
	}
}

// timeStage runs the generate stage on one system repeat times and returns
// the minimum wall time and the stage's per-system metadata.
func timeStage(name, params string, repeat int) (float64, map[string]any) {
	k, ok := stages.Default.Lookup("generate")
	if !ok {
		check(fmt.Errorf("generate stage not registered"))
	}
	node, ds := spec.ParseNode("bench.yaml", []byte("system: "+name+"\n"+params))
	if len(ds) > 0 {
		check(ds)
	}
	p, ds := k.Decode(node, "params")
	if len(ds) > 0 {
		check(ds)
	}
	best := math.Inf(1)
	var info map[string]any
	for range max(repeat, 1) {
		st, err := k.Build(p, stages.Env{ID: "bench", Seed: 1})
		check(err)
		_, outPorts := st.Ports()
		t0 := time.Now()
		out, err := runner.RunStage(context.Background(), st, nil, outPorts, 0)
		sec := time.Since(t0).Seconds()
		if err != nil {
			check(fmt.Errorf("%s: %w", name, err))
		}
		best = min(best, sec)
		md, _ := out["train"].Schema().Metadata().GetValue("systems")
		var infos []map[string]any
		check(json.Unmarshal([]byte(md), &infos))
		info = infos[0]
		for _, r := range out {
			r.Release()
		}
	}
	return best, info
}

func readDysts(path string) map[string]float64 {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	check(err)
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	out := map[string]float64{}
	for _, r := range recs[1:] {
		if r[col["status"]] != "ok" {
			continue
		}
		v, err := strconv.ParseFloat(r[col["wall_s"]], 64)
		check(err)
		out[r[col["system"]]] = v
	}
	return out
}

// anchorSystems are the systems of scipy_solver_anchor.py.
var anchorSystems = []string{"Lorenz", "Rossler", "Chen", "Chua", "Thomas", "Duffing", "Lorenz96"}

// runAnchor times the anchor systems at the anchor's settings: n_out =
// 10,000 samples on np.linspace(0, 100 periods, 10,000), rtol 1e-9, atol
// 1e-12, from the dysts initial condition.
func runAnchor(w io.Writer, scipyPath string, repeat int) {
	type run struct {
		Wall float64 `json:"wall_s"`
		Nfev int     `json:"nfev"`
	}
	var scipy struct {
		Env     map[string]any `json:"env"`
		Systems map[string]struct {
			Runs map[string]run `json:"runs"`
		} `json:"systems"`
	}
	if scipyPath != "" {
		data, err := os.ReadFile(scipyPath)
		check(err)
		check(json.Unmarshal(data, &scipy))
	}
	fmt.Fprintf(w, "# generate stage vs scipy solve_ivp (scipy_solver_anchor.py settings)\n\n")
	fmt.Fprintf(w, "10,000 samples over 100 dominant periods, rtol = 1e-9, atol = 1e-12, dysts initial condition; "+
		"ours: generate stage (auto = dop853), GOMAXPROCS=%d, minimum of %d runs; scipy: %v, one thread.\n\n",
		runtime.GOMAXPROCS(0), repeat, scipy.Env)
	fmt.Fprintln(w, "| system | ours (ms) | ours RHS | scipy DOP853 (s) | DOP853 RHS | scipy LSODA (s) | LSODA RHS | fastest scipy / ours |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var ours, fastest float64
	worst := math.Inf(1)
	for _, name := range anchorSystems {
		s, err := systems.Lookup(name)
		check(err)
		// np.linspace(0, T, 10000): step T/9999.
		dt := s.Period * 100 / 9999
		sec, info := timeStage(name, fmt.Sprintf("n: 10000\ndt: %.17g\nrtol: 1e-9\natol: 1e-12\n", dt), repeat)
		ours += sec
		line := fmt.Sprintf("| %s | %.1f | %v |", name, 1e3*sec, info["rhs_evals"])
		sys, ok := scipy.Systems[name]
		if !ok {
			fmt.Fprintln(w, line+" - | - | - | - | - |")
			continue
		}
		d, l := sys.Runs["DOP853"], sys.Runs["LSODA"]
		best := math.Inf(1)
		for _, r := range []run{d, l} {
			if r.Wall > 0 {
				best = min(best, r.Wall)
			}
		}
		fastest += best
		worst = min(worst, best/sec)
		fmt.Fprintf(w, "%s %.3f | %d | %.3f | %d | **%.0fx** |\n", line, d.Wall, d.Nfev, l.Wall, l.Nfev, best/sec)
	}
	if fastest > 0 {
		fmt.Fprintf(w, "\nTotal: ours %.3f s, fastest scipy method per system %.2f s: **%.0fx**; smallest per-system ratio %.0fx.\n",
			ours, fastest, fastest/ours, worst)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate-bench:", err)
		os.Exit(1)
	}
}
