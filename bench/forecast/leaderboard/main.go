// Command leaderboard prints the leaderboard of a pipeline that has been
// applied (by default the flagship, pipelines/chaos-benchmark.yaml) as a
// Markdown table: it plans the pipeline, finds the entry of its
// `leaderboard` stage in the store by its cache key, and reads the table
// with the stage's declared reader, so the figures are exactly the
// artifact's. The last two columns, the median wall times of the fits and
// forecasts behind each row, come from the entries' manifests (see runner.LeaderboardTimes).
//
// Usage: go run ./bench/forecast/leaderboard [-store .runner] [-stage leaderboard] [PIPELINE]
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/all"
	"github.com/chaos-runner/runner/stages/leaderboard"
)

func main() {
	storeDir := flag.String("store", ".runner", "artifact store")
	stage := flag.String("stage", "leaderboard", "stage whose `leaderboard` (or `table`) output to print")
	flag.Parse()
	file := "pipelines/chaos-benchmark.yaml"
	if flag.NArg() > 0 {
		file = flag.Arg(0)
	}
	if err := run(file, *storeDir, *stage); err != nil {
		fmt.Fprintln(os.Stderr, "leaderboard:", err)
		os.Exit(1)
	}
}

func run(file, storeDir, stage string) error {
	p, diags := runner.Load(file, nil, stages.Default)
	if len(diags) > 0 {
		return diags
	}
	plan, diags := runner.NewPlan(p, stages.Default)
	if len(diags) > 0 {
		return diags
	}
	n := plan.Node(stage)
	if n == nil {
		return fmt.Errorf("%s has no stage instance %q", file, stage)
	}
	store, err := artifacts.Open(storeDir)
	if err != nil {
		return err
	}
	var rows []leaderboard.Row
	for _, port := range []string{"leaderboard", "table"} {
		rec, err := artifacts.ReadIPCFile(store.Path(n.Key, port))
		if err != nil {
			continue
		}
		rows, err = leaderboard.Table.Read(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("%s.%s: %w", stage, port, err)
		}
		break
	}
	if rows == nil {
		return fmt.Errorf("no output of %s (key %s) in %s: apply the pipeline first", stage, n.Key, storeDir)
	}
	wall := runner.LeaderboardTimes(store, n)
	fmt.Println("| task | model | systems | runs | failures | mean sMAPE | median | spread over ICs | VPT median [q1, q3] (censored) | rank | published | difference | median fit s | median forecast s |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |")
	for _, r := range rows {
		pub, diff := "", ""
		if !math.IsNaN(r.Published) {
			pub = fmt.Sprintf("%.1f (%s)", r.Published, r.PublishedStatistic)
			diff = fmt.Sprintf("%+.1f", r.Difference)
		}
		fit, fc := "", ""
		if t, ok := wall[runner.TaskModel{Task: r.Task, Model: r.Model}]; ok {
			fit, fc = runner.FormatSeconds(t.Fit), runner.FormatSeconds(t.Forecast)
		}
		fmt.Printf("| %s | %s | %d | %d | %d | %s | %s | %s | %s [%s, %s] (%d) | %d | %s | %s | %s | %s |\n",
			r.Task, r.Model, r.Systems, r.Runs, r.Failures, num(r.Mean), num(r.Median), num(r.ReplicateSpread),
			num(r.VPTMedian), num(r.VPTQ1), num(r.VPTQ3), r.VPTCensored, r.Rank, pub, diff, fit, fc)
	}
	return nil
}

func num(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.2f", v), ".00")
}
