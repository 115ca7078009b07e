package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/runner/slurm"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// loadPlan loads, expands and binds a pipeline file.
func (g *globals) loadPlan(path string, sets []string, format string) (*runner.Plan, error) {
	return g.loadPlanThen(path, sets, format, nil)
}

// loadPlanThen is loadPlan that calls loaded, if not nil, with the expanded
// pipeline of a sound file before binding it (binding a million cells
// takes seconds: apply reads the store's indexes meanwhile).
func (g *globals) loadPlanThen(path string, sets []string, format string, loaded func(*spec.Pipeline)) (*runner.Plan, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, invalid(fmt.Errorf("pipeline file: %w", err))
	}
	g.pipelineFile = path // its runner.yaml may name read stores
	p, ds := runner.Load(path, sets, g.reg)
	if len(ds) > 0 {
		// The sound part of a faulty file is bound too, so that param, kind
		// and port problems come in the same report as structural ones.
		if p != nil {
			_, pds := runner.NewPlan(p, g.reg)
			ds = append(ds, pds...)
		}
		return nil, g.diagnosticsError(ds, format)
	}
	if loaded != nil {
		loaded(p)
	}
	plan, ds := runner.NewPlan(p, g.reg)
	if len(ds) > 0 {
		return nil, g.diagnosticsError(ds, format)
	}
	return plan, nil
}

// addSetFlag adds the --set overrides of every command that reads a pipeline.
func addSetFlag(f *pflag.FlagSet, sets *[]string) {
	f.StringArrayVar(sets, "set", nil, "override: seed=N or STAGE.PARAM=VALUE (repeatable)")
}

// loadPlanAs checks a text|json --format and loads the plan, reporting
// problems in that format.
func (g *globals) loadPlanAs(path string, sets []string, format string) (*runner.Plan, error) {
	if err := checkFormat(format, "text", "json"); err != nil {
		return nil, err
	}
	return g.loadPlan(path, sets, format)
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return invalid(fmt.Errorf("unknown --format %q (want %s)", format, strings.Join(allowed, ", ")))
}

func newValidateCmd(g *globals) *cobra.Command {
	var sets []string
	var format string
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a pipeline file and report every problem as file:line:col",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := g.loadPlanAs(args[0], sets, format)
			if err != nil {
				return err
			}
			if ds := memoryDiagnostics(plan); len(ds) > 0 {
				return g.diagnosticsError(ds, format)
			}
			if format == "json" {
				writeJSON(g.stdout, map[string]any{"ok": true, "diagnostics": []any{}, "stages": len(plan.Nodes)})
				return nil
			}
			fmt.Fprintf(g.stdout, "%s: ok (%d stage instances)\n", args[0], len(plan.Nodes))
			return nil
		},
	}
	addSetFlag(cmd.Flags(), &sets)
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func newPlanCmd(g *globals) *cobra.Command {
	var sets []string
	var format string
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Say for every stage whether it is cached or will run, and why",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := g.loadPlanAs(args[0], sets, format)
			if err != nil {
				return err
			}
			store, err := g.openStore()
			if err != nil {
				return err
			}
			for _, d := range memoryDiagnostics(plan) {
				fmt.Fprintf(g.stderr, "warning: %s (this instance will fail)\n", d)
			}
			decisions := plan.Decide(store, 4)
			type row struct {
				Stage  string `json:"stage"`
				Status string `json:"status"`
				Reason string `json:"reason,omitempty"`
				Key    string `json:"key"`
			}
			rows := make([]row, len(plan.Nodes))
			toRun := 0
			width := 0
			for i, n := range plan.Nodes {
				st := "cached"
				if !decisions[i].Cached {
					st = "run"
					toRun++
				}
				rows[i] = row{Stage: n.ID(), Status: st, Reason: decisions[i].Reason, Key: string(n.Key)}
				width = max(width, len(n.ID()))
			}
			if format == "json" {
				writeJSON(g.stdout, map[string]any{"pipeline": plan.Pipeline.Name, "stages": rows, "run": toRun, "cached": len(rows) - toRun})
				return nil
			}
			// Buffered: a million-cell plan is a million lines.
			w := bufio.NewWriterSize(g.stdout, 1<<16)
			for _, r := range rows {
				if r.Reason != "" {
					fmt.Fprintf(w, "%-6s  %-*s  %s\n", r.Status, width, r.Stage, r.Reason)
				} else {
					fmt.Fprintf(w, "%-6s  %s\n", r.Status, r.Stage)
				}
			}
			fmt.Fprintf(w, "%d to run, %d cached\n", toRun, len(rows)-toRun)
			return w.Flush()
		},
	}
	addSetFlag(cmd.Flags(), &sets)
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func newApplyCmd(g *globals) *cobra.Command {
	var sets []string
	var opts runner.Options
	var executor, slurmArgs string
	var resources []string
	var detach bool
	var quiet bool
	cmd := &cobra.Command{
		Use:   "apply FILE",
		Short: "Run every stage that is not cached, in parallel, in dependency order",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch executor {
			case "local":
				if cmd.Flags().Changed("slurm-args") {
					return invalid(errors.New("--slurm-args needs --executor slurm"))
				}
				if detach {
					return invalid(errors.New("--detach needs --executor slurm"))
				}
			case "slurm":
				if _, err := exec.LookPath("sbatch"); err != nil {
					return invalid(errors.New("slurm executor: sbatch not found"))
				}
			default:
				return invalid(fmt.Errorf("unknown --executor %q (want local or slurm)", executor))
			}
			var store *artifacts.Store
			var storeErr error
			plan, err := g.loadPlanThen(args[0], sets, "text", func(p *spec.Pipeline) {
				if store, storeErr = g.openStore(); storeErr == nil {
					store.Prefetch(p.Name)
				}
			})
			if err != nil {
				return err
			}
			if storeErr != nil {
				return storeErr
			}
			if err := overrideResources(plan, resources); err != nil {
				return invalid(err)
			}
			if executor == "slurm" {
				ex, err := newSlurmExecutor(args[0], plan.Pipeline.Name, sets, store.Root(), slurmArgs)
				if err != nil {
					return invalid(err)
				}
				if detach {
					return g.detach(cmd.Context(), plan, store, ex)
				}
				g.attachDetached(plan, store, ex)
				opts.Executor = ex
				if !cmd.Flags().Changed("jobs") {
					// A queued job costs a goroutine here, not a core.
					opts.Jobs = min(max(len(plan.Nodes), 1), 1000)
				}
			}
			opts.Log = g.stderr
			if quiet {
				opts.Log = nil
			}
			if f, ok := g.stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
				opts.Terminal = true
			}
			res, err := runner.Apply(cmd.Context(), plan, store, opts)
			if res != nil {
				journal := "journal " + res.JournalPath
				if res.JournalPath == "" {
					journal = "no journal"
				}
				fmt.Fprintf(g.stdout, "%d ran, %d cached, %d failed, %d skipped, %d interrupted in %.2fs (%s)\n",
					res.Ran, res.Cached, res.Failed, res.Skipped, res.Interrupted, res.Elapsed.Seconds(), journal)
			}
			switch {
			case err == nil:
				return nil
			case errors.Is(err, runner.ErrInterrupted) || cmd.Context().Err() != nil:
				return &exitError{code: exitInterrupted, err: err}
			case res == nil:
				return invalid(err)
			default:
				return &exitError{code: exitFailed, err: err}
			}
		},
	}
	f := cmd.Flags()
	addSetFlag(f, &sets)
	f.IntVarP(&opts.Jobs, "jobs", "j", 0, "stages run in parallel (default: number of cores; with --executor slurm: every ready stage, up to 1000 queued jobs)")
	f.BoolVar(&opts.FailFast, "fail-fast", false, "stop scheduling new stages after the first failure")
	f.StringVar(&executor, "executor", "local", "where stages run: local (this process) or slurm (one batch job per stage instance; the store must be on a filesystem shared with the compute nodes)")
	f.StringVar(&slurmArgs, "slurm-args", "", "extra sbatch arguments for every job, such as \"--partition=short --mem=2G\"")
	f.BoolVar(&detach, "detach", false, "with --executor slurm: submit everything that must run with afterok dependencies and exit (follow with runner status)")
	f.StringArrayVar(&resources, "resource", nil, "batch-job resources over the file's: [STAGE.]KEY=VALUE such as mem=8G or fit.time=2h (repeatable)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	return cmd
}

// overrideResources applies --resource overrides to the plan's instances.
func overrideResources(plan *runner.Plan, overrides []string) error {
	for _, o := range overrides {
		stage, r, err := spec.ParseResourceOverride(o)
		if err != nil {
			return err
		}
		found := false
		for _, n := range plan.Nodes {
			if stage == "" || n.Inst.Stage == stage {
				n.Inst.Resources = n.Inst.Resources.Override(r)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("--resource %q: no stage %q in the pipeline", o, stage)
		}
	}
	return nil
}

// newSlurmExecutor builds the Slurm executor: jobs run this binary on the
// compiled specs of their cells and the same store.
func newSlurmExecutor(pipeline, name string, sets []string, store, extra string) (*slurm.Executor, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("slurm executor: locate the runner binary: %w", err)
	}
	pipeline, err = filepath.Abs(pipeline)
	if err != nil {
		return nil, fmt.Errorf("slurm executor: %w", err)
	}
	store, err = filepath.Abs(store)
	if err != nil {
		return nil, fmt.Errorf("slurm executor: %w", err)
	}
	sbatchArgs, err := splitArgs(extra)
	if err != nil {
		return nil, fmt.Errorf("--slurm-args: %w", err)
	}
	return slurm.New(slurm.Config{
		Runner: bin, Pipeline: pipeline, Name: name, Sets: sets, Store: store, Args: sbatchArgs,
	})
}

func newStagesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "stages [KIND]",
		Short: "Print the reference documentation of the stage kinds",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				for _, k := range g.reg.Kinds() {
					fmt.Fprintf(g.stdout, "%-14s %s\n", k.Name(), k.Summary())
				}
				return nil
			}
			k, ok := g.reg.Lookup(args[0])
			if !ok {
				return invalid(fmt.Errorf("unknown stage kind %q (known: %s)", args[0], strings.Join(g.reg.Names(), ", ")))
			}
			fmt.Fprint(g.stdout, stages.KindMarkdown(k))
			return nil
		},
	}
}

func newSchemaCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of pipeline files (for editors)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := g.reg.JSONSchema()
			if err != nil {
				return err
			}
			_, err = g.stdout.Write(b)
			return err
		},
	}
}

func newGraphCmd(g *globals) *cobra.Command {
	var sets []string
	var format string
	cmd := &cobra.Command{
		Use:   "graph FILE",
		Short: "Print the stage DAG as Graphviz DOT or Mermaid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "dot", "mermaid"); err != nil {
				return err
			}
			plan, err := g.loadPlan(args[0], sets, "text")
			if err != nil {
				return err
			}
			ids := map[string]string{}
			for i, n := range plan.Nodes {
				ids[n.ID()] = fmt.Sprintf("n%d", i)
			}
			type edge struct{ from, to, label string }
			var edges []edge
			for _, n := range plan.Nodes {
				for _, in := range n.Inst.Inputs {
					for _, src := range in.Sources {
						edges = append(edges, edge{ids[src.Instance], ids[n.ID()], src.Port + " -> " + in.Port})
					}
				}
			}
			if format == "dot" {
				fmt.Fprintf(g.stdout, "digraph %q {\n  rankdir=LR;\n", plan.Pipeline.Name)
				for _, n := range plan.Nodes {
					fmt.Fprintf(g.stdout, "  %s [label=%q, shape=box];\n", ids[n.ID()], n.ID()+"\n"+n.Kind.Name())
				}
				for _, e := range edges {
					fmt.Fprintf(g.stdout, "  %s -> %s [label=%q];\n", e.from, e.to, e.label)
				}
				fmt.Fprintln(g.stdout, "}")
				return nil
			}
			fmt.Fprintln(g.stdout, "flowchart LR")
			for _, n := range plan.Nodes {
				fmt.Fprintf(g.stdout, "  %s[\"%s<br/>%s\"]\n", ids[n.ID()], mermaidEscape(n.ID()), n.Kind.Name())
			}
			for _, e := range edges {
				fmt.Fprintf(g.stdout, "  %s -->|%s| %s\n", e.from, mermaidEscape(e.label), e.to)
			}
			return nil
		},
	}
	addSetFlag(cmd.Flags(), &sets)
	cmd.Flags().StringVar(&format, "format", "dot", "dot or mermaid")
	return cmd
}

func mermaidEscape(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "[", "#91;", "]", "#93;", "|", "#124;", ">", "#gt;")
	return r.Replace(s)
}
