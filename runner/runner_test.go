package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/stages"
)

const basePipeline = `version: 1
name: t
seed: 1
matrix:
  a: [x, y, z]
stages:
  src:
    kind: src
    foreach: [a]
    params: {n: 4}
  inc:
    kind: add
    foreach: [a]
    inputs: {in: "src[${a}].table"}
    params: {delta: 1}
  other:
    kind: src
    params: {n: 3}
  all:
    kind: gather
    inputs: {tables: "inc[*].table"}
`

var allIDs = []string{"src[x]", "src[y]", "src[z]", "inc[x]", "inc[y]", "inc[z]", "other", "all"}

// TestMain doubles as a child process for the crash and concurrency tests.
func TestMain(m *testing.M) {
	if os.Getenv("RUNNER_TEST_CHILD") == "apply" {
		os.Exit(childApply())
	}
	os.Exit(m.Run())
}

func childApply() int {
	reg := testRegistry(1)
	p, ds := Load(os.Getenv("RUNNER_TEST_PIPELINE"), nil, reg)
	if len(ds) > 0 {
		fmt.Fprintln(os.Stderr, ds)
		return 2
	}
	plan, ds := NewPlan(p, reg)
	if len(ds) > 0 {
		fmt.Fprintln(os.Stderr, ds)
		return 2
	}
	store, err := artifacts.Open(os.Getenv("RUNNER_TEST_STORE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	_, err = Apply(context.Background(), plan, store, Options{Jobs: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type fixture struct {
	t     *testing.T
	dir   string
	path  string
	store *artifacts.Store
}

func newFixture(t *testing.T, body string) *fixture {
	t.Helper()
	dir := t.TempDir()
	store, err := artifacts.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	runLog.take()
	return &fixture{t: t, dir: dir, path: writePipeline(dir, "p.yaml", body), store: store}
}

func (f *fixture) plan(reg *stages.Registry, sets ...string) *Plan {
	f.t.Helper()
	p, ds := Load(f.path, sets, reg)
	if len(ds) > 0 {
		f.t.Fatalf("load: %v", ds)
	}
	plan, ds := NewPlan(p, reg)
	if len(ds) > 0 {
		f.t.Fatalf("plan: %v", ds)
	}
	return plan
}

// apply runs the pipeline and returns the set of instances that ran.
func (f *fixture) apply(reg *stages.Registry, jobs int, sets ...string) (*Result, map[string]int, error) {
	f.t.Helper()
	res, err := Apply(context.Background(), f.plan(reg, sets...), f.store, Options{Jobs: jobs})
	return res, runLog.take(), err
}

func keysOf(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func TestSecondApplyRunsNothing(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	res, ran, err := f.apply(reg, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ran != 8 || len(ran) != 8 {
		t.Fatalf("first apply ran %d (%v), want 8", res.Ran, keysOf(ran))
	}
	res, ran, err = f.apply(reg, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ran != 0 || res.Cached != 8 || len(ran) != 0 {
		t.Fatalf("second apply: ran %d cached %d (%v), want 0 and 8", res.Ran, res.Cached, keysOf(ran))
	}
}

func TestEachKeyIngredientInvalidatesExactlyDownstream(t *testing.T) {
	cases := []struct {
		name    string
		version int
		sets    []string
		want    []string
		reason  map[string]string // instance -> substring of the plan's reason
	}{
		{name: "param", version: 1, sets: []string{"inc.delta=2"},
			want:   []string{"inc[x]", "inc[y]", "inc[z]", "all"},
			reason: map[string]string{"inc[y]": "param delta changed: 1 -> 2", "all": "upstream inc[x] changed"}},
		{name: "upstream output", version: 1, sets: []string{"src.n=6"},
			want:   []string{"src[x]", "src[y]", "src[z]", "inc[x]", "inc[y]", "inc[z]", "all"},
			reason: map[string]string{"src[x]": "param n changed: 4 -> 6", "inc[z]": "upstream src[z] changed"}},
		{name: "stage version", version: 2,
			want:   []string{"src[x]", "src[y]", "src[z]", "other", "inc[x]", "inc[y]", "inc[z]", "all"},
			reason: map[string]string{"other": "stage version bumped: 1 -> 2", "inc[x]": "upstream src[x] changed"}},
		{name: "seed", version: 1, sets: []string{"seed=2"},
			want:   allIDs,
			reason: map[string]string{"other": "seed changed", "all": "seed changed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, basePipeline)
			if _, _, err := f.apply(testRegistry(1), 2); err != nil {
				t.Fatal(err)
			}
			reg := testRegistry(tc.version)
			plan := f.plan(reg, tc.sets...)
			decisions := plan.Decide(f.store, 2)
			for i, n := range plan.Nodes {
				if want, ok := tc.reason[n.ID()]; ok && !strings.Contains(decisions[i].Reason, want) {
					t.Errorf("plan reason for %s = %q, want it to contain %q", n.ID(), decisions[i].Reason, want)
				}
			}
			_, ran, err := f.apply(reg, 2, tc.sets...)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := keysOf(ran), sorted(tc.want...); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("reran %v, want %v", got, want)
			}
		})
	}
}

func TestDeterministicAcrossJobs(t *testing.T) {
	a := newFixture(t, basePipeline)
	b := newFixture(t, basePipeline)
	reg := testRegistry(1)
	if _, _, err := a.apply(reg, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.apply(reg, 4); err != nil {
		t.Fatal(err)
	}
	plan := a.plan(reg)
	for _, n := range plan.Nodes {
		ma, err := a.store.Lookup(n.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ma.Outputs {
			da := readEntryFile(t, a.store, n.Key, o.File)
			db := readEntryFile(t, b.store, n.Key, o.File)
			if !bytes.Equal(da, db) {
				t.Errorf("%s port %s differs between --jobs 1 and --jobs 4", n.ID(), o.Port)
			}
		}
	}
}

func readEntryFile(t *testing.T, s *artifacts.Store, key artifacts.Key, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(entryPath(s, key, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFailureSkipsDependentsAndReportsAll(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	res, ran, err := f.apply(reg, 2, "src.fail=true")
	if err == nil {
		t.Fatal("apply succeeded, want failures")
	}
	if res.Failed != 3 || res.Skipped != 4 {
		t.Fatalf("failed %d skipped %d, want 3 and 4", res.Failed, res.Skipped)
	}
	if _, ok := ran["other"]; !ok {
		t.Errorf("independent stage other did not run: %v", keysOf(ran))
	}
	msg := err.Error()
	for _, id := range []string{"src[x]", "src[y]", "src[z]"} {
		if !strings.Contains(msg, "stage "+id) {
			t.Errorf("report lacks %s:\n%s", id, msg)
		}
	}
	if !strings.Contains(msg, "p.yaml:7:3") || !strings.Contains(msg, "told to fail") {
		t.Errorf("report lacks position or cause:\n%s", msg)
	}
	var se *StageError
	if !errors.As(err, &se) || se.Cell.String() == "" {
		t.Errorf("error does not carry a StageError with a cell: %v", err)
	}
}

func TestFailFastStopsScheduling(t *testing.T) {
	f := newFixture(t, basePipeline)
	res, _, err := f.apply(testRegistry(1), 1, "src.fail=true")
	if err == nil {
		t.Fatal("want failure")
	}
	res2, err := Apply(context.Background(), f.plan(testRegistry(1), "src.fail=true"), f.store, Options{Jobs: 1, FailFast: true})
	if err == nil {
		t.Fatal("want failure")
	}
	if res2.Failed != 1 {
		t.Fatalf("fail-fast: %d failed, want 1 (without fail-fast: %d)", res2.Failed, res.Failed)
	}
}

func TestRetriesAndTimeout(t *testing.T) {
	body := strings.Replace(basePipeline, "    params: {n: 3}\n", "    params: {n: 3, fail_times: 1}\n    retries: 1\n", 1)
	f := newFixture(t, body)
	attempts.Delete("other")
	if _, _, err := f.apply(testRegistry(1), 2); err != nil {
		t.Fatalf("retry did not recover: %v", err)
	}
	body = strings.Replace(basePipeline, "    params: {n: 3}\n", "    params: {n: 3, sleep: 5s}\n    timeout: 50ms\n", 1)
	f = newFixture(t, body)
	start := time.Now()
	_, _, err := f.apply(testRegistry(1), 2)
	if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Fatalf("want a timeout error, got %v", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Fatalf("timeout did not stop the stage")
	}
}

func TestCancelLeavesNothingHalfWritten(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(150 * time.Millisecond)
		cancel()
	}()
	res, err := Apply(ctx, f.plan(reg, "inc.sleep=1s"), f.store, Options{Jobs: 2})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	if res.Interrupted == 0 {
		t.Fatalf("nothing interrupted: %+v", res)
	}
	done := runLog.take()
	keys, _ := f.store.List()
	for _, k := range keys {
		if err := f.store.Verify(k); err != nil {
			t.Fatalf("entry %s invalid after interrupt: %v", k, err)
		}
	}
	res2, ran, err := f.apply(reg, 2, "inc.sleep=1ms")
	if err != nil {
		t.Fatal(err)
	}
	for id := range ran {
		if strings.HasPrefix(id, "src") && done[id] > 0 {
			t.Errorf("%s finished before the interrupt but ran again", id)
		}
	}
	if res2.Ran+res2.Cached != 8 {
		t.Fatalf("resume: %+v", res2)
	}
}

func TestCorruptEntriesAreRecomputed(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	if _, _, err := f.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(reg)
	// A deleted file is caught by the cheap check: only src[x] reruns.
	if err := os.Remove(outputFile(t, f.store, plan.Node("src[x]").Key)); err != nil {
		t.Fatal(err)
	}
	decisions := plan.Decide(f.store, 1)
	if r := decisions[plan.Node("src[x]").Index].Reason; !strings.Contains(r, "corrupt") {
		t.Fatalf("plan reason %q, want corrupt", r)
	}
	_, ran, err := f.apply(reg, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(ran); strings.Join(got, " ") != "src[x]" {
		t.Fatalf("reran %v, want [src[x]]", got)
	}
	// A flipped byte keeps the size: it is caught when a consumer reads the
	// table, and the producer is recomputed before the consumer runs.
	flip(t, f.store, plan.Node("src[y]").Key)
	_, ran, err = f.apply(reg, 2, "inc.delta=3")
	if err != nil {
		t.Fatalf("apply over a flipped byte: %v", err)
	}
	if ran["src[y]"] != 1 || ran["inc[y]"] != 1 {
		t.Fatalf("reran %v, want src[y] recomputed and inc[y] run", keysOf(ran))
	}
	if err := f.store.Verify(plan.Node("src[y]").Key); err != nil {
		t.Fatalf("src[y] still corrupt: %v", err)
	}
}

func outputFile(t *testing.T, s *artifacts.Store, key artifacts.Key) string {
	t.Helper()
	m, err := s.Lookup(key)
	if err != nil {
		t.Fatal(err)
	}
	return entryPath(s, key, m.Outputs[0].File)
}

func flip(t *testing.T, s *artifacts.Store, key artifacts.Key) {
	path := outputFile(t, s, key)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func childCmd(t *testing.T, f *fixture, runlog string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RUNNER_TEST_CHILD=apply", "RUNNER_TEST_PIPELINE="+f.path,
		"RUNNER_TEST_STORE="+f.store.Root(), "RUNNER_TEST_RUNLOG="+runlog)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("child stderr: %s", stderr.String())
		}
	})
	return cmd
}

func readRunLog(t *testing.T, path string) map[string]int {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, l := range strings.Fields(string(b)) {
		m[l]++
	}
	return m
}

func TestSIGKILLMidApply(t *testing.T) {
	body := strings.ReplaceAll(basePipeline, "params: {n: 4}", "params: {n: 4, sleep: 200ms}")
	f := newFixture(t, body)
	runlog := filepath.Join(f.dir, "runlog")
	cmd := childCmd(t, f, runlog)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once some stages have started and at least one finished.
	deadline := time.Now().Add(20 * time.Second)
	for {
		keys, _ := f.store.List()
		if len(keys) >= 1 && len(readRunLog(t, runlog)) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("child made no progress")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	finished := map[string]bool{}
	reg := testRegistry(1)
	plan := f.plan(reg)
	for _, n := range plan.Nodes {
		if _, err := f.store.Lookup(n.Key); err == nil {
			finished[n.ID()] = true
			if err := f.store.Verify(n.Key); err != nil {
				t.Fatalf("entry of %s left corrupt by SIGKILL: %v", n.ID(), err)
			}
		}
	}
	if len(finished) == 0 || len(finished) == len(plan.Nodes) {
		t.Fatalf("kill came too early or too late: %d of %d finished", len(finished), len(plan.Nodes))
	}
	// The killed runner's leases name a dead pid: they are broken at once.
	res, ran, err := f.apply(reg, 2)
	if err != nil {
		t.Fatal(err)
	}
	for id := range ran {
		if finished[id] {
			t.Errorf("%s had finished before the kill but ran again", id)
		}
	}
	if res.Ran != len(plan.Nodes)-len(finished) {
		t.Fatalf("resume ran %d, want %d", res.Ran, len(plan.Nodes)-len(finished))
	}
}

func TestConcurrentAppliesComputeEachKeyOnce(t *testing.T) {
	body := strings.ReplaceAll(basePipeline, "params: {n: 4}", "params: {n: 4, sleep: 50ms}")
	f := newFixture(t, body)
	runlog := filepath.Join(f.dir, "runlog")
	a, b := childCmd(t, f, runlog), childCmd(t, f, runlog)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(); err != nil {
		t.Fatalf("first runner: %v", err)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("second runner: %v", err)
	}
	counts := readRunLog(t, runlog)
	for _, id := range allIDs {
		if counts[id] != 1 {
			t.Errorf("%s computed %d times, want 1", id, counts[id])
		}
	}
}

func TestPlanDiagnostics(t *testing.T) {
	body := `version: 1
name: bad
stages:
  a:
    kind: src
  b:
    kind: add
    inputs: {inn: "a.table"}
  c:
    kind: add
    inputs: {in: "a.tabel"}
  d:
    kind: gather
    inputs: {tables: "a.table"}
    params: {x: 1}
  e:
    kind: src
    params: {n: -1}
`
	f := newFixture(t, body)
	reg := testRegistry(1)
	p, ds := Load(f.path, nil, reg)
	if len(ds) > 0 {
		t.Fatalf("load: %v", ds)
	}
	_, ds = NewPlan(p, reg)
	got := ds.Error()
	for _, want := range []string{
		"p.yaml:16:3: stages.e: n must be >= 0",
		`p.yaml:8:19: stages.b.inputs.inn: stage kind add has no input port "inn" (did you mean "in"?)`,
		`p.yaml:6:3: stages.b.inputs: required input port "in" of kind add is not connected`,
		`p.yaml:11:18: stages.c.inputs.in: stage a (kind src) has no output port "tabel" (did you mean "table"?)`,
		`p.yaml:15:14: stages.d.params: unknown field "x"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}
