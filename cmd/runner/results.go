package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/internal/suggest"
	"github.com/chaos-runner/runner/runner"
)

func init() { extraCommands = append(extraCommands, newResultsCmd) }

func newResultsCmd(g *globals) *cobra.Command {
	var sets []string
	var port, format string
	var limit int
	var keyOnly bool
	cmd := &cobra.Command{
		Use:   "results FILE STAGE[CELL]",
		Short: "Print a stage's output table from the store, found by its id in the pipeline file",
		Long: "Print the output table of one stage instance, found in the store by the key the file " +
			"gives it (as `runner plan` computes it): STAGE for a stage without foreach, STAGE[v1,v2] for a " +
			"matrix cell (values in foreach order, as in input selectors; axis=value elements may be " +
			"given in any order). A selection with * (STAGE[*], STAGE[Lorenz,*]) lists the matching cells " +
			"and whether they are computed. --port picks the port of a stage with several.",
		Example: "  runner results pipelines/smoke.yaml all_train --limit 5\n" +
			"  runner results pipelines/examples/nvar-sweep.yaml 'score[2,1e-6]' --port metrics --format csv\n" +
			"  runner results pipelines/chaos-benchmark.yaml 'fit[Lorenz,*,0]'",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			if limit < 0 {
				return invalid(fmt.Errorf("--limit %d: want 0 (every row) or more", limit))
			}
			plan, err := g.loadPlan(args[0], sets, "text")
			if err != nil {
				return err
			}
			nodes, list, err := selectNodes(plan, args[1])
			if err != nil {
				return invalid(err)
			}
			store, err := g.openStore()
			if err != nil {
				return err
			}
			if keyOnly {
				return g.printKeys(store, nodes, list, args[0])
			}
			if list {
				return g.listCells(store, nodes, format)
			}
			return g.printResult(store, nodes[0], args[0], port, format, limit)
		},
	}
	f := cmd.Flags()
	addSetFlag(f, &sets)
	f.StringVar(&port, "port", "", "output port to print (default: the stage's only port)")
	f.StringVar(&format, "format", "table", "table, csv or json")
	f.IntVar(&limit, "limit", 0, "print at most N rows (0: every row)")
	f.BoolVar(&keyOnly, "key", false, "print the store key instead (of each computed cell, for a selection with *), for `runner artifacts export`")
	return cmd
}

// selectNodes finds the instances a STAGE[CELL] argument names. list is true
// for a selection with wildcards, which may match any number of cells.
func selectNodes(plan *runner.Plan, arg string) (nodes []*runner.Node, list bool, err error) {
	arg = strings.TrimSpace(arg)
	if n := plan.Node(arg); n != nil {
		return []*runner.Node{n}, false, nil
	}
	stage, inner, bracket := arg, "", false
	if i := strings.IndexByte(arg, '['); i >= 0 {
		if !strings.HasSuffix(arg, "]") {
			return nil, false, fmt.Errorf("%q: want STAGE or STAGE[v1,v2,...] (missing \"]\")", arg)
		}
		stage, inner, bracket = arg[:i], strings.TrimSpace(arg[i+1:len(arg)-1]), true
	}
	var ids []string
	seen := map[string]bool{}
	var cells []*runner.Node
	for _, n := range plan.Nodes {
		if !seen[n.Inst.Stage] {
			seen[n.Inst.Stage] = true
			ids = append(ids, n.Inst.Stage)
		}
		if n.Inst.Stage == stage {
			cells = append(cells, n)
		}
	}
	if len(cells) == 0 {
		return nil, false, fmt.Errorf("no stage %q in %s%s", stage, plan.Pipeline.File, didYouMeanOrList(stage, ids))
	}
	axes := make([]string, len(cells[0].Cell))
	for i, av := range cells[0].Cell {
		axes[i] = av.Axis
	}
	if len(axes) == 0 {
		if bracket {
			return nil, false, fmt.Errorf("stage %q has no foreach, so it has no cells to select; write %s", stage, stage)
		}
		return cells, false, nil
	}
	if !bracket {
		return nil, false, fmt.Errorf("stage %q runs for each %s (%d cells): name one, such as %s, or list them with %s[*]",
			stage, strings.Join(axes, ", "), len(cells), cells[0].ID(), stage)
	}
	if inner == "" {
		return nil, false, fmt.Errorf("%q: empty brackets (use %s[*] to list every cell)", arg, stage)
	}
	if inner == "*" {
		return cells, true, nil
	}
	// want[i] is the value asked for axis i; "" leaves it free.
	want := make([]string, len(axes))
	parts := strings.Split(inner, ",")
	named := strings.Contains(inner, "=")
	if !named && len(parts) != len(axes) {
		return nil, false, fmt.Errorf("%q: stage %s has %d axes (%s), got %d values; use * for any value",
			arg, stage, len(axes), strings.Join(axes, ", "), len(parts))
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		axis := i
		if name, val, ok := strings.Cut(p, "="); ok {
			name, p = strings.TrimSpace(name), strings.TrimSpace(val)
			axis = indexOf(axes, name)
			if axis < 0 {
				return nil, false, fmt.Errorf("%q: stage %s has no axis %q%s", arg, stage, name, didYouMeanOrList(name, axes))
			}
		} else if named {
			return nil, false, fmt.Errorf("%q: write every element as axis=value, or none", arg)
		}
		if p == "" {
			return nil, false, fmt.Errorf("%q: empty element", arg)
		}
		if p == "*" {
			list = true
			continue
		}
		want[axis] = p
	}
	if named {
		for _, w := range want {
			list = list || w == ""
		}
	}
	// Check each value against the axis's values, for a did-you-mean.
	for i, w := range want {
		if w == "" {
			continue
		}
		var vals []string
		has := map[string]bool{}
		for _, n := range cells {
			v := n.Cell[i].Value
			if !has[v] {
				has[v] = true
				vals = append(vals, v)
			}
		}
		if !has[w] {
			return nil, false, fmt.Errorf("%q: stage %s has no cell with %s=%s%s", arg, stage, axes[i], w, didYouMeanOrList(w, vals))
		}
	}
	for _, n := range cells {
		ok := true
		for i, w := range want {
			ok = ok && (w == "" || n.Cell[i].Value == w)
		}
		if ok {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		// Every value exists, but not together (a matrix exclude).
		return nil, false, fmt.Errorf("%q: stage %s has no such cell (the values exist, not in one cell)", arg, stage)
	}
	return nodes, list, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// listCells prints the cells of a wildcard selection with their status.
func (g *globals) listCells(store *artifacts.Store, nodes []*runner.Node, format string) error {
	type row struct {
		Stage  string `json:"stage"`
		Status string `json:"status"`
		Key    string `json:"key"`
		Rows   int64  `json:"rows"`
		Error  string `json:"error,omitempty"`
	}
	lr := readLastRun(store)
	rows := make([]row, len(nodes))
	width, computed := 0, 0
	for i, n := range nodes {
		r := row{Stage: n.ID(), Key: string(n.Key)}
		m, err := store.Lookup(n.Key)
		switch {
		case err == nil:
			r.Status = "computed"
			computed++
			for _, o := range m.Outputs {
				r.Rows += o.Rows
			}
		case errors.Is(err, artifacts.ErrNotFound):
			r.Status = "missing"
			if status, why := lr.failure(n.Key); status != "" {
				r.Status, r.Error = status, why
			}
		default:
			r.Status, r.Error = "corrupt", err.Error()
		}
		rows[i] = r
		width = max(width, len(r.Stage))
	}
	switch format {
	case "json":
		writeJSON(g.stdout, rows)
	case "csv":
		cw := csv.NewWriter(g.stdout)
		_ = cw.Write([]string{"stage", "status", "key", "rows", "error"})
		for _, r := range rows {
			_ = cw.Write([]string{r.Stage, r.Status, r.Key, strconv.FormatInt(r.Rows, 10), r.Error})
		}
		cw.Flush()
		return cw.Error()
	default:
		for _, r := range rows {
			if r.Error != "" {
				fmt.Fprintf(g.stdout, "%-8s  %-*s  %s  %s\n", r.Status, width, r.Stage, r.Key[:16], r.Error)
				continue
			}
			fmt.Fprintf(g.stdout, "%-8s  %-*s  %s  %d rows\n", r.Status, width, r.Stage, r.Key[:16], r.Rows)
		}
		fmt.Fprintf(g.stdout, "%d of %d cells computed\n", computed, len(rows))
	}
	return nil
}

// printKeys prints the key of one computed instance, or of every computed
// cell of a wildcard selection (saying how many are missing on stderr).
func (g *globals) printKeys(store *artifacts.Store, nodes []*runner.Node, list bool, file string) error {
	if !list {
		if _, err := store.Lookup(nodes[0].Key); err != nil {
			return notComputed(store, nodes[0], file, err)
		}
		fmt.Fprintln(g.stdout, nodes[0].Key)
		return nil
	}
	missing := 0
	for _, n := range nodes {
		if _, err := store.Lookup(n.Key); err != nil {
			missing++
			continue
		}
		fmt.Fprintln(g.stdout, n.Key)
	}
	if missing > 0 {
		fmt.Fprintf(g.stderr, "%d of %d cells are not computed (or corrupt)\n", missing, len(nodes))
	}
	return nil
}

// notComputed explains a failed Lookup of n's key.
func notComputed(store *artifacts.Store, n *runner.Node, file string, err error) error {
	if !errors.Is(err, artifacts.ErrNotFound) {
		return &exitError{code: exitFailed, err: fmt.Errorf("stage %s: %w", n.ID(), err)}
	}
	msg := fmt.Sprintf("stage %s is not computed yet; run `runner apply %s`", n.ID(), file)
	if n.Volatile {
		msg = fmt.Sprintf("stage %s is volatile (its outputs differ on every run), so no stored entry has the key this file gives it; see `runner artifacts ls`", n.ID())
	} else if lr := readLastRun(store); lr.id != "" {
		if status, why := lr.failure(n.Key); status != "" {
			verb := "failed"
			if status == "skipped" {
				verb = "was skipped"
			}
			msg = fmt.Sprintf("stage %s is not computed: it %s in run %s (%s); fix it and run `runner apply %s`", n.ID(), verb, lr.id, why, file)
		}
	}
	return &exitError{code: exitFailed, err: errors.New(msg)}
}

// printResult prints one port of one computed instance.
func (g *globals) printResult(store *artifacts.Store, n *runner.Node, file, port, format string, limit int) error {
	m, err := store.Lookup(n.Key)
	if err != nil {
		return notComputed(store, n, file, err)
	}
	names := make([]string, len(m.Outputs))
	for i, o := range m.Outputs {
		names[i] = o.Port
	}
	if port == "" {
		if len(names) != 1 {
			return invalid(fmt.Errorf("stage %s has %d output ports (%s): pick one with --port", n.ID(), len(names), strings.Join(names, ", ")))
		}
		port = names[0]
	}
	o, ok := m.Output(port)
	if !ok {
		return invalid(fmt.Errorf("stage %s has no output port %q%s", n.ID(), port, didYouMeanOrList(port, names)))
	}
	if !strings.HasSuffix(o.File, ".arrow") {
		// A file output (a report, a plot): say where it is.
		fmt.Fprintln(g.stdout, filepath.Join(store.Dir(n.Key), o.File))
		return nil
	}
	rec, err := store.Read(n.Key, port)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("stage %s: %w", n.ID(), err)}
	}
	defer rec.Release()
	total := rec.NumRows()
	if limit > 0 && int64(limit) < total {
		rec = rec.NewSlice(0, int64(limit))
		defer rec.Release()
		fmt.Fprintf(g.stderr, "%s.%s: first %d of %d rows\n", n.ID(), port, limit, total)
	}
	if err := writeTable(g.stdout, rec, format); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// lastRun is what the newest run journal recorded per key.
type lastRun struct {
	id      string
	entries map[artifacts.Key]artifacts.JournalEntry
}

// readLastRun reads the newest journal of the store; a store without one,
// or a journal that cannot be read, gives an empty lastRun.
func readLastRun(store *artifacts.Store) lastRun {
	files, _ := filepath.Glob(filepath.Join(store.Root(), "runs", "*.jsonl"))
	var newest string
	var newestTime time.Time
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && (newest == "" || fi.ModTime().After(newestTime)) {
			newest, newestTime = f, fi.ModTime()
		}
	}
	lr := lastRun{entries: map[artifacts.Key]artifacts.JournalEntry{}}
	if newest == "" {
		return lr
	}
	lr.id = strings.TrimSuffix(filepath.Base(newest), ".jsonl")
	entries, err := store.ReadJournal(lr.id)
	if err != nil {
		return lr
	}
	for _, e := range entries {
		lr.entries[e.Key] = e // the last entry of a key wins
	}
	return lr
}

// failure says why key is missing if the last run failed or skipped it, or "".
func (lr lastRun) failure(key artifacts.Key) (status, why string) {
	e, ok := lr.entries[key]
	if !ok || (e.Status != "failed" && e.Status != "skipped") {
		return "", ""
	}
	return e.Status, e.Error
}

func newArtifactsExportCmd(g *globals) *cobra.Command {
	var format string
	var ports []string
	cmd := &cobra.Command{
		Use:   "export KEY DIR",
		Short: "Write an entry's tables to DIR as Arrow, Parquet or CSV files (a key prefix is enough)",
		Long: "Write the output tables of an entry to DIR as PORT.arrow (a copy of the stored file), " +
			"PORT.parquet (the Arrow schema and its metadata kept, so pyarrow, polars and DuckDB see the same " +
			"types, list columns included) or PORT.csv (one header row; list cells as JSON arrays, nulls as empty " +
			"fields, NaN/inf/-inf for non-finite floats; no schema metadata). Every file is written under a " +
			"temporary name and renamed, and checked against the entry's digests.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, artifacts.ExportFormats...); err != nil {
				return err
			}
			var s *artifacts.Store
			k, err := artifacts.ParseKey(args[0])
			if err == nil {
				// A whole key needs no listing of the store (a loop over
				// `runner results --key` exports many).
				s, err = g.openStore()
			} else {
				s, k, err = g.resolveKey(args[0])
			}
			if err != nil {
				return err
			}
			if len(ports) > 0 {
				m, err := s.Lookup(k)
				if errors.Is(err, artifacts.ErrNotFound) {
					return invalid(fmt.Errorf("no entry with key %q", args[0]))
				}
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				names := make([]string, len(m.Outputs))
				for i, o := range m.Outputs {
					names[i] = o.Port
				}
				for _, p := range ports {
					if _, ok := m.Output(p); !ok {
						return invalid(fmt.Errorf("entry %s (%s) has no output port %q%s", k.Short(), m.Stage, p, didYouMeanOrList(p, names)))
					}
				}
			}
			paths, err := s.ExportAs(k, args[1], format, ports...)
			if errors.Is(err, artifacts.ErrNotFound) {
				return invalid(fmt.Errorf("no entry with key %q", args[0]))
			}
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			for _, p := range paths {
				fmt.Fprintln(g.stdout, p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "arrow", "arrow, parquet or csv")
	cmd.Flags().StringSliceVar(&ports, "port", nil, "export only this port (repeatable, or comma-separated)")
	return cmd
}

// didYouMeanOrList names the closest option, or lists few options.
func didYouMeanOrList(name string, options []string) string {
	if s := suggest.DidYouMean(name, options); s != "" {
		return s
	}
	if len(options) > 0 && len(options) <= 12 {
		return fmt.Sprintf(" (one of: %s)", strings.Join(options, ", "))
	}
	return ""
}
