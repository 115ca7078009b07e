package runner

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

// Version is the runner version recorded in manifests.
var Version = "0.1.0-dev"

// Options configure Apply.
type Options struct {
	Jobs     int  // parallel stages; default runtime.NumCPU()
	FailFast bool // stop scheduling after the first failure
	// Log receives progress: one line per event, or a live status line when
	// Terminal is set. Nil discards.
	Log      io.Writer
	Terminal bool
	// RunID names the journal; default a timestamp and pid.
	RunID string
	// LeaseTTL is how long a key lock lasts without renewal (default 2 min).
	LeaseTTL time.Duration
	// Executor computes the stages; nil computes them in this process. The
	// runner keeps scheduling, locking and cache checks either way.
	Executor Executor
}

// Executor computes one node and stores its outputs under its key: in this
// process (the default), or for example as a batch job that runs
// `runner exec-node` (package runner/slurm). Apply holds the node's key lock
// while Run is called, and checks that the entry is in the store afterwards.
// Run may be called from many goroutines at once.
type Executor interface {
	Run(ctx context.Context, n *Node) error
}

// Outcome is what happened to one node during Apply.
type Outcome int

const (
	Pending Outcome = iota
	Cached
	Ran
	Failed
	Skipped
	Interrupted
)

func (o Outcome) String() string {
	return [...]string{"pending", "cached", "ran", "failed", "skipped", "interrupted"}[o]
}

// Result summarises an apply.
type Result struct {
	Outcomes                                  []Outcome // by node index
	Ran, Cached, Failed, Skipped, Interrupted int
	Published                                 int // files (re)placed in publish folders
	Elapsed                                   time.Duration
	JournalPath                               string
}

// StageError is a run-time failure of one stage instance.
type StageError struct {
	ID   string
	Cell stages.Cell
	Pos  spec.Pos
	Err  error
}

func (e *StageError) Error() string {
	cell := ""
	if len(e.Cell) > 0 {
		cell = " (cell " + e.Cell.String() + ")"
	}
	return fmt.Sprintf("%s: stage %s%s: %v", e.Pos, e.ID, cell, e.Err)
}

func (e *StageError) Unwrap() error { return e.Err }

// ErrInterrupted is returned (wrapped) when ctx was cancelled during Apply.
var ErrInterrupted = errors.New("interrupted")

// Apply runs every node of the plan that is not cached, in parallel and in
// dependency order. Failures do not stop independent branches (unless
// FailFast); their dependents are skipped. The returned error gathers every
// stage failure; it wraps ErrInterrupted when ctx was cancelled.
func Apply(ctx context.Context, plan *Plan, store *artifacts.Store, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 2 * time.Minute
	}
	if opts.RunID == "" {
		opts.RunID = fmt.Sprintf("%s-%d", start.UTC().Format("20060102T150405.000000000Z"), os.Getpid())
	}
	plan.resetPartial()
	// Announce the run to `artifacts gc` before deciding anything: gc keeps
	// every key of a live run's plan (artifacts/live.go).
	planKeys := make([]artifacts.Key, len(plan.Nodes))
	for i, n := range plan.Nodes {
		planKeys[i] = n.Key
	}
	live, err := store.BeginRun(ctx, opts.RunID, planKeys, opts.LeaseTTL)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %v", ErrInterrupted, err)
		}
		if !errors.Is(err, fs.ErrPermission) { // a store this user may not write: nothing to protect
			fmt.Fprintf(opts.Log, "warning: run not announced to gc: %v\n", err)
		}
	}
	defer live.End()

	a := &applier{plan: plan, store: store, opts: opts,
		res: &Result{Outcomes: make([]Outcome, len(plan.Nodes))}}
	a.stamps = store.OpenStampIndex(plan.Pipeline.Name)
	decisions := plan.decide(store, a.stamps, opts.Jobs)
	a.stamps.Close()
	toRun := 0
	for _, d := range decisions {
		if !d.Cached {
			toRun++
		}
	}
	journal, err := store.NewJournal(opts.RunID)
	if err != nil {
		if toRun > 0 {
			return nil, fmt.Errorf("open run journal: %w", err)
		}
		// Nothing to run (a read-only store that is fully cached, say):
		// the journal would only say "cached" for every stage, so go on
		// without one rather than fail.
		fmt.Fprintf(opts.Log, "note: no run journal (%v); nothing to run\n", err)
		journal = nil
	} else {
		defer journal.Close()
		a.journal = journal
		// Temporary entries of killed runs (dead pid on this host, or idle
		// for an hour) would stay until gc: clear them now. (Only on a
		// store we can write: the journal just opened.)
		if err := store.CleanStaleTmp(); err != nil {
			fmt.Fprintf(opts.Log, "warning: cleaning stale temporary files: %v\n", err)
		}
	}
	a.prog = newProgress(opts.Log, opts.Terminal, len(plan.Nodes), start)
	defer a.prog.stop()
	a.exec = opts.Executor
	if a.exec == nil {
		a.exec = a.localExecutor()
	}
	a.walk(ctx, decisions)
	a.prog.stop()
	a.publishAll()
	if a.stamps.NeedsSave(len(plan.Nodes)) {
		// The keys as they are now: rekeyed nodes (partial.go) changed theirs.
		for i, n := range plan.Nodes {
			planKeys[i] = n.Key
		}
		if err := a.stamps.Save(planKeys); err != nil && a.journal != nil {
			// (Without a journal the store is not writable: say it once, above.)
			fmt.Fprintf(opts.Log, "warning: stamp index: %v\n", err)
		}
	}

	r := a.res
	r.Elapsed = time.Since(start)
	if a.journal != nil {
		r.JournalPath = a.journal.Path()
	}
	for _, o := range r.Outcomes {
		switch o {
		case Cached:
			r.Cached++
		case Ran:
			r.Ran++
		case Failed:
			r.Failed++
		case Skipped:
			r.Skipped++
		case Interrupted, Pending:
			r.Interrupted++
		}
	}
	var merr *multierror.Error
	slices.SortFunc(a.failures, func(x, y *StageError) int { return cmp.Compare(x.ID, y.ID) })
	for _, f := range a.failures {
		merr = multierror.Append(merr, f)
	}
	if ctx.Err() != nil && r.Interrupted > 0 {
		merr = multierror.Append(merr, fmt.Errorf("%w: %d stages not finished", ErrInterrupted, r.Interrupted))
	}
	if merr != nil {
		merr.ErrorFormat = listFormat
		return r, merr
	}
	return r, nil
}

func listFormat(errs []error) string {
	s := fmt.Sprintf("%d error(s):", len(errs))
	for _, e := range errs {
		s += "\n  " + e.Error()
	}
	return s
}

type applier struct {
	plan  *Plan
	store *artifacts.Store
	opts  Options
	// exec computes the nodes: opts.Executor, or a *localExecutor.
	exec     Executor
	journal  *artifacts.Journal
	prog     *progress
	res      *Result
	mu       sync.Mutex
	failures []*StageError
	// journalErr reports the first journal write error once.
	journalErr sync.Once
	// stamps speeds up the next apply's cache checks.
	stamps *artifacts.StampIndex
	// flights are the recoveries of damaged upstream entries in progress in
	// this process, by key: one recompute per key, other readers wait for it.
	flights map[artifacts.Key]*flight
}

// flight is one recovery of a damaged entry; done is closed when o and err
// are set.
type flight struct {
	done chan struct{}
	o    Outcome
	err  error
}

type done struct {
	n       *Node
	outcome Outcome
	err     error
}

// walk schedules nodes as their dependencies finish.
func (a *applier) walk(ctx context.Context, decisions []Decision) {
	nodes := a.plan.Nodes
	pending := make([]int, len(nodes))
	dependents := make([][]*Node, len(nodes))
	toRun := 0
	// The refs and the journal's "cached" lines side by side: a million
	// of each on a no-op apply of a million cells.
	var refsDone sync.WaitGroup
	refsDone.Go(func() { a.refreshRefs(decisions) })
	a.logCached(decisions)
	for i, n := range nodes {
		if decisions[i].Cached {
			a.res.Outcomes[i] = Cached
			continue
		}
		toRun++
		for _, d := range n.Deps {
			if !decisions[d.Index].Cached {
				pending[i]++
				dependents[d.Index] = append(dependents[d.Index], n)
			}
		}
	}
	a.prog.cached(len(nodes) - toRun)
	refsDone.Wait()
	if toRun == 0 {
		return
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := &readyQueue{}
	for i, n := range nodes {
		if !decisions[i].Cached && pending[i] == 0 {
			heap.Push(ready, n)
		}
	}
	results := make(chan done)
	running := 0
	stopScheduling := false
	for toRun > 0 {
		for !stopScheduling && running < a.opts.Jobs && ready.Len() > 0 {
			n := heap.Pop(ready).(*Node)
			running++
			a.prog.started(n)
			go func() {
				o, err := a.execute(runCtx, n, false)
				results <- done{n, o, err}
			}()
		}
		if running == 0 {
			// Nothing runs and nothing can start: the rest is interrupted or
			// blocked behind failures already accounted for.
			break
		}
		d := <-results
		running--
		toRun--
		a.res.Outcomes[d.n.Index] = d.outcome
		a.prog.finished(d.n, d.outcome, d.err)
		switch d.outcome {
		case Ran, Cached:
			for _, m := range dependents[d.n.Index] {
				pending[m.Index]--
				if pending[m.Index] == 0 && a.res.Outcomes[m.Index] == Pending {
					a.plan.rekey(m)
					heap.Push(ready, m)
				}
			}
		case Failed:
			a.fail(d.n, d.err)
			toRun -= a.skipDependents(d.n, dependents, pending, ready)
			if a.opts.FailFast {
				stopScheduling = true
				cancel()
			}
		case Interrupted:
			stopScheduling = true
		}
		if ctx.Err() != nil {
			stopScheduling = true
		}
	}
	for i := range nodes {
		if a.res.Outcomes[i] == Pending {
			a.res.Outcomes[i] = Interrupted
			n := nodes[i]
			a.logEntry(artifacts.JournalEntry{Time: time.Now(), Stage: n.ID(), Cell: n.Cell.Map(), Key: n.Key, Status: "interrupted"})
		}
	}
}

// logCached journals every cached node, in plan order, the lines encoded
// in chunks on every core.
func (a *applier) logCached(decisions []Decision) {
	if a.journal == nil {
		return
	}
	nodes := a.plan.Nodes
	// Chunks of 4,096 lines, 32 chunks (some 20 MB) encoded at a time.
	const chunk, group = 4096, 32
	chunks := make([][]byte, group)
	errs := make([]error, group)
	cells := make([]map[string]string, group)
	now := time.Now()
	for first := 0; first < len(nodes); first += chunk * group {
		last := min(first+chunk*group, len(nodes))
		count := (last - first + chunk - 1) / chunk
		parallelRanges(count, runtime.GOMAXPROCS(0), func(lo, hi int) {
			for c := lo; c < hi; c++ {
				if cells[c] == nil {
					cells[c] = map[string]string{}
				}
				buf, cell := chunks[c][:0], cells[c]
				errs[c] = nil
				for i := first + c*chunk; i < min(first+(c+1)*chunk, last); i++ {
					if !decisions[i].Cached {
						continue
					}
					n := nodes[i]
					e := artifacts.JournalEntry{Time: now, Stage: n.ID(), Key: n.Key, Status: artifacts.StatusCached}
					if len(n.Cell) > 0 {
						clear(cell)
						for _, av := range n.Cell {
							cell[av.Axis] = av.Value
						}
						e.Cell = cell
					}
					var err error
					if buf, err = artifacts.AppendJournalLine(buf, &e); err != nil {
						errs[c] = err
						break
					}
					buf = append(buf, '\n')
				}
				chunks[c] = buf
			}
		})
		for c := range count {
			err := errs[c]
			if err == nil && len(chunks[c]) > 0 {
				err = a.journal.AppendLines(chunks[c])
			}
			if err != nil {
				a.journalErr.Do(func() { fmt.Fprintf(a.opts.Log, "warning: run journal: %v\n", err) })
				return
			}
		}
	}
}

// logEntry appends to the run journal (if any); a journal write error is
// reported once, it never fails the run.
func (a *applier) logEntry(e artifacts.JournalEntry) {
	if a.journal == nil {
		return
	}
	if err := a.journal.Append(e); err != nil {
		a.journalErr.Do(func() { fmt.Fprintf(a.opts.Log, "warning: run journal: %v\n", err) })
	}
}

func (a *applier) fail(n *Node, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures = append(a.failures, &StageError{ID: n.ID(), Cell: n.Cell, Pos: n.Inst.Pos, Err: err})
}

// skipDependents marks every transitive dependent skipped; returns how many.
// A dependent that x feeds only through Partial ports is not skipped: it
// runs without x once its other inputs are ready (see partial.go).
func (a *applier) skipDependents(n *Node, dependents [][]*Node, pending []int, ready *readyQueue) int {
	count := 0
	var visit func(*Node)
	visit = func(x *Node) {
		for _, m := range dependents[x.Index] {
			if a.res.Outcomes[m.Index] != Pending {
				continue
			}
			if partialEdge(m, x) {
				m.Missing = append(m.Missing, x.ID())
				pending[m.Index]--
				if pending[m.Index] == 0 {
					a.plan.rekey(m)
					heap.Push(ready, m)
				}
				continue
			}
			a.res.Outcomes[m.Index] = Skipped
			count++
			a.prog.finished(m, Skipped, nil)
			a.logEntry(artifacts.JournalEntry{Time: time.Now(), Stage: m.ID(), Cell: m.Cell.Map(), Key: m.Key, Status: "skipped",
				Error: "upstream " + n.ID() + " failed"})
			visit(m)
		}
	}
	visit(n)
	return count
}

// refreshRefs records the key each cached instance resolved to, so that the
// next plan can explain changes; unchanged refs are not rewritten.
func (a *applier) refreshRefs(decisions []Decision) {
	name := a.plan.Pipeline.Name
	// One loop: Ref and SetRef share the store's lock, so goroutines would
	// only contend for it (a million cached cells).
	for i, n := range a.plan.Nodes {
		if !decisions[i].Cached {
			continue
		}
		if k, ok := a.store.Ref(name, n.ID()); !ok || k != n.Key {
			_ = a.store.SetRef(name, n.ID(), n.Key)
		}
	}
}

// execute runs one node under its key lock and stores its outputs.
// With force, an existing entry is evicted and recomputed (its files were
// found corrupt by a reader).
func (a *applier) execute(ctx context.Context, n *Node, force bool) (Outcome, error) {
	started := time.Now()
	entry := artifacts.JournalEntry{Stage: n.ID(), Cell: n.Cell.Map(), Key: n.Key}
	record := func(status string, err error) {
		entry.Time = time.Now()
		entry.Status = status
		entry.WallSeconds = time.Since(started).Seconds()
		if err != nil {
			entry.Error = err.Error()
		}
		a.logEntry(entry)
	}
	lease, err := a.store.Lock(ctx, n.Key, a.opts.LeaseTTL)
	if err != nil {
		if ctx.Err() != nil {
			record("interrupted", nil)
			return Interrupted, ctx.Err()
		}
		record("failed", err)
		return Failed, fmt.Errorf("lock: %w", err)
	}
	defer lease.Release()
	if !n.Volatile && !force {
		// Another runner may have computed the key while we waited.
		if _, err := a.store.Lookup(n.Key); err == nil {
			_ = a.store.SetRef(a.plan.Pipeline.Name, n.ID(), n.Key)
			record("cached", nil)
			return Cached, nil
		}
	}
	if force && a.store.Verify(n.Key) == nil {
		// Another reader (here or in another process) recomputed it while
		// we waited for the lock.
		return Cached, nil
	}
	if !n.Volatile {
		if err := a.store.Remove(n.Key); err != nil && !errors.Is(err, artifacts.ErrNotFound) {
			// A corrupt entry that cannot be evicted must not be reused.
			record("failed", err)
			return Failed, fmt.Errorf("evict corrupt entry: %w", err)
		}
	}
	err = a.exec.Run(ctx, n)
	if _, local := a.exec.(*localExecutor); err == nil && !local {
		// The executor stored the entry elsewhere (another host, a job):
		// trust nothing that the store does not show. (The local executor
		// records what it stored itself.)
		_, lerr := a.store.Lookup(n.Key)
		if lerr != nil {
			err = fmt.Errorf("executor reported success but the entry is not in the store: %w", lerr)
		} else if a.stamps != nil {
			a.stamps.Record(n.Key)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			record("interrupted", err)
			return Interrupted, err
		}
		record("failed", err)
		return Failed, err
	}
	_ = a.store.SetRef(a.plan.Pipeline.Name, n.ID(), n.Key)
	record("ran", nil)
	return Ran, nil
}

// localExecutor computes nodes in this process: it reads their inputs from
// the store, runs the stage with its retries and timeout, and stores the
// outputs under the node's key. It is Apply's executor when
// Options.Executor is nil, and what `runner exec-node` runs on a batch node.
type localExecutor struct {
	plan   *Plan
	store  *artifacts.Store
	stamps *artifacts.StampIndex // nil: not recorded
	log    io.Writer
	// recompute evicts and recomputes, under its key lock, an upstream node
	// whose entry a read found corrupt.
	recompute func(ctx context.Context, n *Node) (Outcome, error)
}

// localExecutor returns the in-process executor of a's plan and store.
func (a *applier) localExecutor() *localExecutor {
	return &localExecutor{plan: a.plan, store: a.store, stamps: a.stamps, log: a.opts.Log,
		recompute: a.recover}
}

// recover recomputes an upstream node whose entry a reader found damaged or
// missing, once per key: concurrent callers in this process share one
// flight, and callers in other processes are serialised by the key lock,
// under which the entry is re-verified first (execute with force). Ran and
// Cached both mean the entry is now valid. Readers never trust what they saw
// during the evict-and-rewrite window: every failed read comes here and so
// waits for the lock holder to finish.
func (a *applier) recover(ctx context.Context, n *Node) (Outcome, error) {
	a.mu.Lock()
	if f, ok := a.flights[n.Key]; ok {
		a.mu.Unlock()
		select {
		case <-f.done:
			return f.o, f.err
		case <-ctx.Done():
			return Interrupted, ctx.Err()
		}
	}
	if a.flights == nil {
		a.flights = map[artifacts.Key]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	a.flights[n.Key] = f
	a.mu.Unlock()

	f.o, f.err = a.execute(ctx, n, true)

	a.mu.Lock()
	delete(a.flights, n.Key)
	a.mu.Unlock()
	close(f.done)
	return f.o, f.err
}

// Run computes n here, with its retries and timeout, and stores its outputs
// under its key.
func (x *localExecutor) Run(ctx context.Context, n *Node) error {
	started := time.Now()
	outputs, inputKeys, err := x.runWithRetries(ctx, n)
	if err != nil {
		return err
	}
	defer releaseAll(outputs)
	m := artifacts.Manifest{
		Key: n.Key, Kind: n.Kind.Name(), Version: n.Kind.Version(), Stage: n.ID(), Cell: n.Cell.Map(),
		Params: n.Params.Canonical, Seed: n.Seed, Inputs: inputKeys, WallSeconds: time.Since(started).Seconds(),
		RunnerVersion: Version, Host: hostname(), Created: time.Now().UTC(),
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := x.store.Put(m, outputs); err != nil {
		return fmt.Errorf("store outputs: %w", err)
	}
	if x.stamps != nil {
		x.stamps.Record(n.Key)
	}
	return nil
}

// ExecuteNode computes one node of a plan here and stores its outputs,
// without taking its key lock: the caller (a runner that submitted this as
// a batch job) holds it. It is what `runner exec-node` runs on a cluster node.
func ExecuteNode(ctx context.Context, plan *Plan, store *artifacts.Store, id string) error {
	n := plan.Node(id)
	if n == nil {
		return fmt.Errorf("no stage instance %q in the plan", id)
	}
	a := &applier{plan: plan, store: store, opts: Options{Log: io.Discard}}
	a.exec = a.localExecutor() // also recomputes corrupt inputs
	return a.exec.Run(ctx, n)
}

func (x *localExecutor) runWithRetries(ctx context.Context, n *Node) (stages.Outputs, map[string][]artifacts.Key, error) {
	in, inputKeys, err := x.readInputs(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	defer releaseInputs(in)
	var lastErr error
	for attempt := 0; attempt <= n.Inst.Retries; attempt++ {
		out, err := RunStage(ctx, n.Stage, in, n.Out, n.Inst.Timeout)
		if err == nil {
			return out, inputKeys, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
		if attempt < n.Inst.Retries {
			lastErr = fmt.Errorf("attempt %d of %d: %w", attempt+1, n.Inst.Retries+1, err)
		}
	}
	return nil, nil, lastErr
}

// RunStage runs a stage once with an optional timeout and checks that it
// produced exactly its declared output ports with their declared schemas.
// A panic inside the stage is turned into an error.
func RunStage(ctx context.Context, st stages.Stage, in stages.Inputs, outPorts []stages.Port, timeout time.Duration) (out stages.Outputs, err error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("stage panicked: %v", r)
			}
		}()
		out, err = st.Run(ctx, in)
	}()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		releaseAll(out)
		if errors.Is(err, context.DeadlineExceeded) && timeout > 0 {
			return nil, fmt.Errorf("timed out after %s", timeout)
		}
		return nil, err
	}
	if err := checkOutputs(out, outPorts); err != nil {
		releaseAll(out)
		return nil, err
	}
	return out, nil
}

func checkOutputs(out stages.Outputs, ports []stages.Port) error {
	declared := map[string]bool{}
	for _, p := range ports {
		declared[p.Name] = true
		rec, ok := out[p.Name]
		if !ok || rec == nil {
			return fmt.Errorf("stage produced no table on output port %q", p.Name)
		}
		if msg := schemaMismatch(rec.Schema(), p.Schema); msg != "" {
			return fmt.Errorf("output port %q does not match its declared schema: %s", p.Name, msg)
		}
	}
	for name := range out {
		if !declared[name] {
			return fmt.Errorf("stage produced undeclared output port %q", name)
		}
	}
	return nil
}

// readInputs loads every upstream table a node consumes. A table whose
// digest no longer matches (damaged in place, same size) is evicted and its
// producer recomputed before the read is retried.
func (x *localExecutor) readInputs(ctx context.Context, n *Node) (stages.Inputs, map[string][]artifacts.Key, error) {
	in := stages.Inputs{}
	keys := map[string][]artifacts.Key{}
	for _, inp := range n.Inst.Inputs {
		for _, src := range inp.Sources {
			up := x.plan.byID[src.Instance]
			if slices.Contains(n.Missing, src.Instance) {
				in[inp.Port] = append(in[inp.Port], stages.Item{Stage: src.Instance, Cell: up.Cell, Missing: true})
				continue
			}
			rec, err := x.store.Read(up.Key, src.Port)
			// A damaged entry, or one missing because it is being replaced
			// (or was removed since plan), is recovered under its key lock;
			// the read is retried once it is valid again. A second failure
			// means the entry was damaged again meanwhile, which is not
			// retried forever.
			for attempt := 0; attempt < 2 && (errors.Is(err, artifacts.ErrCorrupt) || errors.Is(err, artifacts.ErrNotFound)); attempt++ {
				if attempt == 0 {
					fmt.Fprintf(x.log, "damaged input %s (%v): recovering\n", up.ID(), err)
				}
				o, rerr := x.recompute(ctx, up)
				if o != Ran && o != Cached {
					if rerr == nil {
						rerr = fmt.Errorf("outcome %s", o)
					}
					err = fmt.Errorf("%w; recomputing %s failed: %w", err, up.ID(), rerr)
					break
				}
				rec, err = x.store.Read(up.Key, src.Port)
			}
			if err != nil {
				releaseInputs(in)
				return nil, nil, fmt.Errorf("read input %s from %s.%s: %w", inp.Port, src.Instance, src.Port, err)
			}
			in[inp.Port] = append(in[inp.Port], stages.Item{Stage: src.Instance, Cell: up.Cell, Record: rec, Key: string(up.Key)})
			keys[inp.Port] = append(keys[inp.Port], up.Key)
		}
	}
	return in, keys, nil
}

func releaseAll(out stages.Outputs) {
	for _, r := range out {
		if r != nil {
			r.Release()
		}
	}
}

func releaseInputs(in stages.Inputs) {
	for _, items := range in {
		for _, it := range items {
			if it.Record != nil {
				it.Record.Release()
			}
		}
	}
}

var hostname = sync.OnceValue(func() string {
	h, _ := os.Hostname()
	return h
})

// readyQueue is a container/heap of ready nodes by plan index, so that
// they start in plan order.
type readyQueue []*Node

func (q readyQueue) Len() int           { return len(q) }
func (q readyQueue) Less(i, j int) bool { return q[i].Index < q[j].Index }
func (q readyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)        { *q = append(*q, x.(*Node)) }

func (q *readyQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}
