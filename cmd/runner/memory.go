package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"slices"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

// memoryCommands take --max-memory; every command honours
// $RUNNER_MAX_MEMORY (batch jobs inherit it).
var memoryCommands = []string{"apply", "run", "validate", "plan", "exec-node"}

const maxMemoryUsage = "most memory one stage may allocate, such as 8GiB, 500MB or 25% " +
	"(default $RUNNER_MAX_MEMORY, else half the physical memory); a stage whose params need more " +
	"is an error in validate and fails alone in apply"

// addMemoryFlags adds --max-memory to the commands that run or check stages
// and sets the limit before any of them runs.
func addMemoryFlags(root *cobra.Command) {
	for _, c := range root.Commands() {
		if slices.Contains(memoryCommands, c.Name()) {
			c.Flags().String("max-memory", "", maxMemoryUsage)
		}
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		flag := ""
		if f := cmd.Flags().Lookup("max-memory"); f != nil {
			flag = f.Value.String()
		}
		return setMemoryLimit(flag)
	}
}

// setMemoryLimit sets the stages' limit from the flag, else the environment,
// else the default. The Go runtime's soft limit follows it (never below the
// default), so the collector works harder near it instead of letting the
// heap grow to GOGC's multiple of what is live.
func setMemoryLimit(flag string) error {
	limit := int64(0)
	if flag != "" {
		b, err := stages.ParseBytes(flag)
		if err != nil {
			return invalid(fmt.Errorf("--max-memory: %w", err))
		}
		limit = b
	} else if b, ok, err := stages.MemoryLimitFromEnv(); err != nil {
		return invalid(err)
	} else if ok {
		limit = b
	}
	stages.SetMemoryLimit(limit)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(max(stages.MemoryLimit(), stages.DefaultMemoryLimit()))
	}
	return nil
}

// memoryDiagnostics lists the plan's instances whose params need more than
// the memory limit, at the param that drives the estimate. validate reports
// them as errors; apply runs the rest, and these fail alone.
func memoryDiagnostics(plan *runner.Plan) spec.Diagnostics {
	var ds spec.Diagnostics
	for _, n := range plan.Nodes {
		fe := stages.MemoryProblem(n.Params)
		if fe == nil {
			continue
		}
		msg := fe.Message
		if n.ID() != n.Inst.Stage {
			msg = n.ID() + ": " + msg
		}
		d := spec.Diagnostic{Pos: n.Inst.Pos, Path: "stages." + n.Inst.Stage + ".params", Message: msg}
		if fe.Field != "" {
			d.Path += "." + fe.Field
			for _, e := range n.Inst.Params.Entries {
				if e.Key == fe.Field {
					d.Pos = e.Value.Pos
				}
			}
		}
		ds = append(ds, d)
	}
	return ds
}
