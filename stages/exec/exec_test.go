package exec_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/exec"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// trajectories is a small two-system trajectory table with metadata and a
// NaN-padded state column.
func trajectories() arrow.RecordBatch {
	rows := []schemas.TrajectoryRow{
		{System: "Lorenz", Trajectory: 0, Step: 0, Time: 0, State: []float64{1, 2, 3}},
		{System: "Lorenz", Trajectory: 0, Step: 1, Time: 0.01, State: []float64{1.5, -2.25, 1e-300}},
		{System: "Henon", Trajectory: 1, Step: 7, Time: 7, State: []float64{0.1, 0.3, math.NaN()}},
	}
	return schemas.Trajectories.RecordWidth(rows, 3, map[string]string{"systems": `[{"system":"Lorenz","dim":3}]`, "note": "ünïcode, \"quoted\""})
}

func build(t *testing.T, params string) stages.Stage {
	t.Helper()
	return stagetest.Build(t, "exec", params, 7)
}

// The command copies its input file to its output file: every format must
// give back the same rows and schema metadata.
func TestFormatsRoundTrip(t *testing.T) {
	for _, format := range []string{"arrow", "npy", "parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			st := build(t, "format: "+format+`
command: [sh, -c, 'cp "$RUNNER_IN_DATA" "$RUNNER_OUT_DATA"; if [ -f in/data.json ]; then cp in/data.json out/data.json; fi']
in: [{name: data, table: trajectory}]
out: [{name: data, table: trajectory}]
`)
			in := trajectories()
			defer in.Release()
			out := stagetest.Run(t, st, stagetest.Inputs("data", in))
			got, err := schemas.Trajectories.Read(out["data"])
			if err != nil {
				t.Fatal(err)
			}
			want, _ := schemas.Trajectories.Read(in)
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.System != w.System || g.Trajectory != w.Trajectory || g.Step != w.Step || g.Time != w.Time || !sameFloats(g.State, w.State) {
					t.Errorf("row %d: %+v, want %+v", i, g, w)
				}
			}
			for _, k := range []string{"systems", "note"} {
				g, _ := out["data"].Schema().Metadata().GetValue(k)
				w, _ := in.Schema().Metadata().GetValue(k)
				if g != w {
					t.Errorf("metadata %s = %q, want %q", k, g, w)
				}
			}
		})
	}
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func runErr(t *testing.T, st stages.Stage, in stages.Inputs) error {
	t.Helper()
	out, err := st.Run(context.Background(), in)
	if err == nil {
		stagetest.Release(out)
		t.Fatal("the stage succeeded, want an error")
	}
	return err
}

func wantAll(t *testing.T, err error, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not say %q:\n%v", s, err)
		}
	}
}

func TestFailures(t *testing.T) {
	cases := []struct {
		name, params string
		want         []string
	}{
		{"exit status", `command: [sh, -c, 'echo starting; echo "ValueError: bad ridge" >&2; exit 3']
out: [{name: m, table: any}]`,
			[]string{"exited with status 3", "ValueError: bad ridge"}},
		{"missing output", `command: [sh, -c, 'echo "wrote nothing" >&2']
out: [{name: forecast, table: forecast}]`,
			[]string{`output port "forecast"`, "did not write out/forecast.arrow", "declared schema (system:utf8, trajectory:int64, step:int64", "wrote nothing"}},
		{"wrong column type", `command: [sh, -c, 'cp in/data.arrow out/model.arrow']
in: [{name: data}]
out: [{name: model, columns: ["system:utf8", "step:float64", "weights:list<float64>"]}]`,
			[]string{`output port "model" does not match its declared schema`, `column "step" is int64, want float64`, `column "weights" missing`,
				"declared: (system:utf8, step:float64, weights:list<float64>)", "written:  (system:utf8, trajectory:int64, step:int64, time:float64, x0:float64"}},
		{"npy column not an integer", `format: npy
command: [sh, -c, 'cp in/data.npy out/data.npy; cp in/data.json out/data.json']
in: [{name: data}]
out: [{name: data, columns: ["time:int64"]}]`,
			[]string{`column "time" (int64)`, "0.01 is not an integer"}},
		{"not an npy file", `format: npy
command: [sh, -c, 'echo hello > out/data.npy']
out: [{name: data, columns: ["x:float64"]}]`,
			[]string{"not an npy file"}},
		{"program not found", `command: [no-such-program-xyz]
out: [{name: data, table: any}]`,
			[]string{"no-such-program-xyz", "not found"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := trajectories()
			defer in.Release()
			err := runErr(t, build(t, c.params), stagetest.Inputs("data", in))
			wantAll(t, err, c.want...)
		})
	}
}

// A command that hangs is killed with its whole process group when its
// timeout passes, background children included.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	st := build(t, `command: [sh, -c, 'sleep 300 & echo $! > "$PIDFILE"; echo "still fitting" >&2; wait']
env: {PIDFILE: `+strconv.Quote(pidFile)+`}
timeout: 300ms
out: [{name: m, table: any}]`)
	err := runErr(t, st, nil)
	wantAll(t, err, "timed out after 300ms", "process group was killed", "still fitting")
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if alive(pid) {
		t.Errorf("background child %d survived the timeout", pid)
	}
}

// Cancelling the context (an interrupt) kills the process group too, and
// the working directory is removed.
func TestCancelKillsProcessGroup(t *testing.T) {
	tmp := t.TempDir()
	pidFile, workFile := filepath.Join(tmp, "pid"), filepath.Join(tmp, "work")
	st := build(t, `command: [sh, -c, 'echo "$RUNNER_WORKDIR" > "$WORKFILE"; sleep 300 & echo $! > "$PIDFILE.tmp"; mv "$PIDFILE.tmp" "$PIDFILE"; wait']
env: {PIDFILE: `+strconv.Quote(pidFile)+`, WORKFILE: `+strconv.Quote(workFile)+`}
out: [{name: m, table: any}]`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := st.Run(ctx, nil)
		done <- err
	}()
	for {
		if _, err := os.Stat(pidFile); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the stage ended before it was cancelled: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	b, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if alive(pid) {
		t.Errorf("background child %d survived the cancellation", pid)
	}
	work, _ := os.ReadFile(workFile)
	if dir := strings.TrimSpace(string(work)); dir == "" {
		t.Error("the command did not see RUNNER_WORKDIR")
	} else if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("working directory %s is still there (%v)", dir, err)
	}
}

// alive reports whether pid runs (a zombie waiting for its reaper counts as dead).
// alive reports whether pid is still running once a SIGKILL sent to it
// has had time to land: delivery is asynchronous, so a busy machine may
// show the process running for a moment after kill returns. It waits up to
// 10 s for the process to go (not a speed assertion: a killed process goes
// within milliseconds; one that was never signalled stays).
func alive(pid int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// Only PATH, HOME, LANG, the declared env and pass_env and the RUNNER_*
// variables reach the command; config arrives as params.json.
func TestEnvironmentAndParams(t *testing.T) {
	t.Setenv("EXEC_TEST_SECRET", "leak")
	t.Setenv("EXEC_TEST_PASSED", "yes")
	st := build(t, `command: [sh, -c, 'env | sort; cat "$RUNNER_PARAMS"; cp in/data.arrow out/m.arrow']
env: {OMP_NUM_THREADS: "1"}
pass_env: [EXEC_TEST_PASSED]
config: {ridge: 1.0e-6, lags: [1, 2]}
in: [{name: data}]
out: [{name: m, table: any}]`)
	in := trajectories()
	defer in.Release()
	out := stagetest.Run(t, st, stagetest.Inputs("data", in))
	logs, err := exec.LogTable.Read(out[exec.LogPort])
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 || logs[0].Stream != "stdout" {
		t.Fatalf("log rows %+v", logs)
	}
	stdout := logs[0].Text
	for _, want := range []string{"OMP_NUM_THREADS=1", "EXEC_TEST_PASSED=yes", "RUNNER_SEED=7", "RUNNER_IN_DATA=", "RUNNER_OUT_M=", `{"lags":[1,2],"ridge":1e-06}`, "PATH="} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "EXEC_TEST_SECRET") {
		t.Errorf("an undeclared variable reached the command:\n%s", stdout)
	}
	var names []string
	for _, kv := range strings.Split(stdout, "\n") {
		if k, _, ok := strings.Cut(kv, "="); ok && !strings.Contains(k, " ") && k == strings.ToUpper(k) && !strings.HasPrefix(k, "{") {
			names = append(names, k)
		}
	}
	allowed := map[string]bool{"PATH": true, "HOME": true, "LANG": true, "TMPDIR": true, "OMP_NUM_THREADS": true, "EXEC_TEST_PASSED": true, "PWD": true, "SHLVL": true, "_": true}
	for _, k := range names {
		if !allowed[k] && !strings.HasPrefix(k, "RUNNER_") {
			t.Errorf("unexpected variable %s in the command's environment", k)
		}
	}
}

// Ports: a role presets the benchmark's ports; declared ones replace them.
func TestRolePorts(t *testing.T) {
	names := func(ps []stages.Port) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	in, out := build(t, "role: forecast\ncommand: [python3, m.py]\n").Ports()
	if got := names(in); !reflect.DeepEqual(got, []string{"model", "test", "history"}) {
		t.Errorf("forecast inputs %v", got)
	}
	if got := names(out); !reflect.DeepEqual(got, []string{"forecast", "log"}) {
		t.Errorf("forecast outputs %v", got)
	}
	if !out[0].Schema.HasField("failure_step") {
		t.Errorf("forecast output schema %v lacks failure_step", out[0].Schema)
	}
	in, out = build(t, "role: train\ncommand: [python3, m.py]\nno_log: true\nout: [{name: model, columns: [\"w:float64\"]}]\n").Ports()
	if got := names(in); !reflect.DeepEqual(got, []string{"train"}) {
		t.Errorf("train inputs %v", got)
	}
	if len(out) != 1 || out[0].Schema == nil || !out[0].Schema.HasField("w") {
		t.Errorf("train outputs %+v", out)
	}
}

func TestBadParams(t *testing.T) {
	cases := []struct{ params, field, want string }{
		{"command: []\nout: [{name: a}]\n", "command", "needs a program"},
		{"command: [x]\n", "out", "at least one output port"},
		{"command: [x]\nformat: hdf5\nout: [{name: a}]\n", "format", "unknown format"},
		{"command: [x]\nout: [{name: a, columns: [\"x:complex\"]}]\n", "out", "unknown type"},
		{"command: [x]\nout: [{name: a, table: trajectories}]\n", "out", "unknown table"},
		{"command: [x]\nout: [{name: log}]\n", "out", "the command's log"},
		{"command: [x]\nfiles: [/abs/m.py]\nout: [{name: a}]\n", "files", "relative"},
		{"command: [x]\nrole: predict\n", "role", "train or forecast"},
		{"command: [x]\nenv: {\"A B\": x}\nout: [{name: a}]\n", "env", "invalid variable"},
	}
	for _, c := range cases {
		ds := stagetest.DecodeDiags(t, "exec", c.params)
		found := false
		for _, d := range ds {
			if d.Path == "params."+c.field && strings.Contains(d.Message, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: diagnostics %v, want %q at params.%s", c.params, ds, c.want, c.field)
		}
	}
}

// A background child that the command leaves behind (holding stdout) does
// not hold up the stage, and goes with the process group.
func TestLeftoverChildDoesNotBlock(t *testing.T) {
	st := build(t, `command: [sh, -c, 'sleep 300 & echo done; cp in/data.arrow out/m.arrow']
in: [{name: data}]
out: [{name: m, table: any}]`)
	in := trajectories()
	defer in.Release()
	out := stagetest.Run(t, st, stagetest.Inputs("data", in))
	logs, _ := exec.LogTable.Read(out[exec.LogPort])
	if len(logs) != 2 || logs[0].Text != "done\n" || logs[0].Bytes != 5 {
		t.Errorf("log %+v", logs)
	}
}

// A fan-in input writes one file per upstream table and lists them, with
// their producers and cells, in runner.json.
func TestFanInInput(t *testing.T) {
	st := build(t, `format: csv
command: [sh, -c, 'ls "$RUNNER_IN_TABLES"; grep -o "\"stage\": \"[^\"]*\"" "$RUNNER_CONFIG"; grep -o "\"system\": \"[^\"]*\"" "$RUNNER_CONFIG"; cp in/tables/1.csv out/last.csv']
in: [{name: tables, many: true, table: trajectory}]
out: [{name: last, table: trajectory}]`)
	in, _ := st.Ports()
	if !in[0].Many {
		t.Fatal("port tables is not a fan-in")
	}
	a, b := trajectories(), trajectories()
	defer a.Release()
	defer b.Release()
	out := stagetest.Run(t, st, stages.Inputs{"tables": {
		{Stage: "data[Lorenz]", Cell: stages.Cell{{Axis: "system", Value: "Lorenz"}}, Record: a},
		{Stage: "data[Henon]", Cell: stages.Cell{{Axis: "system", Value: "Henon"}}, Record: b},
	}})
	logs, _ := exec.LogTable.Read(out[exec.LogPort])
	for _, want := range []string{"0.csv\n0.json\n1.csv\n1.json\n", `"stage": "data[Lorenz]"`, `"stage": "data[Henon]"`, `"system": "Henon"`} {
		if !strings.Contains(logs[0].Text, want) {
			t.Errorf("stdout lacks %q:\n%s", want, logs[0].Text)
		}
	}
	if out["last"].NumRows() != b.NumRows() {
		t.Errorf("%d rows, want %d", out["last"].NumRows(), b.NumRows())
	}
}

// A script edited after the plan hashed it is not run: its outputs would be
// stored under the old script's key.
func TestScriptEditedSincePlan(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "m.sh")
	if err := os.WriteFile(script, []byte("echo v2 > out/m.csv\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, _ := stages.Default.Lookup("exec")
	n, _ := spec.ParseNode("p.yaml", []byte("command: [sh, m.sh]\nfiles: [m.sh]\nformat: csv\nout: [{name: m, table: any}]\n"))
	p, ds := k.Decode(n, "params")
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	st, err := k.Build(p, stages.Env{ID: "x", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st.(stages.FileDigestsUser).UseFileDigests(map[string]string{"m.sh": "sha256:0000000000000000000000000000000000000000000000000000000000000000"})
	err = runErr(t, st, nil)
	wantAll(t, err, "script m.sh changed since the plan")
	// With the right digest it runs, from the pipeline's directory.
	sum := sha256.Sum256([]byte("echo v2 > out/m.csv\n"))
	st.(stages.FileDigestsUser).UseFileDigests(map[string]string{"m.sh": "sha256:" + hex.EncodeToString(sum[:])})
	out := stagetest.Run(t, st, nil)
	if out["m"].NumRows() != 0 || out["m"].Schema().Field(0).Name != "v2" {
		t.Errorf("output %v", out["m"].Schema())
	}
}
