package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/leaderboard"
)

// execDeps makes sure the interpreters of examples/exec are there, running
// scripts/install-exec-deps.sh when they are not. Under CI=true a failure
// to install fails the test; elsewhere it skips with the reason.
func execDeps(t *testing.T) {
	t.Helper()
	ok := func() bool {
		if exec.Command("/usr/bin/python3", "-c", "import numpy, torch").Run() != nil {
			return false
		}
		_, err := exec.LookPath("node")
		return err == nil
	}
	if ok() {
		return
	}
	out, err := exec.Command("bash", "../../scripts/install-exec-deps.sh").CombinedOutput()
	if err == nil && ok() {
		return
	}
	msg := "examples/exec need /usr/bin/python3 with numpy and torch, and node; scripts/install-exec-deps.sh could not install them: " + strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// copyTree copies the files of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(path, ".pyc") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestShippedExamplesValidate validates every pipeline under examples/.
func TestShippedExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no pipelines under examples/")
	}
	for _, f := range files {
		if _, errs, code := cli(t, "validate", f); code != 0 {
			t.Errorf("%s: exit %d\n%s", f, code, errs)
		}
	}
}

// The three example models (numpy, PyTorch, Node) run through the exec
// train and forecast slots, are scored by metrics and ranked by the
// leaderboard beside a Go family; editing one script reruns exactly the
// stages that list it, and plan says which script changed.
func TestExecExamplesInLeaderboard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three interpreters over a small benchmark")
	}
	execDeps(t)
	dir := t.TempDir()
	copyTree(t, "../../examples/exec", filepath.Join(dir, "exec"))
	b, err := os.ReadFile("../../examples/exec-benchmark.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "exec-benchmark.yaml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")

	out, errs, code := cli(t, "apply", "-q", "--store", store, file)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "40 ran, 0 cached, 0 failed") {
		t.Fatalf("apply: %s", out)
	}
	rows := readLeaderboard(t, file, store)
	var models []string
	for _, r := range rows {
		models = append(models, r.Model)
		if r.Systems != 3 || r.Runs != 3 {
			t.Errorf("%s: %d systems, %d runs, want 3 and 3", r.Model, r.Systems, r.Runs)
		}
		if math.IsNaN(r.Mean) || math.IsInf(r.Mean, 0) || r.Mean < 0 || r.Mean > 200 {
			t.Errorf("%s: mean sMAPE %v, want a finite value in [0, 200]", r.Model, r.Mean)
		}
		t.Logf("rank %d %-18s mean sMAPE %6.2f, %d failed, VPT median %.2f", r.Rank, r.Model, r.Mean, r.Failures, r.VPTMedian)
	}
	slices.Sort(models)
	if want := []string{"linear_ar_go", "linear_ar_node", "nbeats_torch", "ridge_nvar_numpy"}; !slices.Equal(models, want) {
		t.Fatalf("leaderboard models %v, want %v", models, want)
	}

	// Determinism: the PyTorch fit and forecast of one system, recomputed
	// into a fresh store, are byte-identical to the first apply's.
	again, err := artifacts.Open(filepath.Join(dir, "again"))
	if err != nil {
		t.Fatal(err)
	}
	plan := loadPlan(t, file)
	first, err := artifacts.Open(store)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"data[Lorenz]", "fit_torch[Lorenz]", "predict_torch[Lorenz]"} {
		if err := runner.ExecuteNode(context.Background(), plan, again, id); err != nil {
			t.Fatalf("recompute %s: %v", id, err)
		}
	}
	for _, c := range []struct{ id, port string }{{"fit_torch[Lorenz]", "model"}, {"predict_torch[Lorenz]", "forecast"}} {
		key := plan.Node(c.id).Key
		a, errA := os.ReadFile(first.Path(key, c.port))
		b, errB := os.ReadFile(again.Path(key, c.port))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s.%s differs between two runs (%v, %v; %d and %d bytes)", c.id, c.port, errA, errB, len(a), len(b))
		}
	}

	// Edit the Node script: its six exec stages rerun, with their scores
	// and the leaderboard; nothing else does.
	js := filepath.Join(dir, "exec", "linear_ar.js")
	src, _ := os.ReadFile(js)
	if err := os.WriteFile(js, append(src, []byte("// edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = cli(t, "plan", "--store", store, file)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errs)
	}
	changed := regexp.MustCompile(`(?m)^run +((fit|predict)_node\[\w+\]) +script exec/linear_ar\.js changed`)
	if n := len(changed.FindAllString(out, -1)); n != 6 {
		t.Errorf("plan names the changed script on %d stages, want 6 (fit_node and predict_node of 3 systems):\n%s", n, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "run ") && !strings.Contains(line, "_node[") && !strings.Contains(line, " leaderboard") {
			t.Errorf("a stage not using the script would rerun: %s", line)
		}
	}
	if !strings.Contains(out, "10 to run, 30 cached") {
		t.Errorf("plan after the edit:\n%s", out)
	}
	out, errs, code = cli(t, "apply", "-q", "--store", store, file)
	if code != 0 || !strings.Contains(out, "10 ran, 30 cached, 0 failed") {
		t.Fatalf("apply after the edit: exit %d\n%s\n%s", code, out, errs)
	}
}

func loadPlan(t *testing.T, file string) *runner.Plan {
	t.Helper()
	p, diags := runner.Load(file, nil, stages.Default)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	plan, diags := runner.NewPlan(p, stages.Default)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	return plan
}

func readLeaderboard(t *testing.T, file, storeDir string) []leaderboard.Row {
	t.Helper()
	plan := loadPlan(t, file)
	store, err := artifacts.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	n := plan.Node("leaderboard")
	rec, err := store.Read(n.Key, "leaderboard")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	rows, err := leaderboard.Table.Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
