package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/runner/slurm"
)

// detach submits what must run of plan as a detached Slurm run and prints
// how to follow it.
func (g *globals) detach(ctx context.Context, plan *runner.Plan, store *artifacts.Store, ex *slurm.Executor) error {
	decisions := plan.Decide(store, 8)
	var nodes []*runner.Node
	for i, n := range plan.Nodes {
		if !decisions[i].Cached {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		fmt.Fprintf(g.stdout, "nothing to run: %d cached\n", len(plan.Nodes))
		return nil
	}
	run := fmt.Sprintf("%s-%d", time.Now().UTC().Format("20060102T150405.000000000Z"), os.Getpid())
	rec, err := ex.Detach(ctx, plan, nodes, run)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	fmt.Fprintf(g.stdout, "detached run %s: %d to run in %d submissions, %d cached; follow it with: runner status %s\n",
		run, len(nodes), len(rec.Submissions), len(plan.Nodes)-len(nodes), run)
	return nil
}

// attachDetached makes ex follow the latest detached run of plan's
// pipeline, if it has unfinished cells, instead of submitting them again.
func (g *globals) attachDetached(plan *runner.Plan, store *artifacts.Store, ex *slurm.Executor) {
	rec, err := slurm.ReadRecord(store, "", plan.Pipeline.Name)
	if err != nil {
		return
	}
	if n := ex.Attach(rec); n > 0 {
		fmt.Fprintf(g.stderr, "attaching to detached run %s (%d cells not done)\n", rec.Run, n)
	}
}

// readRecordArg reads the record named by RUN, or the latest detached run
// of the pipeline in FILE.
func (g *globals) readRecordArg(store *artifacts.Store, arg string) (*slurm.RunRecord, error) {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		p, ds := runner.Load(arg, nil, g.reg)
		if p == nil {
			return nil, g.diagnosticsError(ds, "text")
		}
		return slurm.ReadRecord(store, "", p.Name)
	}
	return slurm.ReadRecord(store, arg, "")
}

func newStatusCmd(g *globals) *cobra.Command {
	var wait bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "status RUN|FILE",
		Short: "Show what is pending, running, done and failed in a detached Slurm run",
		Long: "Show where every stage instance of a run submitted with apply --executor slurm --detach stands:\n" +
			"RUN is the run id it printed, FILE the pipeline file (its latest detached run).\n" +
			"The last line is 'state: running', 'state: done' or 'state: failed' (exit code 1).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.openStore()
			if err != nil {
				return err
			}
			rec, err := g.readRecordArg(store, args[0])
			if err != nil {
				return invalid(err)
			}
			for {
				cells, err := slurm.Status(cmd.Context(), nil, store, rec)
				if err != nil && !wait {
					return &exitError{code: exitFailed, err: fmt.Errorf("run %s: %w", rec.Run, err)}
				}
				if err == nil {
					state := printStatus(g, rec, cells)
					switch {
					case state == "failed":
						return &exitError{code: exitFailed, err: fmt.Errorf("run %s has failed cells", rec.Run)}
					case state == "done" || !wait:
						return nil
					}
				}
				select {
				case <-cmd.Context().Done():
					return &exitError{code: exitInterrupted, err: cmd.Context().Err()}
				case <-time.After(every):
				}
			}
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "poll until the run is done or failed")
	cmd.Flags().DurationVar(&every, "every", 2*time.Second, "polling interval with --wait")
	return cmd
}

// printStatus prints the counts by state and the failed cells, and returns
// the run's state: running, done or failed.
func printStatus(g *globals, rec *slurm.RunRecord, cells []slurm.CellStatus) string {
	counts := map[string]int{}
	var failed []slurm.CellStatus
	for _, c := range cells {
		counts[c.State]++
		if c.State == "failed" || c.State == "lost" {
			failed = append(failed, c)
		}
	}
	var parts []string
	for _, st := range []string{"done", "running", "pending", "failed", "skipped", "lost"} {
		parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
	}
	fmt.Fprintf(g.stdout, "run %s (%s): %s\n", rec.Run, rec.Pipeline, strings.Join(parts, ", "))
	sort.Slice(failed, func(i, j int) bool { return failed[i].ID < failed[j].ID })
	for _, c := range failed {
		fmt.Fprintf(g.stdout, "  %s %s: job %s %s; log %s\n", c.State, c.ID, c.JobID, c.Reason, c.Log)
		if tail := slurm.LogTail(c.Log); tail != "" {
			fmt.Fprintf(g.stdout, "%s\n", "      | "+strings.ReplaceAll(tail, "\n", "\n      | "))
		}
	}
	state := "running"
	switch {
	case counts["running"]+counts["pending"] > 0:
	case len(failed)+counts["skipped"] > 0:
		state = "failed"
	default:
		state = "done"
	}
	fmt.Fprintf(g.stdout, "state: %s\n", state)
	return state
}

func newCancelCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel RUN|FILE",
		Short: "Cancel the Slurm jobs of a detached run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.openStore()
			if err != nil {
				return err
			}
			rec, err := g.readRecordArg(store, args[0])
			if err != nil {
				return invalid(err)
			}
			n, err := slurm.Cancel(cmd.Context(), nil, rec)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(g.stdout, "cancelled the %d submissions of run %s\n", n, rec.Run)
			return nil
		},
	}
}

func init() { extraCommands = append(extraCommands, newStatusCmd, newCancelCmd) }
