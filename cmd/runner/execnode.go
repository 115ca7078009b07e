package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/runner"
)

// newExecNodeCmd is what a batch job runs: cells of a run, from the
// compiled job specs the submitting runner wrote (runner.JobSpec); the
// pipeline file is never read. Each cell is computed and stored on its own
// (an entry is written atomically), and its exit code is recorded in
// <rc-dir>/cell-<index>.rc at once, so a job that dies loses only the cells
// it had not finished. The submitting runner holds the key locks, checks
// the entries and schedules everything else.
func newExecNodeCmd(g *globals) *cobra.Command {
	var specPath, rcDir string
	var first, count int
	cmd := &cobra.Command{
		Use:    "exec-node --spec FILE [--first I --count N --rc-dir DIR]",
		Short:  "Compute cells of a run from their compiled job specs (used by batch executors)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			specs, err := runner.ReadJobSpecs(specPath)
			if err != nil {
				return invalid(err)
			}
			if first < 0 || count < 1 || first >= len(specs) {
				return invalid(fmt.Errorf("cells %d..%d: %s has %d", first, first+count-1, specPath, len(specs)))
			}
			store, err := g.openStore()
			if err != nil {
				return err
			}
			var failed []string
			for i := first; i < min(first+count, len(specs)); i++ {
				js := &specs[i]
				rcPath := filepath.Join(rcDir, "cell-"+strconv.Itoa(i)+".rc")
				if rcDir != "" && readRC(rcPath) == 0 {
					continue // done by an earlier attempt of this job
				}
				err := runner.ExecuteJob(cmd.Context(), js, g.reg, store)
				if cmd.Context().Err() != nil {
					return &exitError{code: exitInterrupted, err: err}
				}
				rc := 0
				if err != nil {
					rc = exitFailed
					if errors.Is(err, runner.ErrJobSpec) {
						rc = exitInvalid
					}
					fmt.Fprintf(g.stderr, "stage %s: %v\n", js.ID, err)
					failed = append(failed, js.ID)
				}
				if rcDir != "" {
					if err := writeRC(rcPath, rc); err != nil {
						return err
					}
				}
			}
			if len(failed) > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("%d of the job's cells failed: %s", len(failed), strings.Join(failed, ", "))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "job specs file written by the submitting runner")
	cmd.Flags().IntVar(&first, "first", 0, "index of the first cell to compute")
	cmd.Flags().IntVar(&count, "count", 1, "number of cells to compute")
	cmd.Flags().StringVar(&rcDir, "rc-dir", "", "directory for the cells' exit-code files cell-<index>.rc")
	_ = cmd.MarkFlagRequired("spec")
	return cmd
}

// readRC reads an exit-code file; -1 when absent or unreadable.
func readRC(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	rc, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return rc
}

// writeRC writes an exit-code file atomically.
func writeRC(path string, rc int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(rc)+"\n"), 0o644); err != nil {
		return fmt.Errorf("cell exit code: %w", err)
	}
	return os.Rename(tmp, path)
}

func init() { extraCommands = append(extraCommands, newExecNodeCmd) }
