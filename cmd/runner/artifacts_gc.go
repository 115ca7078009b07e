package main

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
)

// humanBytes formats a byte count with a binary unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// entrySize is the size of an entry's files, manifest excluded.
func entrySize(m *artifacts.Manifest) (rows, bytes int64) {
	for _, o := range m.Outputs {
		rows += o.Rows
		bytes += o.Bytes
	}
	return rows, bytes
}

// stageMatches reports whether a stage instance id matches pattern: the id
// itself, its stage name (before "["), or a path.Match glob of either.
func stageMatches(pattern, id string) bool {
	base, _, _ := strings.Cut(id, "[")
	if pattern == id || pattern == base {
		return true
	}
	if ok, _ := path.Match(pattern, id); ok {
		return true
	}
	ok, _ := path.Match(pattern, base)
	return ok
}

func newLsCmd(g *globals) *cobra.Command {
	var kind, stage, run string
	var olderThan, newerThan time.Duration
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List entries: key, kind, stage, rows, size, age (filters: --kind --stage --run --older-than --newer-than)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			var inRun map[artifacts.Key]bool
			if run != "" {
				if inRun, err = s.RunKeys(run); err != nil {
					return invalid(fmt.Errorf("--run: %w", err))
				}
			}
			entries, err := s.ListAll()
			if err != nil {
				return err
			}
			now := time.Now()
			var total int64
			shown := 0
			for _, e := range entries {
				k := e.Key
				if inRun != nil && !inRun[k] {
					continue
				}
				m, err := s.Lookup(k)
				if err != nil {
					if kind == "" && stage == "" && olderThan == 0 && newerThan == 0 {
						fmt.Fprintf(g.stdout, "%s  (%v)\n", k, err)
					}
					continue
				}
				age := now.Sub(m.Created)
				switch {
				case kind != "" && m.Kind != kind,
					stage != "" && !stageMatches(stage, m.Stage),
					olderThan > 0 && age < olderThan,
					newerThan > 0 && age > newerThan:
					continue
				}
				rows, size := entrySize(m)
				total += size
				shown++
				where := ""
				if e.Layer {
					where = "  [read store " + e.Root + "]"
				}
				fmt.Fprintf(g.stdout, "%s  %-12s %-30s %8d rows %10s  %s%s\n", k[:16], m.Kind, m.Stage, rows,
					humanBytes(size), m.Created.UTC().Format(time.RFC3339), where)
			}
			if shown > 1 {
				fmt.Fprintf(g.stdout, "%d entries, %s\n", shown, humanBytes(total))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "only entries of this stage kind")
	f.StringVar(&stage, "stage", "", "only entries of this stage: an instance id, a stage name, or a glob of either")
	f.StringVar(&run, "run", "", "only entries listed by the journal of this run id")
	f.DurationVar(&olderThan, "older-than", 0, "only entries created longer ago than this, such as 720h")
	f.DurationVar(&newerThan, "newer-than", 0, "only entries created within this, such as 24h")
	return cmd
}

func newGCCmd(g *globals) *cobra.Command {
	var sets []string
	opts := artifacts.GCOptions{KeepWithin: artifacts.DefaultKeepWithin, Grace: artifacts.DefaultGrace}
	cmd := &cobra.Command{
		Use:   "gc [FILE...]",
		Short: "Show (and with --yes remove) entries no pipeline, pinned or recent run, or running apply needs",
		Long: `gc keeps every entry that one of the named pipeline files uses, every entry
listed by the journal of a pinned run (artifacts pin RUN) or of a run newer than
--keep-within, every entry of an apply that is running now (and any key whose
lease is held), and every entry written within --grace. It prints what the rest
would free and removes it only with --yes. It is safe beside running applies:
while it deletes, applies that start wait for it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Keep = map[artifacts.Key]bool{}
			for _, f := range args {
				plan, err := g.loadPlan(f, sets, "text")
				if err != nil {
					return err
				}
				for _, n := range plan.Nodes {
					opts.Keep[n.Key] = true
				}
			}
			s, err := g.openStore()
			if err != nil {
				return err
			}
			rep, err := s.Collect(opts)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			for _, it := range rep.Doomed {
				what := it.Kind + " " + it.Stage
				if it.Damaged != "" {
					what = "damaged"
				}
				fmt.Fprintf(g.stdout, "  %s  %-40s %10s\n", it.Key[:16], what, humanBytes(it.Bytes))
			}
			var kept []string
			for why, n := range rep.Kept {
				kept = append(kept, fmt.Sprintf("%d %s", n, why))
			}
			sort.Strings(kept)
			keptMsg := "nothing"
			if len(kept) > 0 {
				keptMsg = strings.Join(kept, ", ")
			}
			if len(rep.LiveRuns) > 0 {
				keptMsg += fmt.Sprintf("; running: %s", strings.Join(rep.LiveRuns, ", "))
			}
			if !rep.Deleted {
				fmt.Fprintf(g.stdout, "would remove %d entries, freeing %d bytes (%s); kept: %s\nrun again with --yes to remove them\n",
					len(rep.Doomed), rep.Bytes, humanBytes(rep.Bytes), keptMsg)
				return nil
			}
			fmt.Fprintf(g.stdout, "removed %d entries, freed %d bytes (%s, and %s of temporary files); kept: %s\n",
				len(rep.Doomed), rep.Bytes, humanBytes(rep.Bytes), humanBytes(rep.TmpFreed), keptMsg)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&sets, "set", nil, "overrides applied to every FILE")
	f.BoolVar(&opts.Delete, "yes", false, "remove the entries (default: only show them)")
	f.DurationVar(&opts.KeepWithin, "keep-within", opts.KeepWithin, "keep every entry of runs newer than this (0: none)")
	f.DurationVar(&opts.Grace, "grace", opts.Grace, "keep every entry written within this (0: none)")
	return cmd
}

func newPinCmds(g *globals) []*cobra.Command {
	pin := &cobra.Command{
		Use:   "pin [RUN...]",
		Short: "Keep every entry of a run (a journal id, see the apply summary) through gc; no RUN lists runs",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				runs, err := s.Runs()
				if err != nil {
					return err
				}
				for _, r := range runs {
					mark := ""
					if r.Pinned {
						mark = "  pinned"
					}
					fmt.Fprintf(g.stdout, "%s  %s%s\n", r.Modified.UTC().Format(time.RFC3339), r.ID, mark)
				}
				return nil
			}
			for _, id := range args {
				if err := s.Pin(id); err != nil {
					return invalid(err)
				}
				fmt.Fprintf(g.stdout, "pinned %s\n", id)
			}
			return nil
		},
	}
	unpin := &cobra.Command{
		Use:   "unpin RUN...",
		Short: "Undo pin",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			for _, id := range args {
				if err := s.Unpin(id); err != nil {
					return invalid(err)
				}
				fmt.Fprintf(g.stdout, "unpinned %s\n", id)
			}
			return nil
		},
	}
	return []*cobra.Command{pin, unpin}
}
