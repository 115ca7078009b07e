package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/runner"
)

// newExecNodeCmd is what a batch job runs: one stage instance of a pipeline,
// computed here and stored in the shared store. The submitting runner holds
// the key lock, checks the entry and schedules everything else.
func newExecNodeCmd(g *globals) *cobra.Command {
	var sets []string
	var id string
	cmd := &cobra.Command{
		Use:    "exec-node FILE --node ID",
		Short:  "Compute one stage instance of a pipeline (used by batch executors)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := g.loadPlan(args[0], sets, "text")
			if err != nil {
				return err
			}
			if plan.Node(id) == nil {
				return invalid(fmt.Errorf("no stage instance %q in %s", id, args[0]))
			}
			store, err := g.openStore()
			if err != nil {
				return err
			}
			if err := runner.ExecuteNode(cmd.Context(), plan, store, id); err != nil {
				if cmd.Context().Err() != nil {
					return &exitError{code: exitInterrupted, err: err}
				}
				return &exitError{code: exitFailed, err: fmt.Errorf("stage %s: %w", id, err)}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "the overrides the submitting runner was given")
	cmd.Flags().StringVar(&id, "node", "", "stage instance id, such as fit[Lorenz,nvar]")
	_ = cmd.MarkFlagRequired("node")
	return cmd
}

func init() { extraCommands = append(extraCommands, newExecNodeCmd) }
