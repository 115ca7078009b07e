package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
)

// shareCommands are the artifacts subcommands that move entries between
// stores and protect runs: bundle, import, pin, unpin.
func shareCommands(g *globals) []*cobra.Command {
	var sets []string
	var pipeline string
	bundle := &cobra.Command{
		Use:   "bundle OUT.tar --pipeline FILE",
		Short: "Write every entry a pipeline's plan names into one verified tar file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pipeline == "" {
				return invalid(errors.New("bundle: --pipeline FILE is required"))
			}
			plan, err := g.loadPlan(pipeline, sets, "text")
			if err != nil {
				return err
			}
			s, err := g.openStore()
			if err != nil {
				return err
			}
			keys := make([]artifacts.Key, 0, len(plan.Nodes))
			for _, n := range plan.Nodes {
				keys = append(keys, n.Key)
			}
			out := args[0]
			tmp, err := os.CreateTemp(filepath.Dir(out), ".bundle-*.tar")
			if err != nil {
				return invalid(err)
			}
			defer os.Remove(tmp.Name())
			toc, err := s.WriteBundle(tmp, plan.Pipeline.Name, keys)
			if err == nil {
				err = tmp.Sync()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Chmod(tmp.Name(), 0o644)
			}
			if err == nil {
				err = os.Rename(tmp.Name(), out)
			}
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(g.stdout, "bundled %d entries (%d bytes of files) into %s\n", len(toc.Entries), toc.Bytes(), out)
			return nil
		},
	}
	addSetFlag(bundle.Flags(), &sets)
	bundle.Flags().StringVar(&pipeline, "pipeline", "", "pipeline file whose entries to bundle")

	imp := &cobra.Command{
		Use:   "import BUNDLE",
		Short: "Verify a bundle completely, then add its entries to the store",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.openStore()
			if err != nil {
				return err
			}
			rep, err := s.ImportBundle(args[0])
			if err != nil {
				if errors.Is(err, artifacts.ErrBadBundle) {
					err = fmt.Errorf("%w\nnothing was imported", err)
				}
				return &exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(g.stdout, "imported %d entries, %d already present (run %s: `runner artifacts pin %s` keeps them through gc)\n",
				len(rep.Imported), len(rep.Present), rep.RunID, rep.RunID)
			return nil
		},
	}
	return append([]*cobra.Command{bundle, imp}, newPinCmds(g)...)
}
