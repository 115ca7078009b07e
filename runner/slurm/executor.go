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

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
)

// Config configures an Executor. Paths must be absolute and visible at the
// same place on the compute nodes.
type Config struct {
	// Runner is the runner binary the jobs run (usually os.Executable()).
	Runner string
	// Pipeline is the pipeline file, for messages only: jobs run the
	// compiled description of their nodes (runner.JobSpec) written with the
	// submission, never the file itself.
	Pipeline string
	// Sets are the --set overrides the plan was made with (informational:
	// they are compiled into the job specs).
	Sets []string
	// Name is the pipeline's name, whose refs give the previous entries of
	// its instances (for their wall times); "" turns that off.
	Name string
	// Store is the artifact store root, on a filesystem shared with the
	// compute nodes.
	Store string
	// WorkDir holds job specs, scripts, logs and exit-code files (default
	// <Store>/slurm). Each submission gets a sub-directory, removed when all
	// its cells succeeded; failed ones keep theirs for inspection.
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
	// MaxArray caps the number of tasks of one job array (default 1000,
	// under Slurm's default MaxArraySize of 1001).
	MaxArray int
	// BatchTarget is how long a batch job of short cells should last when
	// a stage sets no batch: the cells' recorded wall times (from the
	// previous entries of the same instances) divided into it (default 1m).
	BatchTarget time.Duration
	// MaxBatch caps the cells of one batch job (default 1000).
	MaxBatch int
	// Growth multiplies the time limit of a job that ended TIMEOUT, and the
	// memory of one that ended OUT_OF_MEMORY, when it is retried (default
	// 2). Retried jobs go alone.
	Growth float64
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
	cells   atomic.Int64 // cells submitted
	seq     atomic.Int64 // submission directory names

	mu       sync.Mutex
	batches  map[string]*submission // open array batches by stage
	watchers map[*watcher]bool      // outstanding tasks
	cancels  []*watcher             // tasks to scancel at the next poll
	polling  bool
	wake     chan struct{}
	// walls caches the recorded wall time of a stage's cells (seconds; <0
	// unknown), read once per stage from the store.
	walls map[string]float64
	store *artifacts.Store
	// attach maps the keys of a detached run's cells to their jobs, for
	// Run to follow instead of submitting (guarded by mu).
	attach map[artifacts.Key]attachment
}

// attachment is a cell of a detached run: cell index in sub.
type attachment struct {
	sub  *submission
	cell int
}

var _ runner.Executor = (*Executor)(nil)

// New checks the configuration and returns an executor.
func New(cfg Config) (*Executor, error) {
	for name, p := range map[string]string{"runner binary": cfg.Runner, "store": cfg.Store} {
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
	if cfg.BatchTarget <= 0 {
		cfg.BatchTarget = time.Minute
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	if cfg.Growth < 1 {
		cfg.Growth = 2
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
	store, err := artifacts.Open(cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("slurm executor: %w", err)
	}
	return &Executor{
		cfg:      cfg,
		batches:  map[string]*submission{},
		watchers: map[*watcher]bool{},
		wake:     make(chan struct{}, 1),
		walls:    map[string]float64{},
		store:    store,
		attach:   map[artifacts.Key]attachment{},
	}, nil
}

// Submissions returns how many times a job (or job array) was submitted,
// refused submissions included.
func (e *Executor) Submissions() int { return int(e.submits.Load()) }

// Jobs returns how many jobs were submitted (each array task counts).
func (e *Executor) Jobs() int { return int(e.jobs.Load()) }

// Cells returns how many cells (nodes) were submitted.
func (e *Executor) Cells() int { return int(e.cells.Load()) }

// JobError is a job that ended without producing its node's entry.
type JobError struct {
	JobID    string // "123" or "123_4" for an array task
	State    string // Slurm job state, such as FAILED or TIMEOUT; LOST if Slurm forgot it
	ExitCode int    // exit code of the node in the job, -1 if it did not finish
	Reason   string // Slurm's reason, if any
	Log      string // the job's stderr log
	Tail     string // the last lines of that log
	// lostInBatch: the cell's batch job ended before reaching it.
	lostInBatch bool
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
// a verdict of the stage itself (exec-node records 1 for a cell whose stage
// failed after its own retries, 2 when the job spec is unusable).
func (e *JobError) retryable() bool {
	switch e.State {
	case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "TIMEOUT", "DEADLINE", "CANCELLED", "LOST":
		return true
	case "FAILED", "COMPLETED":
		return e.ExitCode != 1 && e.ExitCode != 2
	}
	return false
}

// Run submits n as a batch job (or as a cell of a batch, or a task of a job
// array), waits for it and reports its failure with the tail of its log.
// On cancellation it cancels the job and returns ctx.Err(). A cell whose
// batch job died before reaching it is resubmitted alone.
func (e *Executor) Run(ctx context.Context, n *runner.Node) error {
	attempts := n.Inst.Retries + 1
	grow := scale{time: 1, mem: 1}
	extra := false
	for attempt := 1; ; attempt++ {
		err := e.runOnce(ctx, n, attempt == 1, grow)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var je *JobError
		if errors.As(err, &je) && (je.lostInBatch || je.State == "LOST") && je.retryable() && attempt == attempts && !extra {
			// Not this cell's fault: its batch died before reaching it, or
			// Slurm lost the job (a controller crash): once more, alone.
			attempts++
			extra = true
		}
		if !errors.As(err, &je) || !je.retryable() || attempt >= attempts {
			if attempt > 1 {
				return fmt.Errorf("attempt %d of %d: %w", attempt, attempts, err)
			}
			return err
		}
		more := ""
		switch je.State {
		case "TIMEOUT":
			grow.time *= e.cfg.Growth
			more = fmt.Sprintf(" with %gx the time", grow.time)
		case "OUT_OF_MEMORY":
			grow.mem *= e.cfg.Growth
			more = fmt.Sprintf(" with %gx the memory", grow.mem)
		}
		fmt.Fprintf(e.cfg.Log, "slurm: %s: job %s %s; resubmitting%s (attempt %d of %d)\n", n.ID(), je.JobID, je.State, more, attempt+1, attempts)
	}
}

// scale multiplies the time limit and memory of a retried job.
type scale struct{ time, mem float64 }

// submission is one sbatch call: a single job or a job array, each task
// computing batch consecutive cells.
type submission struct {
	stage string
	dir   string
	nodes []*runner.Node
	batch int      // cells per task
	grow  scale    // of a retried job's time and memory
	after []string // afterok dependencies (detached runs)
	// timeLimit is the --time value shared by all tasks ("" for none).
	timeLimit string

	ready   chan struct{} // closed once submitted
	jobID   string
	jobName string
	tasks   int
	err     error

	remaining int  // cells not finished (guarded by Executor.mu)
	failed    bool // a cell failed: keep the directory
	// watchers of the tasks, by task index (guarded by Executor.mu).
	watchers map[int]*watcher
}

// task is one job: the whole submission or one array task.
type task struct {
	sub   *submission
	index int
	id    string // Slurm id: "123" or "123_4"
}

func (t *task) path(ext string) string {
	return filepath.Join(t.sub.dir, fmt.Sprintf("task-%d.%s", t.index, ext))
}

func (e *Executor) runOnce(ctx context.Context, n *runner.Node, allowArray bool, grow scale) error {
	e.mu.Lock()
	att, attached := e.attach[n.Key]
	delete(e.attach, n.Key)
	e.mu.Unlock()
	sub, cell := att.sub, att.cell
	if attached {
		fmt.Fprintf(e.cfg.Log, "slurm: %s: following job %s of a detached run\n", n.ID(), sub.jobID)
	} else {
		var err error
		if sub, cell, err = e.submit(ctx, n, allowArray, grow); err != nil {
			return err
		}
	}
	w := e.watch(sub, cell/sub.batch)
	t := w.t
	select {
	case <-w.done:
	case <-ctx.Done():
		e.leave(w)
		e.finished(sub, false)
		return ctx.Err()
	}
	end := w.end
	if end.err != nil {
		e.finished(sub, false)
		return fmt.Errorf("slurm job %s: %w", t.id, end.err)
	}
	// The cell's own exit-code file is the verdict; the job's state says
	// why a cell without one did not finish.
	rc := readExitCode(filepath.Join(sub.dir, fmt.Sprintf("cell-%d.rc", cell)))
	if rc == 0 {
		e.finished(sub, true)
		return nil
	}
	e.finished(sub, false)
	je := &JobError{JobID: t.id, State: end.state, ExitCode: rc, Reason: end.reason, Log: t.path("err")}
	if rc > 0 {
		je.State = "FAILED" // the cell's verdict
	} else {
		// The job did not reach this cell: its state, or its exit code when
		// Slurm forgot it, says why.
		trc := end.exit
		if trc < 0 {
			trc = readExitCode(t.path("rc"))
		}
		je.ExitCode = trc
		switch {
		case je.State == "" && trc > 0:
			je.State = "FAILED"
		case je.State == "" || je.State == "COMPLETED":
			je.State = "LOST"
		}
		je.lostInBatch = sub.batch > 1
	}
	je.Tail = logTail(je.Log, 20, 4096)
	return je
}

// Attach makes Run follow the jobs of a detached run for its cells that
// are not done, instead of submitting them again. It returns how many
// cells it will follow.
func (e *Executor) Attach(rec *RunRecord) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	count := 0
	for _, rs := range rec.Submissions {
		sub := &submission{stage: rs.Stage, dir: rs.Dir, batch: max(rs.Batch, 1), tasks: rs.Tasks, jobID: rs.JobID, jobName: rs.JobName,
			ready: make(chan struct{}), watchers: map[int]*watcher{}}
		close(sub.ready)
		for i, c := range rs.Cells {
			if _, err := e.store.Lookup(c.Key); err == nil {
				continue
			}
			if readExitCode(filepath.Join(rs.Dir, fmt.Sprintf("cell-%d.rc", i))) > 0 {
				continue // failed: this apply tries again
			}
			e.attach[c.Key] = attachment{sub: sub, cell: i}
			sub.remaining++
			count++
		}
	}
	return count
}

// finished records the end of a cell; the submission directory goes once
// all its cells succeeded.
func (e *Executor) finished(sub *submission, ok bool) {
	e.mu.Lock()
	sub.remaining--
	if !ok {
		sub.failed = true
	}
	clean := sub.remaining == 0 && !sub.failed
	e.mu.Unlock()
	if clean {
		_ = os.RemoveAll(sub.dir)
	}
}

// batchSize is how many cells of n's stage one job computes: the stage's
// batch, else BatchTarget over the recorded wall time of its cells.
func (e *Executor) batchSize(n *runner.Node) int {
	if n.Inst.Batch > 0 {
		return min(n.Inst.Batch, e.cfg.MaxBatch)
	}
	if len(n.Cell) == 0 {
		return 1
	}
	e.mu.Lock()
	wall, ok := e.walls[n.Inst.Stage]
	e.mu.Unlock()
	if !ok {
		wall = -1
		if m := e.previousEntry(n); m != nil {
			wall = m.WallSeconds
		}
		e.mu.Lock()
		e.walls[n.Inst.Stage] = wall
		e.mu.Unlock()
	}
	if wall < 0 {
		return 1 // unknown: a cell may be long
	}
	b := int(e.cfg.BatchTarget.Seconds() / max(wall, 0.001))
	return max(1, min(b, e.cfg.MaxBatch))
}

// previousEntry is the manifest of the entry n's instance had in an earlier
// run (its ref), if it is still in the store.
func (e *Executor) previousEntry(n *runner.Node) *artifacts.Manifest {
	if e.cfg.Name == "" {
		return nil
	}
	prev, ok := e.store.Ref(e.cfg.Name, n.ID())
	if !ok {
		return nil
	}
	m, err := e.store.Lookup(prev)
	if err != nil {
		return nil
	}
	return m
}

// submit submits n alone, or joins it to the open array batch of its
// stage. It returns the submission and n's cell index in it.
func (e *Executor) submit(ctx context.Context, n *runner.Node, allowArray bool, grow scale) (*submission, int, error) {
	if !allowArray || e.cfg.ArrayWindow < 0 || len(n.Cell) == 0 {
		sub, err := e.submitOne(ctx, n, grow)
		return sub, 0, err
	}
	batch := e.batchSize(n)
	e.mu.Lock()
	sub := e.batches[n.Inst.Stage]
	if sub == nil {
		sub = e.newSubmission(n)
		sub.batch = batch
		e.batches[n.Inst.Stage] = sub
		time.AfterFunc(e.cfg.ArrayWindow, func() { e.flush(sub) })
	}
	index := len(sub.nodes)
	sub.nodes = append(sub.nodes, n)
	full := len(sub.nodes) >= e.cfg.MaxArray*sub.batch
	e.mu.Unlock()
	if full {
		e.flush(sub)
	}
	// Wait for the submission even if ctx ends: the batch is submitted for
	// its other members, and the caller cancels this task.
	<-sub.ready
	if sub.err != nil && sub.tasks > 1 {
		// A cluster may refuse arrays (MaxArraySize, QOS limits): every
		// member tries on its own.
		fmt.Fprintf(e.cfg.Log, "slurm: %v; submitting %s alone\n", sub.err, n.ID())
		e.finished(sub, false)
		sub, err := e.submitOne(ctx, n, grow)
		return sub, 0, err
	}
	if sub.err != nil {
		return nil, 0, sub.err
	}
	return sub, index, nil
}

// submitOne submits n as a job of its own.
func (e *Executor) submitOne(ctx context.Context, n *runner.Node, grow scale) (*submission, error) {
	sub := e.newSubmission(n)
	sub.nodes = []*runner.Node{n}
	sub.grow = grow
	e.submitBatch(ctx, sub)
	if sub.err != nil {
		return nil, sub.err
	}
	return sub, nil
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
	return &submission{stage: n.Inst.Stage, dir: dir, batch: 1, grow: scale{1, 1}, ready: make(chan struct{}), watchers: map[int]*watcher{}}
}

// slurmTime is the --time limit in whole minutes for a task of batch cells
// like n, times grow: the stage's resources.time per cell, else its
// timeout times its attempts plus a start-up margin; "" for neither.
func slurmTime(n *runner.Node, batch int, grow float64) string {
	var total time.Duration
	switch {
	case n.Inst.Resources.Minutes() > 0:
		total = time.Duration(batch*n.Inst.Resources.Minutes()) * time.Minute
	case n.Inst.Timeout > 0:
		total = time.Duration(batch*(n.Inst.Retries+1))*n.Inst.Timeout + 2*time.Minute
	default:
		return ""
	}
	total = time.Duration(float64(total) * grow)
	return strconv.Itoa(int((total + time.Minute - 1) / time.Minute))
}

// submitBatch writes the job specs and script and submits them; it sets
// sub.jobID or sub.err and closes sub.ready.
func (e *Executor) submitBatch(ctx context.Context, sub *submission) {
	defer close(sub.ready)
	sub.batch = max(1, min(sub.batch, len(sub.nodes)))
	sub.tasks = (len(sub.nodes) + sub.batch - 1) / sub.batch
	sub.remaining = len(sub.nodes)
	first := sub.nodes[0]
	sub.timeLimit = slurmTime(first, sub.batch, sub.grow.time)
	fail := func(err error) {
		sub.err = fmt.Errorf("slurm: submit %s: %w", first.ID(), err)
		_ = os.RemoveAll(sub.dir)
	}
	if err := os.MkdirAll(sub.dir, 0o755); err != nil {
		fail(err)
		return
	}
	specs := make([]runner.JobSpec, len(sub.nodes))
	for i, n := range sub.nodes {
		specs[i] = n.JobSpec()
	}
	if err := runner.WriteJobSpecs(filepath.Join(sub.dir, "jobs.json"), specs); err != nil {
		fail(err)
		return
	}
	script := filepath.Join(sub.dir, "job.sh")
	if err := os.WriteFile(script, e.jobScript(sub), 0o755); err != nil {
		fail(err)
		return
	}
	job := Job{Script: script, Chdir: e.cfg.Chdir, Time: sub.timeLimit}
	if sub.tasks > 1 {
		job.Name = "runner-" + unsafeName.ReplaceAllString(sub.stage, "_")
		job.Array = sub.tasks
		job.Output = filepath.Join(sub.dir, "task-%a.out")
		job.Error = filepath.Join(sub.dir, "task-%a.err")
	} else {
		job.Name = "runner-" + first.Key.Short()
		if len(sub.nodes) > 1 {
			job.Name = "runner-" + unsafeName.ReplaceAllString(sub.stage, "_")
		}
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
	// The stage's resources come after the global arguments: sbatch takes
	// the last of a repeated option.
	res := first.Inst.Resources
	if mb := res.MemMB(); mb > 0 && sub.grow.mem > 1 {
		res.Mem = fmt.Sprintf("%dM", int64(float64(mb)*sub.grow.mem))
	}
	job.Args = append(job.Args, res.SbatchArgs()...)
	if len(sub.after) > 0 {
		job.Args = append(job.Args, "--dependency=afterok:"+strings.Join(sub.after, ":"), "--kill-on-invalid-dep=yes")
	}
	id, err := e.submitRetrying(ctx, job)
	if err != nil {
		fail(err)
		return
	}
	sub.jobID, sub.jobName = id, job.Name
	e.jobs.Add(int64(sub.tasks))
	e.cells.Add(int64(len(sub.nodes)))
	switch {
	case sub.tasks > 1:
		fmt.Fprintf(e.cfg.Log, "slurm: job array %s: %d cells of %s in %d tasks of %d\n", id, len(sub.nodes), sub.stage, sub.tasks, sub.batch)
	case len(sub.nodes) > 1:
		fmt.Fprintf(e.cfg.Log, "slurm: job %s: %d cells of %s\n", id, len(sub.nodes), sub.stage)
	default:
		fmt.Fprintf(e.cfg.Log, "slurm: job %s: %s\n", id, first.ID())
	}
}

// controllerDown matches the errors of Slurm commands while the controller
// is unreachable (restarting, overloaded): worth waiting for.
var controllerDown = regexp.MustCompile(`(?i)unable to contact slurm controller|connect failure|connection refused|connection reset|socket timed out|zero bytes were transmitted|temporarily unavailable|slurm_persist_conn|communication connection failure`)

// submitRetrying submits job, waiting out a controller that does not
// answer (up to queryFailureLimit): a controller restart must not fail
// the run.
func (e *Executor) submitRetrying(ctx context.Context, job Job) (string, error) {
	var since time.Time
	for {
		e.submits.Add(1)
		id, err := e.cfg.Client.Submit(ctx, job)
		if err == nil || !controllerDown.MatchString(err.Error()) || ctx.Err() != nil {
			return id, err
		}
		if since.IsZero() {
			since = time.Now()
			fmt.Fprintf(e.cfg.Log, "slurm: cannot submit (retrying): %v\n", err)
		}
		if time.Since(since) > queryFailureLimit {
			return "", err
		}
		select {
		case <-time.After(min(e.cfg.Poll*4, 2*time.Second)):
		case <-ctx.Done():
			return "", err
		}
	}
}

// jobScript is a bash script that runs exec-node on the cells of task
// $SLURM_ARRAY_TASK_ID (0 for a plain job) from the compiled job specs and
// records the task's exit code; exec-node records each cell's.
func (e *Executor) jobScript(sub *submission) []byte {
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n# Written by runner (Slurm executor): the cells of one task, from jobs.json.\nset -u\n")
	b.WriteString("i=${SLURM_ARRAY_TASK_ID:-0}\n")
	fmt.Fprintf(&b, "dir=%s\n", shellQuote(sub.dir))
	fmt.Fprintf(&b, "%s exec-node --spec \"$dir/jobs.json\" --first $((i * %d)) --count %d --rc-dir \"$dir\" --store %s\n",
		shellQuote(e.cfg.Runner), sub.batch, sub.batch, shellQuote(e.cfg.Store))
	b.WriteString("rc=$?\n")
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

// watcher follows one task for the cells that wait on it.
type watcher struct {
	t       *task
	waiters int           // cells waiting (guarded by Executor.mu)
	done    chan struct{} // closed once end is set
	end     jobEnd
	// cancelled is closed once scancel has run for the job.
	cancelled chan struct{}
}

// watch registers a wait for task index of sub with the shared poller.
func (e *Executor) watch(sub *submission, index int) *watcher {
	e.mu.Lock()
	defer e.mu.Unlock()
	w := sub.watchers[index]
	if w == nil {
		id := sub.jobID
		if sub.tasks > 1 {
			id += "_" + strconv.Itoa(index)
		}
		w = &watcher{t: &task{sub: sub, index: index, id: id}, done: make(chan struct{}), cancelled: make(chan struct{})}
		sub.watchers[index] = w
		e.watchers[w] = true
		if !e.polling {
			e.polling = true
			go e.poll()
		}
	}
	w.waiters++
	return w
}

// leave stops a cell's wait; the last cell to leave a running task cancels
// it (bounded wait until scancel ran), so that no job outlives an
// interrupted apply unnoticed.
func (e *Executor) leave(w *watcher) {
	e.mu.Lock()
	w.waiters--
	if w.waiters > 0 || !e.watchers[w] {
		e.mu.Unlock()
		return
	}
	e.cancels = append(e.cancels, w)
	if !e.polling { // the poller may have stopped after delivering an end
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
		w.end = end
		close(w.done)
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
		if ok && st.Name != "" && st.Name != w.t.sub.jobName {
			// A controller that crashed before saving our job gave its id
			// to another one: ours is lost.
			ok = false
		}
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

// LogTail returns the last lines of a job log, for reports.
func LogTail(path string) string { return logTail(path, 10, 2048) }
