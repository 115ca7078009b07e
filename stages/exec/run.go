package exec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/stages"
)

// fileRef is one port's files, as runner.json describes them.
type fileRef struct {
	Path     string   `json:"path"`
	Format   string   `json:"format"`
	Sidecar  string   `json:"sidecar,omitempty"`
	Columns  []string `json:"columns,omitempty"` // declared NAME:TYPE (outputs), or the table's (inputs)
	Present  bool     `json:"present"`
	Optional bool     `json:"optional,omitempty"`
	// Tables are the files of a fan-in port (many), one per upstream cell;
	// Path is then their directory.
	Tables []tableRef `json:"tables,omitempty"`
}

// tableRef is one table of a fan-in input.
type tableRef struct {
	Path    string            `json:"path"`
	Sidecar string            `json:"sidecar,omitempty"`
	Stage   string            `json:"stage"`
	Cell    map[string]string `json:"cell,omitempty"`
}

// runDescription is runner.json.
type runDescription struct {
	Stage       string             `json:"stage"`
	Seed        uint64             `json:"seed"`
	Workdir     string             `json:"workdir"`
	PipelineDir string             `json:"pipeline_dir"`
	Params      string             `json:"params"`
	Inputs      map[string]fileRef `json:"inputs"`
	Outputs     map[string]fileRef `json:"outputs"`
}

func ext(format string) string { return "." + format }

// hasSidecar reports whether a format carries columns or metadata in a JSON
// sidecar.
func hasSidecar(format string) bool { return format == FormatNpy || format == FormatCSV }

func (s *stage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	if err := s.checkFiles(); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "runner-exec-")
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	defer os.RemoveAll(work)
	for _, d := range []string{"in", "out", "tmp"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o755); err != nil {
			return nil, err
		}
	}
	desc := runDescription{Stage: s.env.ID, Seed: s.env.Seed, Workdir: work, PipelineDir: s.env.Dir,
		Params: filepath.Join(work, "params.json"), Inputs: map[string]fileRef{}, Outputs: map[string]fileRef{}}
	env := s.environ(work)
	for _, pt := range s.in {
		ref := fileRef{Path: filepath.Join(work, "in", pt.spec.Name+ext(pt.spec.Format)), Format: pt.spec.Format, Optional: pt.spec.Optional}
		if hasSidecar(pt.spec.Format) {
			ref.Sidecar = filepath.Join(work, "in", pt.spec.Name+".json")
		}
		if pt.spec.Many {
			ref.Path = filepath.Join(work, "in", pt.spec.Name)
			if err := os.Mkdir(ref.Path, 0o755); err != nil {
				return nil, err
			}
			ref.Tables = []tableRef{}
			for i, it := range in[pt.spec.Name] {
				one := fileRef{Path: filepath.Join(ref.Path, strconv.Itoa(i)+ext(pt.spec.Format)), Format: pt.spec.Format}
				if hasSidecar(pt.spec.Format) {
					one.Sidecar = filepath.Join(ref.Path, strconv.Itoa(i)+".json")
				}
				if err := writeTable(one, it.Record); err != nil {
					return nil, fmt.Errorf("input %s table %d (from %s): write %s file: %w", pt.spec.Name, i, it.Stage, pt.spec.Format, err)
				}
				ref.Tables = append(ref.Tables, tableRef{Path: one.Path, Sidecar: one.Sidecar, Stage: it.Stage, Cell: it.Cell.Map()})
			}
			ref.Present = len(ref.Tables) > 0
			desc.Inputs[pt.spec.Name] = ref
			env = append(env, "RUNNER_IN_"+envSuffix(pt.spec.Name)+"="+ref.Path)
			continue
		}
		rec := in.One(pt.spec.Name)
		if rec != nil {
			if err := writeTable(ref, rec); err != nil {
				return nil, fmt.Errorf("input %s: write %s file: %w", pt.spec.Name, pt.spec.Format, err)
			}
			ref.Present = true
			ref.Columns = schemaColumns(rec.Schema())
		} else if !pt.spec.Optional {
			return nil, fmt.Errorf("input %s: no table", pt.spec.Name)
		}
		desc.Inputs[pt.spec.Name] = ref
		env = append(env, "RUNNER_IN_"+envSuffix(pt.spec.Name)+"="+ref.Path)
	}
	for _, pt := range s.out {
		ref := fileRef{Path: filepath.Join(work, "out", pt.spec.Name+ext(pt.spec.Format)), Format: pt.spec.Format}
		if hasSidecar(pt.spec.Format) {
			ref.Sidecar = filepath.Join(work, "out", pt.spec.Name+".json")
		}
		if pt.schema != nil {
			ref.Columns = schemaColumns(pt.schema)
		}
		desc.Outputs[pt.spec.Name] = ref
		env = append(env, "RUNNER_OUT_"+envSuffix(pt.spec.Name)+"="+ref.Path)
	}
	config := []byte("{}")
	if s.p.Config != nil {
		if config, err = stages.Canonical(s.p.Config); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	if err := os.WriteFile(desc.Params, append(config, '\n'), 0o644); err != nil {
		return nil, err
	}
	descJSON, _ := json.MarshalIndent(desc, "", "  ")
	if err := os.WriteFile(filepath.Join(work, "runner.json"), append(descJSON, '\n'), 0o644); err != nil {
		return nil, err
	}

	stdout, stderr, err := s.command(ctx, work, env)
	if err != nil {
		return nil, err
	}

	out := stages.Outputs{}
	fail := func(err error) (stages.Outputs, error) {
		for _, r := range out {
			r.Release()
		}
		return nil, fmt.Errorf("%w%s", err, tailNote("stderr", stderr))
	}
	for _, pt := range s.out {
		ref := desc.Outputs[pt.spec.Name]
		if _, err := os.Stat(ref.Path); err != nil {
			return fail(fmt.Errorf("output port %q: the command exited 0 but did not write %s (declared schema %s)",
				pt.spec.Name, relTo(work, ref.Path), schemaString(pt.schema)))
		}
		rec, err := readTable(ref, pt.schema)
		if err != nil {
			return fail(fmt.Errorf("output port %q: reading %s: %w (declared schema %s)", pt.spec.Name, relTo(work, ref.Path), err, schemaString(pt.schema)))
		}
		if msg := mismatch(rec.Schema(), pt.schema); msg != "" {
			written := schemaString(rec.Schema())
			rec.Release()
			return fail(fmt.Errorf("output port %q does not match its declared schema: %s\n    declared: %s\n    written:  %s",
				pt.spec.Name, msg, schemaString(pt.schema), written))
		}
		out[pt.spec.Name] = rec
	}
	if !s.p.NoLog {
		out[LogPort] = LogTable.Record([]LogRow{
			{Stream: "stdout", Text: string(stdout.tail()), Bytes: stdout.n},
			{Stream: "stderr", Text: string(stderr.tail()), Bytes: stderr.n},
		}, map[string]string{"runner.kind": "exec-log"})
	}
	return out, nil
}

// checkFiles refuses to run files edited since the plan hashed them: the
// outputs would be stored under the old files' key.
func (s *stage) checkFiles() error {
	for _, f := range s.p.Files {
		want, ok := s.digests[f]
		if !ok {
			continue
		}
		data, err := os.ReadFile(s.resolve(f))
		if err != nil {
			return fmt.Errorf("file %s: %w", f, err)
		}
		sum := sha256.Sum256(data)
		if got := "sha256:" + hex.EncodeToString(sum[:]); got != want {
			return fmt.Errorf("script %s changed since the plan (%s, planned with %s): apply again to run it under its new key", f, got[:19], want[:min(len(want), 19)])
		}
	}
	return nil
}

// environ is the command's environment, sorted: the minimal set from the
// runner's, pass_env, env, and the RUNNER_* variables (ports are added by Run).
func (s *stage) environ(work string) []string {
	vars := map[string]string{"LANG": "C.UTF-8"}
	for _, k := range append([]string{"PATH", "HOME", "LANG"}, s.p.PassEnv...) {
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	for k, v := range s.p.Env {
		vars[k] = v
	}
	vars["RUNNER_WORKDIR"] = work
	vars["RUNNER_CONFIG"] = filepath.Join(work, "runner.json")
	vars["RUNNER_PARAMS"] = filepath.Join(work, "params.json")
	vars["RUNNER_SEED"] = strconv.FormatUint(s.env.Seed, 10)
	vars["RUNNER_STAGE"] = s.env.ID
	vars["RUNNER_PIPELINE_DIR"] = s.env.Dir
	vars["TMPDIR"] = filepath.Join(work, "tmp")
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// envSuffix turns a port name into the tail of its variable name.
func envSuffix(name string) string { return strings.ToUpper(name) }

// resolve turns files named in the command into absolute paths.
func (s *stage) resolve(arg string) string {
	for _, f := range s.p.Files {
		if arg == f {
			if s.env.Dir != "" {
				return filepath.Join(s.env.Dir, f)
			}
			if abs, err := filepath.Abs(f); err == nil {
				return abs
			}
		}
	}
	return arg
}

// command runs the command in its own process group, which is killed on
// timeout or cancellation, and returns the captured streams.
func (s *stage) command(ctx context.Context, work string, env []string) (stdout, stderr *capture, err error) {
	argv := make([]string, len(s.p.Command))
	for i, a := range s.p.Command {
		argv[i] = s.resolve(a)
	}
	runCtx := ctx
	if s.p.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, s.p.Timeout)
		defer cancel()
	}
	// The streams go to files, not pipes: a background child that the
	// command leaves behind cannot keep Wait from returning.
	outFile, err := os.Create(filepath.Join(work, ".stdout"))
	if err != nil {
		return nil, nil, err
	}
	defer outFile.Close()
	errFile, err := os.Create(filepath.Join(work, ".stderr"))
	if err != nil {
		return nil, nil, err
	}
	defer errFile.Close()
	cmd := exec.CommandContext(runCtx, argv[0], argv[1:]...)
	cmd.Dir = work
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = outFile, errFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if cmd.Process != nil {
		// Background children the command left behind go with it.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	stdout, stderr = readCapture(outFile), readCapture(errFile)
	switch {
	case runErr == nil:
		return stdout, stderr, nil
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case runCtx.Err() != nil:
		return nil, nil, fmt.Errorf("command %s timed out after %s: its process group was killed%s%s",
			argv[0], s.p.Timeout, tailNote("stderr", stderr), tailNote("stdout", stdout))
	}
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		status := fmt.Sprintf("exited with status %d", exitErr.ExitCode())
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			status = "was killed by signal " + ws.Signal().String()
		}
		return nil, nil, fmt.Errorf("command %s %s%s", strings.Join(s.p.Command, " "), status, tailNote("stderr", stderr))
	}
	return nil, nil, fmt.Errorf("command %s: %w", argv[0], runErr)
}

// capture is the total size and the last MaxLog bytes of a stream.
type capture struct {
	buf []byte
	n   int64
}

// readCapture reads the tail of a stream's file.
func readCapture(f *os.File) *capture {
	c := &capture{}
	st, err := f.Stat()
	if err != nil {
		return c
	}
	c.n = st.Size()
	off := max(c.n-MaxLog, 0)
	c.buf = make([]byte, c.n-off)
	n, _ := f.ReadAt(c.buf, off)
	c.buf = c.buf[:n]
	return c
}

func (c *capture) tail() []byte { return c.buf }

// tailNote renders the last lines of a stream for an error message.
func tailNote(name string, c *capture) string {
	if c == nil || c.n == 0 {
		return ""
	}
	const lines = 20
	text := strings.TrimRight(string(c.tail()), "\n")
	ls := strings.Split(text, "\n")
	head := fmt.Sprintf("\n    %s:", name)
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
		head = fmt.Sprintf("\n    %s (last %d lines):", name, lines)
	}
	var b bytes.Buffer
	b.WriteString(head)
	for _, l := range ls {
		b.WriteString("\n    | " + l)
	}
	return b.String()
}

func relTo(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil {
		return r
	}
	return path
}

// mismatch explains why written does not have every column of declared
// with its type ("" when it does; nil declared accepts anything).
func mismatch(written, declared *arrow.Schema) string {
	if declared == nil {
		return ""
	}
	var problems []string
	for _, f := range declared.Fields() {
		idx := written.FieldIndices(f.Name)
		if len(idx) == 0 {
			problems = append(problems, fmt.Sprintf("column %q missing", f.Name))
			continue
		}
		if got := written.Field(idx[0]).Type; !arrow.TypeEqual(got, f.Type) {
			problems = append(problems, fmt.Sprintf("column %q is %s, want %s", f.Name, got, f.Type))
		}
	}
	return strings.Join(problems, "; ")
}

func schemaString(s *arrow.Schema) string {
	if s == nil {
		return "any table"
	}
	return "(" + strings.Join(schemaColumns(s), ", ") + ")"
}

// schemaColumns renders fields as NAME:TYPE.
func schemaColumns(s *arrow.Schema) []string {
	out := make([]string, len(s.Fields()))
	for i, f := range s.Fields() {
		out[i] = f.Name + ":" + typeName(f.Type)
	}
	return out
}

// typeName is the declaration name of an Arrow type (the Arrow name when
// it has none).
func typeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.STRING:
		return "utf8"
	case arrow.FLOAT64:
		return "float64"
	case arrow.FLOAT32:
		return "float32"
	case arrow.LIST:
		return "list<" + typeName(t.(*arrow.ListType).Elem()) + ">"
	}
	return t.String()
}
