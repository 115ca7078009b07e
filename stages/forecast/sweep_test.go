package forecast

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages/stagetest"
	"github.com/chaos-runner/runner/systems"
)

// sweepSystems is the default subset of catalog flows: a 3-D ODE, a delay
// system (10 delay coordinates), a 4-D hyperchaotic ODE, a forced flow with
// an unbounded phase coordinate and a stiff one.
var sweepSystems = []string{"Lorenz", "MackeyGlass", "HyperRossler", "ForcedBrusselator", "Chua"}

// TestEveryFamilyEveryFlow is issue 5's requirement: every model family runs
// train + forecast on every catalog flow in the flagship setting (1,200
// points at 100 points per period, fit on the first 1,000, forecast the 200
// after them with the train table as history, default hyperparameters)
// without an unhandled error. A fit error recorded in the model table or a
// flagged divergence is handled; a stage error or a panic fails the test.
// By default a few systems run, with mlp and neural_ode at 20 epochs or
// iterations; RUNNER_FULL=1 runs all 135 flows with every default except
// neural_ode at 100 Adam iterations (default 500) and mlp at most 50 epochs
// (default 200), and
// RUNNER_SWEEP_OUT=file writes the per-system outcomes as CSV.
func TestEveryFamilyEveryFlow(t *testing.T) {
	full := os.Getenv("RUNNER_FULL") == "1"
	names := sweepSystems
	if full {
		var err error
		if names, err = systems.Select("flows"); err != nil {
			t.Fatal(err)
		}
	}
	families := models.Names()
	type outcome struct {
		status string // ok, diverged, fit_error, stage_error, no_data
		detail string
		secs   float64
	}
	res := make([][]outcome, len(names))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = make([]outcome, len(families))
				data, err := stagetest.Build(t, "generate", fmt.Sprintf("system: %s\nn: 1200\ntest_points: 200\n", names[i]), 42).Run(context.Background(), nil)
				if err != nil {
					for k := range families {
						res[i][k] = outcome{status: "no_data", detail: err.Error()}
					}
					continue
				}
				for k, fam := range families {
					params := "model: " + fam + "\n"
					if full {
						params += map[string]string{"mlp": "hyper: {epochs: 50}\n", "neural_ode": "hyper: {iters: 100}\n"}[fam]
					} else {
						params += map[string]string{"mlp": "hyper: {epochs: 20}\n", "neural_ode": "hyper: {iters: 20}\n"}[fam]
					}
					t0 := time.Now()
					o := outcome{status: "ok"}
					mo, err := stagetest.Build(t, "train", params, 42).Run(context.Background(), stagetest.Inputs("train", data["train"]))
					if err != nil {
						o = outcome{status: "stage_error", detail: "train: " + err.Error()}
					} else {
						if e := modelRows(t, mo["model"])[0].Error; e != "" {
							o = outcome{status: "fit_error", detail: e}
						}
						fo, err := stagetest.Build(t, "forecast", "horizon: 200\n", 42).Run(context.Background(),
							stagetest.Inputs("model", mo["model"], "test", data["test"], "history", data["train"]))
						switch {
						case err != nil:
							o = outcome{status: "stage_error", detail: "forecast: " + err.Error()}
						case o.status == "ok" && forecastRows(t, fo["forecast"])[0].FailureStep >= 0:
							md, _ := fo["forecast"].Schema().Metadata().GetValue("failures")
							o = outcome{status: "diverged", detail: md}
						}
						stagetest.Release(fo)
						stagetest.Release(mo)
					}
					o.secs = time.Since(t0).Seconds()
					res[i][k] = o
				}
				stagetest.Release(data)
				if full {
					fmt.Fprintf(os.Stderr, "sweep: %s done\n", names[i])
				}
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()

	var b strings.Builder
	fmt.Fprintf(&b, "%d systems:\n%-16s %5s %9s %9s %11s %7s %9s\n", len(names), "family", "ok", "diverged", "fit_error", "stage_error", "no_data", "median_s")
	for k, fam := range families {
		count := map[string]int{}
		var secs []float64
		for i := range names {
			o := res[i][k]
			count[o.status]++
			secs = append(secs, o.secs)
			if o.status == "stage_error" {
				t.Errorf("%s on %s: %s", fam, names[i], o.detail)
			}
			if o.status == "fit_error" || o.status == "stage_error" || (full && o.status == "no_data") {
				t.Logf("%s on %s: %s: %s", fam, names[i], o.status, o.detail)
			}
		}
		sort.Float64s(secs)
		fmt.Fprintf(&b, "%-16s %5d %9d %9d %11d %7d %9.3f\n", fam, count["ok"], count["diverged"], count["fit_error"], count["stage_error"], count["no_data"], secs[len(secs)/2])
	}
	t.Log("\n" + b.String())
	if path := os.Getenv("RUNNER_SWEEP_OUT"); path != "" {
		var csv strings.Builder
		csv.WriteString("system,family,status,seconds,detail\n")
		for i, name := range names {
			for k, fam := range families {
				o := res[i][k]
				fmt.Fprintf(&csv, "%s,%s,%s,%.3f,%q\n", name, fam, o.status, o.secs, strings.ReplaceAll(o.detail, "\n", " "))
			}
		}
		if err := os.WriteFile(path, []byte(b.String()+"\n"+csv.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}
