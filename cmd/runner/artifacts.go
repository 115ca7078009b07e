package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
)

// writeArrowFile writes rec as an Arrow IPC file, atomically.
func writeArrowFile(path string, rec arrow.RecordBatch) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.arrow")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := artifacts.WriteIPC(tmp, rec); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newArtifactsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "artifacts", Short: "Browse and manage the artifact store"}
	cmd.AddCommand(&cobra.Command{
		Use: "ls", Short: "List entries: key, kind, stage, rows", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			keys, err := s.List()
			if err != nil {
				return err
			}
			for _, k := range keys {
				m, err := s.Lookup(k)
				if err != nil {
					fmt.Fprintf(g.stdout, "%s  (%v)\n", k, err)
					continue
				}
				var rows int64
				for _, o := range m.Outputs {
					rows += o.Rows
				}
				fmt.Fprintf(g.stdout, "%s  %-12s %-30s %d rows\n", k[:16], m.Kind, m.Stage, rows)
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "show KEY", Short: "Print an entry's manifest (a key prefix is enough)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, k, err := g.resolveKey(args[0])
			if err != nil {
				return err
			}
			m, err := s.Lookup(k)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			writeJSON(g.stdout, m)
			return nil
		},
	})
	cmd.AddCommand(newArtifactsExportCmd(g)) // results.go
	cmd.AddCommand(&cobra.Command{
		Use: "verify [KEY...]", Short: "Re-hash entries (all by default) and report corrupt ones",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			var keys []artifacts.Key
			if len(args) == 0 {
				if keys, err = s.List(); err != nil {
					return err
				}
			}
			for _, a := range args {
				_, k, err := g.resolveKey(a)
				if err != nil {
					return err
				}
				keys = append(keys, k)
			}
			bad := 0
			for _, k := range keys {
				if err := s.Verify(k); err != nil {
					bad++
					fmt.Fprintf(g.stdout, "corrupt %s: %v\n", k, err)
				}
			}
			fmt.Fprintf(g.stdout, "%d entries verified, %d corrupt\n", len(keys), bad)
			if bad > 0 {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	})
	var sets []string
	gc := &cobra.Command{
		Use: "gc FILE...", Short: "Remove every entry not used by the given pipeline files", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			keep := map[artifacts.Key]bool{}
			for _, f := range args {
				plan, err := g.loadPlan(f, sets, "text")
				if err != nil {
					return err
				}
				for _, n := range plan.Nodes {
					keep[n.Key] = true
				}
			}
			s, err := g.openStore()
			if err != nil {
				return err
			}
			removed, freed, err := s.GC(keep)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(g.stdout, "removed %d entries, freed %d bytes\n", len(removed), freed)
			return nil
		},
	}
	gc.Flags().StringArrayVar(&sets, "set", nil, "overrides applied to every FILE")
	cmd.AddCommand(gc)
	return cmd
}

// resolveKey expands a unique key prefix.
func (g *globals) resolveKey(prefix string) (*artifacts.Store, artifacts.Key, error) {
	s, err := g.openStore()
	if err != nil {
		return nil, "", err
	}
	keys, err := s.List()
	if err != nil {
		return nil, "", err
	}
	var match []artifacts.Key
	for _, k := range keys {
		if len(prefix) <= len(k) && string(k[:len(prefix)]) == prefix {
			match = append(match, k)
		}
	}
	sort.Slice(match, func(i, j int) bool { return match[i] < match[j] })
	switch len(match) {
	case 0:
		return nil, "", invalid(fmt.Errorf("no entry with key %q", prefix))
	case 1:
		return s, match[0], nil
	}
	return nil, "", invalid(fmt.Errorf("key prefix %q is ambiguous (%d entries)", prefix, len(match)))
}
