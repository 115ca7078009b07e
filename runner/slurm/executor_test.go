package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/internal/clusterlock"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/basic"
	_ "github.com/chaos-runner/runner/stages/exec"
	_ "github.com/chaos-runner/runner/stages/generate"
)

// The Slurm tests submit real jobs that run the real runner binary, so they
// use real stage kinds (sample, collect, generate). They need a Slurm
// cluster whose nodes see this machine's temporary directory: the local
// one of scripts/slurm/start-local-slurm.sh. Without sbatch they skip,
// except under CI, which starts that cluster first.

const slurmPipeline = `version: 1
name: slurm
seed: 5
matrix:
  c: [a, "b c", "d'e"]
stages:
  s:
    kind: sample
    foreach: [c]
    params: {n: 7, scale: 3}
  one:
    kind: sample
    params: {n: 4}
  all:
    kind: collect
    inputs: {tables: "s[*].table"}
`

// failPipeline: bad passes validation but its integration blows up at run
// time (step size underflow); after depends on it; ok is independent.
const failPipeline = `version: 1
name: slurmfail
seed: 5
stages:
  bad:
    kind: generate
    params: {system: Lorenz, n: 50, ic: [1e300, 1e300, 1e300]}
  after:
    kind: collect
    inputs: {tables: "bad.train"}
  ok:
    kind: sample
`

// slowPipeline: held is submitted with --hold by the test; slow computes
// for far longer than the test waits.
const slowPipeline = `version: 1
name: slurmslow
seed: 5
stages:
  slow:
    kind: generate
    params: {system: ode, n: 200000, rtol: 1e-13, atol: 1e-13}
  after:
    kind: collect
    inputs: {tables: "slow.train"}
`

// timeoutPipeline: slow needs 100 s, more than its one-minute limit (Slurm
// ends it as TIMEOUT within a minute and a half: its time-limit check runs
// every 30 s) and less than the two minutes of its retry.
const timeoutPipeline = `version: 1
name: slurmtimeout
stages:
  slow:
    kind: exec
    retries: 1
    resources: {time: 1}
    params:
      command: [sh, -c, 'sleep 100; printf "x\\n1\\n" > out/t.csv']
      format: csv
      out: [{name: t, columns: ["x:int64"]}]
`

const retryPipeline = `version: 1
name: slurmretry
seed: 5
stages:
  flaky:
    kind: sample
    retries: 1
`

// requireSlurm skips (or under CI fails) without a cluster, and holds the
// cluster lock shared until the test ends, so that no other package's test
// stops the controller under it.
func requireSlurm(t *testing.T) *clusterHold {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sbatch not found: CI must start Slurm first (scripts/slurm/start-local-slurm.sh)")
		}
		t.Skip("sbatch not found: start a local cluster with scripts/slurm/start-local-slurm.sh")
	}
	if testing.Short() {
		t.Skip("submits Slurm jobs")
	}
	l, err := clusterlock.Shared()
	if err != nil {
		t.Fatal(err)
	}
	h := &clusterHold{l: l}
	t.Cleanup(func() { h.l.Release() })
	return h
}

// clusterHold is a test's hold on the cluster lock.
type clusterHold struct{ l *clusterlock.Lock }

// exclusive trades the shared hold for an exclusive one, for a test that
// stops the controller; the returned func trades it back.
func (h *clusterHold) exclusive(t *testing.T) (shared func()) {
	t.Helper()
	h.l.Release()
	x, err := clusterlock.Exclusive()
	if err != nil {
		t.Fatal(err)
	}
	h.l = x
	return func() {
		h.l.Release()
		l, err := clusterlock.Shared()
		if err != nil {
			t.Fatal(err)
		}
		h.l = l
	}
}

// buildRunner builds the runner binary that the jobs run.
func buildRunner(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "runner")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/runner")
	cmd.Dir = "../.." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/runner: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is an io.Writer safe for the executor's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var jobIDLine = regexp.MustCompile(`slurm: job (\d+): `)

// jobIDs returns the plain job ids an executor logged, in order.
func (s *syncBuffer) jobIDs() []string {
	var ids []string
	for _, m := range jobIDLine.FindAllStringSubmatch(s.String(), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// fixture is a pipeline file and a store in a directory of their own.
type fixture struct {
	t     *testing.T
	dir   string
	path  string
	store *artifacts.Store
}

func newFixture(t *testing.T, dir, body string) *fixture {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	store, err := artifacts.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, dir: dir, path: path, store: store}
}

// plan plans the pipeline with the real stage kinds.
func (f *fixture) plan() *runner.Plan {
	f.t.Helper()
	p, ds := runner.Load(f.path, nil, stages.Default)
	if len(ds) > 0 {
		f.t.Fatalf("load: %v", ds)
	}
	plan, ds := runner.NewPlan(p, stages.Default)
	if len(ds) > 0 {
		f.t.Fatalf("plan: %v", ds)
	}
	return plan
}

type slurmEnv struct {
	t   *testing.T
	bin string
	dir string
}

func (env *slurmEnv) fixture(name, body string) (*fixture, *runner.Plan) {
	f := newFixture(env.t, filepath.Join(env.dir, name), body)
	return f, f.plan()
}

func (env *slurmEnv) executor(f *fixture, log *syncBuffer, args ...string) *Executor {
	env.t.Helper()
	ex, err := New(Config{
		Runner: env.bin, Pipeline: f.path, Store: f.store.Root(), Chdir: f.dir,
		Args: args, Poll: 100 * time.Millisecond, Log: log,
	})
	if err != nil {
		env.t.Fatal(err)
	}
	return ex
}

func TestSlurmExecutor(t *testing.T) {
	hold := requireSlurm(t)
	dir := t.TempDir()
	env := &slurmEnv{t: t, bin: buildRunner(t, dir), dir: dir}

	t.Run("ApplyMatchesLocal", func(t *testing.T) {
		env.t = t
		f, plan := env.fixture("apply", slurmPipeline)
		log := &syncBuffer{}
		ex := env.executor(f, log)
		start := time.Now()
		res, err := runner.Apply(context.Background(), plan, f.store, runner.Options{Jobs: 16, Executor: ex})
		if err != nil {
			t.Fatalf("apply: %v\nexecutor log:\n%s", err, log)
		}
		t.Logf("5 stages in 2 waves through Slurm: %.2fs, %d sbatch calls for %d jobs", time.Since(start).Seconds(), ex.Submissions(), ex.Jobs())
		if res.Ran != 5 || ex.Jobs() != 5 {
			t.Fatalf("ran %d stages in %d jobs, want 5 and 5", res.Ran, ex.Jobs())
		}
		if ex.Submissions() >= ex.Jobs() {
			t.Errorf("%d sbatch calls for %d jobs: the cells of s were not one job array\n%s", ex.Submissions(), ex.Jobs(), log)
		}
		if !strings.Contains(log.String(), "job array") {
			t.Errorf("no job array in the log:\n%s", log)
		}
		for _, n := range plan.Nodes {
			if err := f.store.Verify(n.Key); err != nil {
				t.Errorf("%s: %v", n.ID(), err)
			}
		}
		if entries, _ := os.ReadDir(filepath.Join(f.store.Root(), "slurm")); len(entries) != 0 {
			t.Errorf("work dir not cleaned after success: %d entries", len(entries))
		}

		// The same pipeline applied here gives the same keys and bytes.
		local, lplan := env.fixture("local", slurmPipeline)
		if _, err := runner.Apply(context.Background(), lplan, local.store, runner.Options{Jobs: 2}); err != nil {
			t.Fatal(err)
		}
		sameEntries(t, plan, f.store, lplan, local.store)

		// A second apply submits nothing.
		ex2 := env.executor(f, log)
		res, err = runner.Apply(context.Background(), f.plan(), f.store, runner.Options{Jobs: 16, Executor: ex2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Ran != 0 || res.Cached != 5 || ex2.Submissions() != 0 {
			t.Fatalf("second apply: ran %d, cached %d, %d submissions; want 0, 5, 0", res.Ran, res.Cached, ex2.Submissions())
		}
	})

	t.Run("MatrixInBatchesMatchesLocal", func(t *testing.T) {
		env.t = t
		f, plan := env.fixture("matrix", matrixPipeline(200, 50))
		log := &syncBuffer{}
		ex := env.executor(f, log)
		start := time.Now()
		res, err := runner.Apply(context.Background(), plan, f.store, runner.Options{Jobs: 1000, Executor: ex})
		if err != nil {
			t.Fatalf("apply: %v\nexecutor log:\n%s", err, log)
		}
		t.Logf("201 cells through Slurm in batches of 50: %.2fs, %d sbatch calls, %d jobs", time.Since(start).Seconds(), ex.Submissions(), ex.Jobs())
		if res.Ran != 201 || ex.Cells() != 201 {
			t.Fatalf("ran %d, submitted %d cells; want 201", res.Ran, ex.Cells())
		}
		// 200 cells in tasks of 50 (one array of 4, or a few arrays when
		// they became ready apart), plus the fan-in.
		if ex.Jobs() > 9 || !strings.Contains(log.String(), "job array") {
			t.Errorf("%d jobs for 201 cells, want arrays of batches:\n%s", ex.Jobs(), log)
		}
		local, lplan := env.fixture("matrix-local", matrixPipeline(200, 50))
		if _, err := runner.Apply(context.Background(), lplan, local.store, runner.Options{Jobs: 2}); err != nil {
			t.Fatal(err)
		}
		sameEntries(t, plan, f.store, lplan, local.store)
	})

	t.Run("SurvivesControllerRestart", func(t *testing.T) {
		env.t = t
		defer hold.exclusive(t)()
		pid := controllerPID(t)
		f, plan := env.fixture("restart", slurmPipeline)
		log := &syncBuffer{}
		ex := env.executor(f, log)
		done := make(chan error, 1)
		var res *runner.Result
		go func() {
			var err error
			res, err = runner.Apply(context.Background(), plan, f.store, runner.Options{Jobs: 16, Executor: ex})
			done <- err
		}()
		// Kill slurmctld once the first wave is queued, keep it down for
		// 10 s (the first wave ends meanwhile), and start it again with
		// the script CI uses: the run goes on.
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(log.String(), "slurm: job") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		proc, err := os.FindProcess(pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := proc.Kill(); err != nil {
			t.Fatalf("kill slurmctld %d: %v", pid, err)
		}
		t.Logf("killed slurmctld (pid %d)", pid)
		time.Sleep(10 * time.Second)
		restart := time.Now()
		if out, err := exec.Command("bash", "../../scripts/slurm/start-local-slurm.sh").CombinedOutput(); err != nil {
			t.Fatalf("restart Slurm: %v\n%s", err, out)
		}
		t.Logf("Slurm restarted in %.1fs", time.Since(restart).Seconds())
		defer func() {
			t.Logf("apply ended %.1fs after the restart; executor log:\n%s", time.Since(restart).Seconds(), log)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("apply across a controller restart: %v\n%s", err, log)
			}
		case <-time.After(5 * time.Minute): // a loaded machine: the controller recovers slowly
			t.Fatalf("apply did not finish after the restart:\n%s", log)
		}
		if res.Ran != 5 {
			t.Errorf("ran %d, want 5", res.Ran)
		}
		if !strings.Contains(log.String(), "retrying") {
			t.Errorf("the outage went unnoticed (the run was too quick?):\n%s", log)
		}
	})

	t.Run("FailureReportsLogAndSkipsDependents", func(t *testing.T) {
		env.t = t
		f, plan := env.fixture("fail", failPipeline)
		ex := env.executor(f, &syncBuffer{})
		res, err := runner.Apply(context.Background(), plan, f.store, runner.Options{Jobs: 16, Executor: ex})
		if err == nil {
			t.Fatal("apply succeeded, want the failure of bad")
		}
		got := map[string]runner.Outcome{}
		for _, n := range plan.Nodes {
			got[n.ID()] = res.Outcomes[n.Index]
		}
		want := map[string]runner.Outcome{"bad": runner.Failed, "after": runner.Skipped, "ok": runner.Ran}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		var se *runner.StageError
		if !errors.As(err, &se) || se.ID != "bad" {
			t.Fatalf("error %v: want a StageError of bad", err)
		}
		var je *JobError
		if !errors.As(err, &je) {
			t.Fatalf("error %v: want a JobError", err)
		}
		if je.State != "FAILED" || je.ExitCode != 1 {
			t.Errorf("job %s %s exit %d, want FAILED exit 1", je.JobID, je.State, je.ExitCode)
		}
		msg := err.Error()
		for _, want := range []string{"slurm job " + je.JobID + " FAILED", "task-0.err ends with", "step size underflow"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		if _, err := os.Stat(je.Log); err != nil {
			t.Errorf("failed job's log was not kept: %v", err)
		}
		if ex.Jobs() != 2 {
			t.Errorf("%d jobs, want 2 (after must not be submitted)", ex.Jobs())
		}
	})

	t.Run("TimeoutRetriedWithMoreTime", func(t *testing.T) {
		env.t = t
		f, plan := env.fixture("timeout", timeoutPipeline)
		log := &syncBuffer{}
		ex := env.executor(f, log)
		start := time.Now()
		res, err := runner.Apply(context.Background(), plan, f.store, runner.Options{Jobs: 2, Executor: ex})
		if err != nil {
			t.Fatalf("apply: %v\nexecutor log:\n%s", err, log)
		}
		t.Logf("a 100 s stage with a 1-minute limit: done in %.0fs\n%s", time.Since(start).Seconds(), log)
		if res.Ran != 1 || ex.Jobs() != 2 {
			t.Errorf("ran %d in %d jobs, want 1 in 2 (the first ended by its time limit)", res.Ran, ex.Jobs())
		}
		if !strings.Contains(log.String(), "TIMEOUT; resubmitting with 2x the time (attempt 2 of 2)") {
			t.Errorf("no TIMEOUT retry in the log:\n%s", log)
		}
		if err := f.store.Verify(plan.Node("slow").Key); err != nil {
			t.Error(err)
		}
	})

	t.Run("CancelScancelsJobs", func(t *testing.T) {
		env.t = t
		f, plan := env.fixture("cancel", slowPipeline)
		log := &syncBuffer{}
		ex := env.executor(f, log)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type result struct {
			res *runner.Result
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := runner.Apply(ctx, plan, f.store, runner.Options{Jobs: 16, Executor: ex})
			done <- result{res, err}
		}()
		id := waitJobState(t, log, "RUNNING")
		cancel()
		var r result
		select {
		case r = <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("apply did not return after cancellation")
		}
		if !errors.Is(r.err, runner.ErrInterrupted) {
			t.Errorf("apply: %v, want ErrInterrupted", r.err)
		}
		if r.res.Interrupted != 2 {
			t.Errorf("%d interrupted, want 2", r.res.Interrupted)
		}
		if st := waitTerminal(t, id); st != "CANCELLED" {
			t.Errorf("job %s ended %s, want CANCELLED", id, st)
		}
		if ex.Jobs() != 1 {
			t.Errorf("%d jobs submitted, want 1", ex.Jobs())
		}
	})

	t.Run("ResubmitsCancelledJob", func(t *testing.T) {
		env.t = t
		f, plan := env.fixture("retry", retryPipeline)
		log := &syncBuffer{}
		ex := env.executor(f, log, "--hold")
		done := make(chan error, 1)
		go func() {
			_, err := runner.Apply(context.Background(), plan, f.store, runner.Options{Jobs: 16, Executor: ex})
			done <- err
		}()
		// Someone else cancels the first job: not a stage failure, so it is
		// resubmitted (retries: 1); the second one is released and runs.
		first := waitJobState(t, log, "PENDING")
		if out, err := exec.Command("scancel", first).CombinedOutput(); err != nil {
			t.Fatalf("scancel: %v: %s", err, out)
		}
		var second string
		deadline := time.Now().Add(20 * time.Second)
		for second == "" && time.Now().Before(deadline) {
			if ids := log.jobIDs(); len(ids) > 1 {
				second = ids[1]
			}
			time.Sleep(50 * time.Millisecond)
		}
		if second == "" {
			t.Fatalf("no resubmission:\n%s", log)
		}
		if out, err := exec.Command("scontrol", "release", second).CombinedOutput(); err != nil {
			t.Fatalf("scontrol release: %v: %s", err, out)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, log)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("apply did not finish")
		}
		if ex.Submissions() != 2 || !strings.Contains(log.String(), "resubmitting (attempt 2 of 2)") {
			t.Errorf("%d submissions, want 2; log:\n%s", ex.Submissions(), log)
		}
	})
}

// controllerPID returns the pid of the slurmctld that
// scripts/slurm/start-local-slurm.sh started (which can start it again).
func controllerPID(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/run/runner-slurm/slurmctld.pid")
	if err == nil && os.Geteuid() == 0 {
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "slurmctld" {
			return pid
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no slurmctld started by scripts/slurm/start-local-slurm.sh to restart (CI runs it as root)")
	}
	t.Skip("needs root and the slurmctld of scripts/slurm/start-local-slurm.sh")
	return 0
}

// matrixPipeline is cells trivial cells in batches of batch, plus a fan-in.
func matrixPipeline(cells, batch int) string {
	vals := make([]string, cells)
	for i := range vals {
		vals[i] = strconv.Itoa(i)
	}
	return fmt.Sprintf(`version: 1
name: matrix
seed: 3
matrix:
  i: [%s]
stages:
  cell:
    kind: sample
    foreach: [i]
    batch: %d
    params: {n: 2}
  all:
    kind: collect
    inputs: {tables: "cell[*].table"}
`, strings.Join(vals, ", "), batch)
}

// sameEntries checks that two plans have the same keys and their stores
// the same bytes.
func sameEntries(t *testing.T, plan *runner.Plan, store *artifacts.Store, lplan *runner.Plan, local *artifacts.Store) {
	t.Helper()
	for i, n := range plan.Nodes {
		ln := lplan.Nodes[i]
		if n.ID() != ln.ID() || n.Key != ln.Key {
			t.Fatalf("node %d: %s %s vs local %s %s", i, n.ID(), n.Key.Short(), ln.ID(), ln.Key.Short())
		}
		for _, p := range n.Out {
			a, err := os.ReadFile(store.Path(n.Key, p.Name))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(local.Path(ln.Key, p.Name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s.%s: Slurm and local artifacts differ (%d vs %d bytes)", n.ID(), p.Name, len(a), len(b))
			}
		}
	}
}

// waitJobState waits until the first job the executor logged is in state
// and returns its id.
func waitJobState(t *testing.T, log *syncBuffer, state string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ids := log.jobIDs(); len(ids) > 0 {
			out, _ := exec.Command("squeue", "-h", "-t", "all", "-j", ids[0], "-o", "%T").Output()
			if strings.TrimSpace(string(out)) == state {
				return ids[0]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no job reached %s; executor log:\n%s", state, log)
	return ""
}

// waitTerminal waits until Slurm reports a terminal state for job id.
func waitTerminal(t *testing.T, id string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var st string
	for time.Now().Before(deadline) {
		out, _ := exec.Command("squeue", "-h", "-t", "all", "-j", id, "-o", "%T").Output()
		st = strings.TrimSpace(string(out))
		if terminalStates[st] {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	return st
}

func TestShellQuote(t *testing.T) {
	for _, s := range []string{"plain", "s[a]", "s[b c]", "s[d'e]", "", "$(x) `y` \"z\"\n"} {
		out, err := exec.Command("bash", "-c", `printf %s `+shellQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s {
			t.Errorf("shellQuote(%q) round-trips to %q", s, out)
		}
	}
}

// fakeClient is a Slurm that refuses job arrays, runs a plain job's script
// at once, and has forgotten every job by the time it is asked about it (as
// after MinJobAge), so the executor must settle jobs from their exit-code
// files.
type fakeClient struct {
	mu        sync.Mutex
	next      int
	submitted []Job
}

func (c *fakeClient) Submit(ctx context.Context, job Job) (string, error) {
	c.mu.Lock()
	c.submitted = append(c.submitted, job)
	c.mu.Unlock()
	if job.Array > 0 {
		return "", errors.New("sbatch: error: Batch job submission failed: Invalid job array specification")
	}
	stdout, err := os.Create(job.Output)
	if err != nil {
		return "", err
	}
	defer stdout.Close()
	stderr, err := os.Create(job.Error)
	if err != nil {
		return "", err
	}
	defer stderr.Close()
	cmd := exec.CommandContext(ctx, "bash", job.Script)
	cmd.Dir, cmd.Stdout, cmd.Stderr = job.Chdir, stdout, stderr
	_ = cmd.Run() // its exit code is in its exit-code file
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	return strconv.Itoa(100 + c.next), nil
}

func (c *fakeClient) Query(context.Context, []string) (map[string]JobState, error) {
	return map[string]JobState{}, nil
}

func (c *fakeClient) Cancel(context.Context, []string) error { return nil }

func (c *fakeClient) arrays() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sizes []int
	for _, j := range c.submitted {
		if j.Array > 0 {
			sizes = append(sizes, j.Array)
		}
	}
	return sizes
}

// fakeRunner writes a runner binary that logs its arguments to the file
// calls and exits with the codes listed in the file rc, one per call.
// Returns the binary, calls and a function that sets the codes.
func fakeRunner(t *testing.T) (bin, calls string, setRCs func(string)) {
	t.Helper()
	dir := t.TempDir()
	bin, calls, rc := filepath.Join(dir, "runner"), filepath.Join(dir, "calls"), filepath.Join(dir, "rc")
	script := `#!/bin/bash
echo "runner $*" >>` + shellQuote(calls) + `
exec 9>` + shellQuote(rc+".lock") + `; flock 9
rcs=($(cat ` + shellQuote(rc) + `)); echo "${rcs[*]:1}" >` + shellQuote(rc) + `
exec 9>&-
first=0; rcdir=
while [ $# -gt 0 ]; do
  case "$1" in --first) first=$2; shift ;; --rc-dir) rcdir=$2; shift ;; esac
  shift
done
# Exit codes 0, 1 and 2 are cell verdicts (recorded); "die" finishes the
# first cell and kills the job; other codes are a dying job.
if [ "${rcs[0]}" = die ]; then echo 0 >"$rcdir/cell-$first.rc"; echo "fake exec-node dies" >&2; exit 137; fi
if [ -n "$rcdir" ] && [ "${rcs[0]}" -le 2 ]; then echo "${rcs[0]}" >"$rcdir/cell-$first.rc"; fi
echo "fake exec-node exits ${rcs[0]}" >&2
exit "${rcs[0]}"
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, calls, func(rcs string) {
		if err := os.WriteFile(rc, []byte(rcs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const fakePipeline = `version: 1
name: fake
seed: 1
matrix:
  a: [x, y, z]
stages:
  src:
    kind: sample
    foreach: [a]
    params: {n: 4}
  other:
    kind: sample
    params: {n: 3}
`

// TestForgottenJobsAndRetries runs without Slurm: jobs that Slurm no
// longer knows are settled by their exit-code files, refused arrays fall
// back to plain jobs, a job that ends without a stage verdict is
// resubmitted up to the stage's retries, and a stage failure is not.
func TestForgottenJobsAndRetries(t *testing.T) {
	bin, calls, setRCs := fakeRunner(t)
	f := newFixture(t, t.TempDir(), fakePipeline)
	plan := f.plan()
	client := &fakeClient{}
	ex, err := New(Config{
		Runner: bin, Pipeline: f.path, Store: f.store.Root(), Client: client,
		Sets: []string{"seed=3", "src.tag=it's"}, Poll: 10 * time.Millisecond, ArrayWindow: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	other, srcX := plan.Node("other"), plan.Node("src[x]")

	setRCs("0")
	if err := ex.Run(ctx, other); err != nil {
		t.Fatalf("forgotten job that exited 0: %v", err)
	}
	// The job runs the compiled spec of its cell, never the pipeline file.
	script, _ := os.ReadFile(calls)
	if !regexp.MustCompile(`exec-node --spec \S+/jobs.json --first 0 --count 1 --rc-dir \S+ --store `+regexp.QuoteMeta(f.store.Root())).Match(script) ||
		strings.Contains(string(script), f.path) {
		t.Errorf("exec-node arguments:\n%s", script)
	}

	// A refused array (one cell) falls back to a plain job; exit 3 is not a
	// stage verdict, so with retries: 1 the node is resubmitted once.
	srcX.Inst.Retries = 1
	setRCs("3 0")
	if err := ex.Run(ctx, srcX); err != nil {
		t.Fatalf("retried job: %v", err)
	}
	setRCs("3 3")
	err = ex.Run(ctx, srcX)
	var je *JobError
	if !errors.As(err, &je) || je.State != "FAILED" || je.ExitCode != 3 || !strings.Contains(err.Error(), "attempt 2 of 2") ||
		!strings.Contains(je.Tail, "fake exec-node") {
		t.Fatalf("twice exit 3: %v", err)
	}
	// Exit 1 is the stage's own failure (after its in-job retries): final.
	before := ex.Submissions()
	setRCs("1 0")
	if err := ex.Run(ctx, srcX); !errors.As(err, &je) || je.ExitCode != 1 {
		t.Fatalf("stage failure: %v", err)
	}
	if got := ex.Submissions() - before; got != 1 {
		t.Errorf("stage failure submitted %d times, want once", got)
	}

	// Two cells ready together make an array; refused, each goes alone.
	setRCs("0 0 0 0")
	before = ex.Submissions()
	var wg sync.WaitGroup
	for _, id := range []string{"src[y]", "src[z]"} {
		wg.Go(func() {
			if err := ex.Run(ctx, plan.Node(id)); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		})
	}
	wg.Wait()
	if got, arrays := ex.Submissions()-before, client.arrays(); got != 3 || !slices.Contains(arrays, 2) {
		t.Errorf("want one refused array of 2 and two plain jobs, got %d submissions, arrays %v", got, arrays)
	}

	// A batch job that dies after its first cell loses only the second,
	// which is resubmitted alone (not counted against its retries).
	setRCs("die 0")
	before = ex.Submissions()
	y, z := plan.Node("src[y]"), plan.Node("src[z]")
	y.Inst.Batch, z.Inst.Batch = 2, 2
	for _, n := range []*runner.Node{y, z} {
		wg.Go(func() {
			if err := ex.Run(ctx, n); err != nil {
				t.Errorf("%s: %v", n.ID(), err)
			}
		})
	}
	wg.Wait()
	if got := ex.Submissions() - before; got != 2 {
		t.Errorf("a dying batch of 2: %d submissions, want 2 (the batch, then its lost cell alone)", got)
	}
	if out, _ := os.ReadFile(calls); !strings.Contains(string(out), "--count 2") {
		t.Errorf("no batch of 2 cells:\n%s", out)
	}
}

// timeoutClient is a Slurm where the first job of a node runs out of time
// and later ones run their script at once (then are forgotten).
type timeoutClient struct {
	fakeClient
	timedOut map[string]bool
}

func (c *timeoutClient) Submit(ctx context.Context, job Job) (string, error) {
	c.mu.Lock()
	first := len(c.submitted) == 0
	c.mu.Unlock()
	if first {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.submitted = append(c.submitted, job)
		c.timedOut["900"] = true
		return "900", nil
	}
	return c.fakeClient.Submit(ctx, job)
}

func (c *timeoutClient) Query(_ context.Context, ids []string) (map[string]JobState, error) {
	states := map[string]JobState{}
	for _, id := range ids {
		if c.timedOut[id] {
			states[id] = JobState{State: "TIMEOUT", Reason: "TimeLimit", ExitCode: -1}
		}
	}
	return states, nil
}

// TestTimeoutRetriedWithMoreTime: a job that ends TIMEOUT is resubmitted
// with twice the time limit (and the stage's resources), and succeeds.
func TestTimeoutRetriedWithMoreTime(t *testing.T) {
	bin, _, setRCs := fakeRunner(t)
	f := newFixture(t, t.TempDir(), fakePipeline)
	plan := f.plan()
	client := &timeoutClient{timedOut: map[string]bool{}}
	log := &syncBuffer{}
	ex, err := New(Config{Runner: bin, Store: f.store.Root(), Client: client, Poll: 10 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	n := plan.Node("other")
	n.Inst.Retries = 1
	n.Inst.Resources = spec.Resources{Time: "10", Mem: "1G", Partition: "debug"}
	setRCs("0")
	if err := ex.Run(context.Background(), n); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	if len(client.submitted) != 2 {
		t.Fatalf("%d submissions, want 2", len(client.submitted))
	}
	first, second := client.submitted[0], client.submitted[1]
	if first.Time != "10" || second.Time != "20" {
		t.Errorf("time limits %q then %q, want 10 then 20", first.Time, second.Time)
	}
	for _, want := range []string{"--partition=debug", "--mem=1024M"} {
		if !slices.Contains(second.Args, want) {
			t.Errorf("retried job's args %q lack %s", second.Args, want)
		}
	}
	if !strings.Contains(log.String(), "TIMEOUT; resubmitting with 2x the time (attempt 2 of 2)") {
		t.Errorf("log:\n%s", log)
	}
}
