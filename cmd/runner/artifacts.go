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
	cmd.AddCommand(newLsCmd(g))
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
	var reportOnly bool
	verify := &cobra.Command{
		Use:   "verify [KEY...]",
		Short: "Re-hash entries (all by default), report damage and quarantine it",
		Long: `verify fully checks entries: manifest present, unedited (its own digest) and naming
its key; every output file present with its recorded size and SHA-256. Without KEYs it
checks the whole store, including stray items under objects/ that are no entry.
Damaged items are moved into <store>/quarantine/<time>/ (with reasons.txt), so the next
apply recomputes exactly them; --report-only moves nothing. Exit code 1 when damage
was found.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			opts := artifacts.VerifyOptions{ReportOnly: reportOnly}
			for _, a := range args {
				_, k, err := g.resolveKey(a)
				if err != nil {
					return err
				}
				opts.Keys = append(opts.Keys, k)
			}
			rep, err := s.VerifyStore(cmd.Context(), opts)
			if rep != nil {
				for _, d := range rep.Damaged {
					what := d.Path
					if d.Key != "" {
						what = string(d.Key)
					}
					fmt.Fprintf(g.stdout, "corrupt %s: %s\n", what, d.Reason)
					if d.Quarantined != "" {
						fmt.Fprintf(g.stdout, "  quarantined to %s\n", d.Quarantined)
					}
				}
				stray := 0
				for _, d := range rep.Damaged {
					if d.Key == "" {
						stray++
					}
				}
				fmt.Fprintf(g.stdout, "%d entries verified, %d corrupt", rep.Entries, len(rep.Damaged)-stray)
				if stray > 0 {
					fmt.Fprintf(g.stdout, ", %d stray items", stray)
				}
				if rep.QuarantineDir != "" {
					fmt.Fprintf(g.stdout, ", quarantined in %s", filepath.Join(s.Root(), rep.QuarantineDir))
				}
				if rep.Legacy > 0 {
					fmt.Fprintf(g.stdout, " (%d with an old-format manifest: files checked, manifest edits undetectable)", rep.Legacy)
				}
				fmt.Fprintln(g.stdout)
			}
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if len(rep.Damaged) > 0 {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&reportOnly, "report-only", false, "report damage, move nothing")
	cmd.AddCommand(verify)
	cmd.AddCommand(newGCCmd(g))
	cmd.AddCommand(shareCommands(g)...)
	return cmd
}

// resolveKey expands a unique key prefix.
func (g *globals) resolveKey(prefix string) (*artifacts.Store, artifacts.Key, error) {
	s, err := g.openStore()
	if err != nil {
		return nil, "", err
	}
	listed, err := s.ListAll() // read stores too
	if err != nil {
		return nil, "", err
	}
	var match []artifacts.Key
	for _, e := range listed {
		k := e.Key
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
