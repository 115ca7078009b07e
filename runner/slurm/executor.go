package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaos-runner/runner/runner"
)

// Config configures an Executor. Paths must be absolute and visible at the
// same place on the compute nodes.
type Config struct {
	// Runner is the runner binary the jobs run (usually os.Executable()).
	Runner string
	// Pipeline is the pipeline file. It must not change while jobs run:
	// each job re-plans it and computes the instance it is given.
	Pipeline string
	// Sets are the --set overrides, passed on to every job.
	Sets []string
	// Store is the artifact store root, on a filesystem shared with the
	// compute nodes.
	Store string
	// WorkDir holds job scripts, logs and exit-code files (default
	// <Store>/slurm). Each submission gets a sub-directory, removed when all
	// its jobs succeeded; failed jobs keep theirs for inspection.
	WorkDir string
	// Chdir is the jobs' working directory (default: the current directory).
	Chdir string
	// Partition and Account are passed as --partition and --account if set.
	Partition, Account string
	// Args are extra sbatch arguments, such as --qos=short or --mem=2G.
	Args []string
	// Poll is the interval between job state queries (default 500ms).
	Poll time.Duration
	// ArrayWindow is how long the first ready cell of a matrix stage waits
	// for more cells of the same stage to submit them as one job array
	// (default 100ms; negative: never use job arrays).
	ArrayWindow time.Duration
	// MaxArray caps the size of one job array (default 1000, under Slurm's
	// default MaxArraySize of 1001).
	MaxArray int
	// Log receives one line per submission, resubmission and cancellation;
	// nil discards.
	Log io.Writer
	// Client talks to Slurm; nil is CLI, the Slurm commands on PATH.
	Client Client
}

// Executor is a runner.Executor that runs nodes as Slurm batch jobs. It is
// safe for concurrent use; runner.Apply calls Run from many goroutines (use
// a large Options.Jobs: a waiting node costs a goroutine, not a core).
type Executor struct {
	cfg Config

	submits atomic.Int64 // Client.Submit calls
	jobs    atomic.Int64 // jobs submitted (array tasks count one each)
	seq     atomic.Int64 // submission directory names

	mu       sync.Mutex
	batches  map[string]*submission // open array batches by stage
	watchers map[*watcher]bool      // outstanding jobs
	cancels  []*watcher             // jobs to scancel at the next poll
	polling  bool
	wake     chan struct{}
}

var _ runner.Executor = (*Executor)(nil)

// New checks the configuration and returns an executor.
func New(cfg Config) (*Executor, error) {
	for name, p := range map[string]string{"runner binary": cfg.Runner, "pipeline": cfg.Pipeline, "store": cfg.Store} {
		if p == "" || !filepath.IsAbs(p) {
			return nil, fmt.Errorf("slurm executor: %s path %q must be absolute", name, p)
		}
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = filepath.Join(cfg.Store, "slurm")
	}
	if cfg.Chdir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("slurm executor: %w", err)
		}
		cfg.Chdir = wd
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.ArrayWindow == 0 {
		cfg.ArrayWindow = 100 * time.Millisecond
	}
	if cfg.MaxArray <= 0 {
		cfg.MaxArray = 1000
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Client == nil {
		cfg.Client = CLI{}
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("slurm executor: work dir: %w", err)
	}
	return &Executor{
		cfg:      cfg,
		batches:  map[string]*submission{},
		watchers: map[*watcher]bool{},
		wake:     make(chan struct{}, 1),
	}, nil
}

// Submissions returns how many times a job (or job array) was submitted,
// refused submissions included.
func (e *Executor) Submissions() int { return int(e.submits.Load()) }

// Jobs returns how many jobs were submitted (each array task counts).
func (e *Executor) Jobs() int { return int(e.jobs.Load()) }

// JobError is a job that ended without producing its node's entry.
type JobError struct {
	JobID    string // "123" or "123_4" for an array task
	State    string // Slurm job state, such as FAILED or TIMEOUT; LOST if Slurm forgot it
	ExitCode int    // exit code of the job script, -1 if it did not finish
	Reason   string // Slurm's reason, if any
	Log      string // the job's stderr log
	Tail     string // the last lines of that log
}

func (e *JobError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "slurm job %s %s", e.JobID, e.State)
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, " (exit code %d)", e.ExitCode)
	}
	if e.Reason != "" && e.Reason != "None" && e.Reason != "NonZeroExitCode" {
		fmt.Fprintf(&b, " (reason %s)", e.Reason)
	}
	if e.Tail != "" {
		fmt.Fprintf(&b, "; %s ends with:\n%s", e.Log, indent(e.Tail, "      | "))
	} else if e.Log != "" {
		fmt.Fprintf(&b, "; log %s is empty", e.Log)
	}
	return b.String()
}

// retryable reports whether resubmitting can help: the job ended without
// a verdict of the stage itself (exec-node exits 1 when the stage failed
// after its own retries, 2 when the node is not in the plan).
func (e *JobError) retryable() bool {
	switch e.State {
	case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "TIMEOUT", "DEADLINE", "CANCELLED", "LOST":
		return true
	case "FAILED", "COMPLETED":
		return e.ExitCode != 1 && e.ExitCode != 2
	}
	return false
}

// Run submits n as a batch job (or as a task of a job array), waits for it
// and reports its failure with the tail of its log. On cancellation it
// cancels the job and returns ctx.Err().
func (e *Executor) Run(ctx context.Context, n *runner.Node) error {
	attempts := n.Inst.Retries + 1
	for attempt := 1; ; attempt++ {
		err := e.runOnce(ctx, n, attempt == 1)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var je *JobError
		if !errors.As(err, &je) || !je.retryable() || attempt >= attempts {
			if attempt > 1 {
				return fmt.Errorf("attempt %d of %d: %w", attempt, attempts, err)
			}
			return err
		}
		fmt.Fprintf(e.cfg.Log, "slurm: %s: job %s %s; resubmitting (attempt %d of %d)\n", n.ID(), je.JobID, je.State, attempt+1, attempts)
	}
}

// submission is one sbatch call: a single job or a job array.
type submission struct {
	stage string
	dir   string
	nodes []*runner.Node
	// timeLimit is the --time value shared by all nodes ("" for none).
	timeLimit string

	ready chan struct{} // closed once submitted
	jobID string
	err   error

	remaining int  // tasks not finished (guarded by Executor.mu)
	failed    bool // a task failed: keep the directory
}

// task is one node's job: the whole submission or one array task.
type task struct {
	sub   *submission
	index int
	id    string // Slurm id: "123" or "123_4"
}

func (t *task) path(ext string) string {
	return filepath.Join(t.sub.dir, fmt.Sprintf("task-%d.%s", t.index, ext))
}

func (e *Executor) runOnce(ctx context.Context, n *runner.Node, allowArray bool) error {
	t, err := e.submit(ctx, n, allowArray)
	if err != nil {
		return err
	}
	w := e.watch(t)
	var end jobEnd
	select {
	case end = <-w.done:
	case <-ctx.Done():
		e.cancel(w)
		e.finished(t, false)
		return ctx.Err()
	}
	rc := readExitCode(t.path("rc"))
	if end.err != nil {
		e.finished(t, false)
		return fmt.Errorf("slurm job %s: %w", t.id, end.err)
	}
	if end.exit >= 0 {
		rc = end.exit // Slurm knows better than a file on a shared filesystem
	}
	state := end.state
	if state == "" {
		// Slurm forgot the job before it was seen to end: the exit-code file
		// tells whether the script ran to its end.
		switch {
		case rc == 0:
			state = "COMPLETED"
		case rc > 0:
			state = "FAILED"
		default:
			state = "LOST"
		}
	}
	if state == "COMPLETED" {
		e.finished(t, true)
		return nil
	}
	e.finished(t, false)
	je := &JobError{JobID: t.id, State: state, ExitCode: rc, Reason: end.reason, Log: t.path("err")}
	je.Tail = logTail(je.Log, 20, 4096)
	return je
}

// finished records the end of a task; the submission directory goes once
// all its tasks succeeded.
func (e *Executor) finished(t *task, ok bool) {
	e.mu.Lock()
	t.sub.remaining--
	if !ok {
		t.sub.failed = true
	}
	clean := t.sub.remaining == 0 && !t.sub.failed
	e.mu.Unlock()
	if clean {
		_ = os.RemoveAll(t.sub.dir)
	}
}

// submit submits n alone, or joins it to the open array batch of its stage.
func (e *Executor) submit(ctx context.Context, n *runner.Node, allowArray bool) (*task, error) {
	if !allowArray || e.cfg.ArrayWindow < 0 || len(n.Cell) == 0 {
		return e.submitOne(ctx, n)
	}
	e.mu.Lock()
	sub := e.batches[n.Inst.Stage]
	if sub == nil {
		sub = e.newSubmission(n)
		e.batches[n.Inst.Stage] = sub
		time.AfterFunc(e.cfg.ArrayWindow, func() { e.flush(sub) })
	}
	index := len(sub.nodes)
	sub.nodes = append(sub.nodes, n)
	full := len(sub.nodes) >= e.cfg.MaxArray
	e.mu.Unlock()
	if full {
		e.flush(sub)
	}
	// Wait for the submission even if ctx ends: the batch is submitted for
	// its other members, and the caller cancels this task.
	<-sub.ready
	if sub.err != nil && len(sub.nodes) > 1 {
		// A cluster may refuse arrays (MaxArraySize, QOS limits): every
		// member tries on its own.
		fmt.Fprintf(e.cfg.Log, "slurm: %v; submitting %s alone\n", sub.err, n.ID())
		return e.submitOne(ctx, n)
	}
	if sub.err != nil {
		return nil, sub.err
	}
	id := sub.jobID
	if len(sub.nodes) > 1 {
		id += "_" + strconv.Itoa(index)
	}
	return &task{sub: sub, index: index, id: id}, nil
}

// submitOne submits n as a job of its own.
func (e *Executor) submitOne(ctx context.Context, n *runner.Node) (*task, error) {
	sub := e.newSubmission(n)
	sub.nodes = []*runner.Node{n}
	e.submitBatch(ctx, sub)
	if sub.err != nil {
		return nil, sub.err
	}
	return &task{sub: sub, id: sub.jobID}, nil
}

// flush closes an open batch and submits it (once).
func (e *Executor) flush(sub *submission) {
	e.mu.Lock()
	if e.batches[sub.stage] != sub {
		e.mu.Unlock()
		return // already flushed
	}
	delete(e.batches, sub.stage)
	e.mu.Unlock()
	// Submission is not tied to one caller's context: the batch has other
	// members.
	e.submitBatch(context.Background(), sub)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (e *Executor) newSubmission(n *runner.Node) *submission {
	name := n.Key.Short()
	if len(n.Cell) > 0 {
		name = unsafeName.ReplaceAllString(n.Inst.Stage, "_")
	}
	dir := filepath.Join(e.cfg.WorkDir, fmt.Sprintf("%s-%d-%d-%s",
		time.Now().UTC().Format("20060102T150405"), os.Getpid(), e.seq.Add(1), name))
	return &submission{stage: n.Inst.Stage, dir: dir, timeLimit: slurmTime(n), ready: make(chan struct{})}
}

// slurmTime is the --time limit for a node: its retries times its timeout,
// plus a margin for start-up, in whole minutes; "" when it has no timeout.
func slurmTime(n *runner.Node) string {
	if n.Inst.Timeout <= 0 {
		return ""
	}
	total := time.Duration(n.Inst.Retries+1)*n.Inst.Timeout + 2*time.Minute
	return strconv.Itoa(int((total + time.Minute - 1) / time.Minute))
}

// submitBatch writes the job script and submits it; it sets sub.jobID or
// sub.err and closes sub.ready.
func (e *Executor) submitBatch(ctx context.Context, sub *submission) {
	defer close(sub.ready)
	sub.remaining = len(sub.nodes)
	first := sub.nodes[0]
	fail := func(err error) {
		sub.err = fmt.Errorf("slurm: submit %s: %w", first.ID(), err)
		_ = os.RemoveAll(sub.dir)
	}
	if err := os.MkdirAll(sub.dir, 0o755); err != nil {
		fail(err)
		return
	}
	script := filepath.Join(sub.dir, "job.sh")
	if err := os.WriteFile(script, e.jobScript(sub), 0o755); err != nil {
		fail(err)
		return
	}
	job := Job{Script: script, Chdir: e.cfg.Chdir, Time: sub.timeLimit}
	if len(sub.nodes) > 1 {
		job.Name = "runner-" + unsafeName.ReplaceAllString(sub.stage, "_")
		job.Array = len(sub.nodes)
		job.Output = filepath.Join(sub.dir, "task-%a.out")
		job.Error = filepath.Join(sub.dir, "task-%a.err")
	} else {
		job.Name = "runner-" + first.Key.Short()
		job.Output = filepath.Join(sub.dir, "task-0.out")
		job.Error = filepath.Join(sub.dir, "task-0.err")
	}
	if e.cfg.Partition != "" {
		job.Args = append(job.Args, "--partition="+e.cfg.Partition)
	}
	if e.cfg.Account != "" {
		job.Args = append(job.Args, "--account="+e.cfg.Account)
	}
	job.Args = append(job.Args, e.cfg.Args...)
	e.submits.Add(1)
	id, err := e.cfg.Client.Submit(ctx, job)
	if err != nil {
		fail(err)
		return
	}
	sub.jobID = id
	e.jobs.Add(int64(len(sub.nodes)))
	if len(sub.nodes) > 1 {
		fmt.Fprintf(e.cfg.Log, "slurm: job array %s: %d cells of %s\n", id, len(sub.nodes), sub.stage)
	} else {
		fmt.Fprintf(e.cfg.Log, "slurm: job %s: %s\n", id, first.ID())
	}
}

// jobScript is a bash script that runs exec-node for the node at index
// $SLURM_ARRAY_TASK_ID (0 for a plain job) and records its exit code.
func (e *Executor) jobScript(sub *submission) []byte {
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n# Written by runner (Slurm executor): one stage instance per task.\nset -u\nnodes=(\n")
	for i, n := range sub.nodes {
		fmt.Fprintf(&b, "  %s # %d\n", shellQuote(n.ID()), i)
	}
	b.WriteString(")\ni=${SLURM_ARRAY_TASK_ID:-0}\n")
	fmt.Fprintf(&b, "dir=%s\n", shellQuote(sub.dir))
	fmt.Fprintf(&b, "%s exec-node %s --node \"${nodes[$i]}\" --store %s", shellQuote(e.cfg.Runner), shellQuote(e.cfg.Pipeline), shellQuote(e.cfg.Store))
	for _, s := range e.cfg.Sets {
		fmt.Fprintf(&b, " --set %s", shellQuote(s))
	}
	b.WriteString("\nrc=$?\n")
	b.WriteString("echo \"$rc\" >\"$dir/task-$i.rc.tmp\" && mv -f \"$dir/task-$i.rc.tmp\" \"$dir/task-$i.rc\"\n")
	b.WriteString("exit \"$rc\"\n")
	return b.Bytes()
}

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-=+:,@%", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// jobEnd is what the poller learned about a finished job.
type jobEnd struct {
	state  string // terminal Slurm state; "" if Slurm no longer knows the job
	reason string
	exit   int   // exit code of the job script if Slurm told, else -1
	err    error // the job could not be followed
}

type watcher struct {
	t    *task
	done chan jobEnd // buffered; receives once
	// cancelled is closed once scancel has run for the job.
	cancelled chan struct{}
}

// watch registers t with the shared poller.
func (e *Executor) watch(t *task) *watcher {
	w := &watcher{t: t, done: make(chan jobEnd, 1), cancelled: make(chan struct{})}
	e.mu.Lock()
	e.watchers[w] = true
	if !e.polling {
		e.polling = true
		go e.poll()
	}
	e.mu.Unlock()
	return w
}

// cancel asks the poller to scancel w's job and waits (a bounded time) until
// it has, so that no job outlives an interrupted apply unnoticed.
func (e *Executor) cancel(w *watcher) {
	e.mu.Lock()
	e.cancels = append(e.cancels, w)
	if !e.polling { // the poller may have stopped after delivering w's end
		e.polling = true
		go e.poll()
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
	select {
	case <-w.cancelled:
	case <-time.After(30 * time.Second):
	}
}

// terminalStates are the Slurm job states after which a job never runs again.
var terminalStates = map[string]bool{
	"COMPLETED": true, "FAILED": true, "TIMEOUT": true, "CANCELLED": true, "NODE_FAIL": true,
	"OUT_OF_MEMORY": true, "BOOT_FAIL": true, "DEADLINE": true, "PREEMPTED": true,
	"SPECIAL_EXIT": true, "REVOKED": true,
}

// hopelessReasons keep a job PENDING forever: it is cancelled and reported.
var hopelessReasons = map[string]bool{
	"DependencyNeverSatisfied": true, "BadConstraints": true, "PartitionTimeLimit": true,
	"PartitionNodeLimit": true, "InvalidAccount": true, "InvalidQOS": true,
}

// queryFailureLimit is how long Slurm may fail to answer before the
// outstanding jobs are reported as failed.
const queryFailureLimit = 5 * time.Minute

// poll is the shared poller: one goroutine while jobs are outstanding.
func (e *Executor) poll() {
	ticker := time.NewTicker(e.cfg.Poll)
	defer ticker.Stop()
	var failingSince time.Time
	for {
		e.mu.Lock()
		cancels := e.cancels
		e.cancels = nil
		for _, w := range cancels {
			delete(e.watchers, w)
		}
		ws := make([]*watcher, 0, len(e.watchers))
		for w := range e.watchers {
			ws = append(ws, w)
		}
		if len(ws) == 0 && len(cancels) == 0 {
			e.polling = false
			e.mu.Unlock()
			return
		}
		e.mu.Unlock()

		if len(cancels) > 0 {
			e.scancel(cancels)
		}
		if len(ws) > 0 {
			if err := e.pollOnce(ws); err != nil {
				if failingSince.IsZero() {
					failingSince = time.Now()
					fmt.Fprintf(e.cfg.Log, "slurm: cannot query job states (retrying): %v\n", err)
				}
				if time.Since(failingSince) > queryFailureLimit {
					for _, w := range ws {
						e.deliver(w, jobEnd{exit: -1, err: fmt.Errorf("job states unavailable for %s: %w", queryFailureLimit, err)})
					}
				}
			} else {
				failingSince = time.Time{}
			}
		}
		select {
		case <-ticker.C:
		case <-e.wake:
		}
	}
}

// deliver hands a job's end to its watcher and stops following it.
func (e *Executor) deliver(w *watcher, end jobEnd) {
	e.mu.Lock()
	if e.watchers[w] {
		delete(e.watchers, w)
		w.done <- end
	}
	e.mu.Unlock()
}

func (e *Executor) scancel(ws []*watcher) {
	args := make([]string, 0, len(ws))
	for _, w := range ws {
		args = append(args, w.t.id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.cfg.Client.Cancel(ctx, args); err != nil {
		fmt.Fprintf(e.cfg.Log, "slurm: %v\n", err)
	} else {
		fmt.Fprintf(e.cfg.Log, "slurm: cancelled %s\n", strings.Join(args, " "))
	}
	for _, w := range ws {
		close(w.cancelled)
	}
}

// pollOnce asks Slurm about every outstanding job at once and delivers the
// jobs that ended.
func (e *Executor) pollOnce(ws []*watcher) error {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.t.id
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	states, err := e.cfg.Client.Query(ctx, ids)
	if err != nil {
		return err
	}
	for _, w := range ws {
		st, ok := states[w.t.id]
		switch {
		case !ok:
			// Slurm does not know the job any more: it ended before it was
			// seen to (MinJobAge), or vanished. The exit-code file decides.
			e.deliver(w, jobEnd{exit: -1})
		case terminalStates[st.State]:
			e.deliver(w, jobEnd{state: st.State, reason: st.Reason, exit: st.ExitCode})
		case st.State == "PENDING" && hopelessReasons[st.Reason]:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = e.cfg.Client.Cancel(ctx, []string{w.t.id})
			cancel()
			e.deliver(w, jobEnd{state: "CANCELLED", reason: st.Reason, exit: -1})
		}
	}
	return nil
}

// readExitCode reads a job's exit-code file; -1 if there is none.
func readExitCode(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	rc, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return rc
}

// logTail returns the last lines (at most maxBytes) of a log file.
func logTail(path string, lines, maxBytes int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > int64(maxBytes) {
		_, _ = f.Seek(fi.Size()-int64(maxBytes), io.SeekStart)
	}
	b, _ := io.ReadAll(io.LimitReader(f, int64(maxBytes)))
	s := strings.TrimRight(string(b), "\n")
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
