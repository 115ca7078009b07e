package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/all"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1
	exitInvalid     = 2
	exitInterrupted = 130 // 128 + SIGINT; a SIGTERM gives 128 + 15 = 143
)

// exitError carries an exit code; its message is printed unless empty.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func invalid(err error) error { return &exitError{code: exitInvalid, err: err} }

func main() {
	// The planner makes many small, short-lived allocations (one node per
	// stage instance) over a small live heap: collecting less often cuts a
	// no-op apply of 10,000 stages by about a quarter. GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI and returns the process exit code.
//
// SIGINT and SIGTERM are handled alike: the first cancels the command's
// context (running stages stop, nothing half-written is kept) and the exit
// code is 128 + the signal's number, 130 or 143, as a shell reports a process
// killed by it. After the first signal the default action is restored, so a
// second one kills the process at once.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var caught atomic.Int32
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case s := <-sigs:
			if n, ok := s.(syscall.Signal); ok {
				caught.Store(int32(n))
			}
			signal.Stop(sigs)
			cancel()
		case <-done:
		}
	}()
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	code := exitCode(root.ExecuteContext(ctx), stderr)
	pprof.StopCPUProfile() // --cpuprofile (a no-op without it)
	if code == exitInterrupted {
		if n := caught.Load(); n != 0 {
			code = 128 + int(n)
		}
	}
	return code
}

// exitCode prints err and maps it to the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return ee.code
	}
	// Cobra's own errors: unknown command or flag, wrong argument count.
	fmt.Fprintln(stderr, "runner:", err)
	return exitInvalid
}

type globals struct {
	stdout, stderr io.Writer
	store          string
	reg            *stages.Registry
	// readStores are the --read-store directories; pipelineFile is the
	// pipeline the command loaded, whose directory may hold runner.yaml
	// (storeconfig.go).
	readStores   []string
	pipelineFile string
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr, reg: stages.Default}
	root := &cobra.Command{
		Use:           "runner",
		Short:         "Run YAML pipelines of scientific stages with a content-addressed Arrow cache",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.store, "store", "", "artifact store directory (default $RUNNER_STORE or .runner)")
	root.PersistentFlags().StringArrayVar(&g.readStores, "read-store", nil, "read-only store layered under --store (repeatable; also read_stores in runner.yaml)")
	root.AddCommand(
		newValidateCmd(g), newPlanCmd(g), newApplyCmd(g), newRunCmd(g), newStagesCmd(g),
		newSchemaCmd(g), newGraphCmd(g), newArtifactsCmd(g),
	)
	for _, extra := range extraCommands {
		root.AddCommand(extra(g))
	}
	addMemoryFlags(root)
	// --cpuprofile FILE profiles the whole command, loading and planning
	// included (for the no-op apply figures); run stops it.
	var cpuprofile string
	root.PersistentFlags().StringVar(&cpuprofile, "cpuprofile", "", "write a Go CPU profile of the command to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	memoryPreRun := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := memoryPreRun(cmd, args); err != nil || cpuprofile == "" {
			return err
		}
		f, err := os.Create(cpuprofile)
		if err != nil {
			return invalid(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return invalid(err)
		}
		return nil
	}
	return root
}

// extraCommands lets other files add commands (systems, ...).
var extraCommands []func(g *globals) *cobra.Command

func (g *globals) openStore() (*artifacts.Store, error) {
	dir := g.store
	if dir == "" {
		dir = os.Getenv("RUNNER_STORE")
	}
	if dir == "" {
		dir = ".runner"
	}
	s, err := artifacts.Open(dir)
	if err != nil {
		return nil, invalid(fmt.Errorf("open artifact store: %w", err))
	}
	if err := g.addReadStores(s); err != nil {
		return nil, err
	}
	return s, nil
}

// diagnosticsError prints diagnostics as text or JSON and exits 2.
func (g *globals) diagnosticsError(ds spec.Diagnostics, format string) error {
	ds.Sort()
	if format == "json" {
		writeJSON(g.stdout, map[string]any{"ok": false, "diagnostics": ds})
		return &exitError{code: exitInvalid}
	}
	return invalid(fmt.Errorf("%s\n%d problem(s)", ds.Error(), len(ds)))
}
