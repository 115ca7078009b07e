package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

func newRunCmd(g *globals) *cobra.Command {
	var sets, inputs []string
	var format, port, outDir string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "run KIND",
		Short: "Run one stage ad hoc and print its outputs as a table",
		Long: "Run one stage without a pipeline file. Params come from --set key=value, inputs from " +
			"--input port=file.arrow (repeat a port for fan-in inputs). Outputs are printed " +
			"(--format table|json|csv, --port to pick one) and written as Arrow files with --out DIR.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			k, ok := g.reg.Lookup(args[0])
			if !ok {
				return invalid(fmt.Errorf("unknown stage kind %q (known: %s)", args[0], strings.Join(g.reg.Names(), ", ")))
			}
			node, ds := spec.NodeFromSets(sets)
			if len(ds) > 0 {
				return g.diagnosticsError(ds, "text")
			}
			params, ds := k.Decode(node, "params")
			if len(ds) > 0 {
				return g.diagnosticsError(ds, "text")
			}
			env := stages.Env{ID: k.Name(), Seed: runner.DeriveSeed(seed, k.Name(), nil)}
			st, err := k.Build(params, env)
			if err != nil {
				return invalid(err)
			}
			inPorts, outPorts := st.Ports()
			in, err := readInputFiles(inputs, inPorts)
			if err != nil {
				return invalid(err)
			}
			defer func() {
				for _, items := range in {
					for _, it := range items {
						it.Record.Release()
					}
				}
			}()
			if port != "" {
				found := false
				for _, p := range outPorts {
					found = found || p.Name == port
				}
				if !found {
					return invalid(fmt.Errorf("stage kind %s has no output port %q", k.Name(), port))
				}
			}
			out, err := runner.RunStage(cmd.Context(), st, in, outPorts, 0)
			if err != nil {
				if cmd.Context().Err() != nil {
					return &exitError{code: exitInterrupted, err: err}
				}
				return &exitError{code: exitFailed, err: fmt.Errorf("stage %s: %w", k.Name(), err)}
			}
			defer func() {
				for _, r := range out {
					r.Release()
				}
			}()
			names := make([]string, 0, len(out))
			for name := range out {
				if port == "" || name == port {
					names = append(names, name)
				}
			}
			sort.Strings(names)
			if outDir != "" {
				if err := os.MkdirAll(outDir, 0o755); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				for _, name := range names {
					if cmd.Context().Err() != nil {
						return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
					}
					if err := writeArrowFile(filepath.Join(outDir, name+".arrow"), out[name]); err != nil {
						return &exitError{code: exitFailed, err: err}
					}
				}
			}
			// A signal stops the printing of a long table too: the writer
			// fails once the context is done.
			stdout := ctxWriter{ctx: cmd.Context(), w: g.stdout}
			for i, name := range names {
				if len(names) > 1 && format == "table" {
					if i > 0 {
						fmt.Fprintln(stdout)
					}
					fmt.Fprintf(stdout, "== %s (%d rows)\n", name, out[name].NumRows())
				}
				if err := writeTable(stdout, out[name], format); err != nil {
					if cmd.Context().Err() != nil {
						return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
					}
					return &exitError{code: exitFailed, err: err}
				}
			}
			if cmd.Context().Err() != nil {
				return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&sets, "set", nil, "param KEY=VALUE (repeatable; dotted keys for nested maps)")
	f.StringArrayVar(&inputs, "input", nil, "input PORT=FILE.arrow (repeatable)")
	f.StringVar(&format, "format", "table", "table, json or csv")
	f.StringVar(&port, "port", "", "print only this output port")
	f.StringVar(&outDir, "out", "", "also write each output port as DIR/PORT.arrow")
	f.Uint64Var(&seed, "seed", 0, "root seed (the stage seed derives from it as in a pipeline)")
	return cmd
}

func readInputFiles(specs []string, ports []stages.Port) (stages.Inputs, error) {
	in := stages.Inputs{}
	known := map[string]stages.Port{}
	for _, p := range ports {
		known[p.Name] = p
	}
	for _, s := range specs {
		name, file, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("--input %q: want PORT=FILE.arrow", s)
		}
		if _, ok := known[name]; !ok {
			return nil, fmt.Errorf("--input %q: no input port %q", s, name)
		}
		rec, err := artifacts.ReadIPCFile(file)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", name, err)
		}
		in[name] = append(in[name], stages.Item{Stage: file, Record: rec})
	}
	for _, p := range ports {
		if !p.Optional && len(in[p.Name]) == 0 {
			return nil, fmt.Errorf("input port %q is required: pass --input %s=FILE.arrow", p.Name, p.Name)
		}
		if !p.Many && len(in[p.Name]) > 1 {
			return nil, fmt.Errorf("input port %q takes one table", p.Name)
		}
	}
	return in, nil
}

// ctxWriter fails every write once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

// Err is the context's error, checked by writeTable while it buffers.
func (c ctxWriter) Err() error { return c.ctx.Err() }

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
