package slurm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
)

// RunRecord is what a detached run leaves in <store>/runs/<run>.slurm.json:
// its submissions, with the cells and keys of each, so that `runner
// status`, `runner cancel` and a later `runner apply` can follow it
// without the submitting process.
type RunRecord struct {
	Run         string               `json:"run"`
	Pipeline    string               `json:"pipeline"` // the pipeline's name
	File        string               `json:"file"`
	Created     time.Time            `json:"created"`
	Submissions []RecordedSubmission `json:"submissions"`
}

// RecordedSubmission is one sbatch call of a detached run: a job or job
// array whose task i computes cells [i*Batch, (i+1)*Batch).
type RecordedSubmission struct {
	Stage   string         `json:"stage"`
	JobID   string         `json:"job_id"`
	JobName string         `json:"job_name"`
	Tasks   int            `json:"tasks"`
	Batch   int            `json:"batch"`
	Dir     string         `json:"dir"`
	After   []string       `json:"after,omitempty"` // afterok dependencies
	Cells   []RecordedCell `json:"cells"`
}

// RecordedCell is one node of a RecordedSubmission.
type RecordedCell struct {
	ID  string        `json:"id"`
	Key artifacts.Key `json:"key"`
}

// taskID is the Slurm id of the task computing cell i.
func (s *RecordedSubmission) taskID(i int) string {
	if s.Tasks > 1 {
		return s.JobID + "_" + strconv.Itoa(i/s.Batch)
	}
	return s.JobID
}

// RecordPath is where the record of run lives in store.
func RecordPath(store *artifacts.Store, run string) string {
	return filepath.Join(store.Root(), "runs", run+".slurm.json")
}

// Detach submits every node of nodes (the nodes of plan that must run, in
// plan order) at once: the cells of each stage as one job array of
// batches, each with afterok dependencies on the submissions of the stages
// it reads, and --kill-on-invalid-dep so that a failure cancels its
// dependents instead of leaving them pending forever. It writes the run
// record and returns without waiting; no key locks are held, the jobs
// write their entries atomically.
func (e *Executor) Detach(ctx context.Context, plan *runner.Plan, nodes []*runner.Node, run string) (*RunRecord, error) {
	rec := &RunRecord{Run: run, Pipeline: plan.Pipeline.Name, File: e.cfg.Pipeline, Created: time.Now().UTC()}
	// Group by stage, in plan order (stages are in topological order).
	var order []string
	byStage := map[string][]*runner.Node{}
	for _, n := range nodes {
		if _, ok := byStage[n.Inst.Stage]; !ok {
			order = append(order, n.Inst.Stage)
		}
		byStage[n.Inst.Stage] = append(byStage[n.Inst.Stage], n)
	}
	toRun := map[*runner.Node]bool{}
	for _, n := range nodes {
		toRun[n] = true
	}
	jobsOf := map[string][]string{} // stage -> job ids
	for _, stage := range order {
		group := byStage[stage]
		after := map[string]bool{}
		for _, n := range group {
			for _, d := range n.Deps {
				if toRun[d] {
					for _, id := range jobsOf[d.Inst.Stage] {
						after[id] = true
					}
				}
			}
		}
		deps := make([]string, 0, len(after))
		for id := range after {
			deps = append(deps, id)
		}
		sort.Strings(deps)
		batch := e.batchSize(group[0])
		for len(group) > 0 {
			chunk := group[:min(len(group), e.cfg.MaxArray*batch)]
			group = group[len(chunk):]
			sub := e.newSubmission(chunk[0])
			sub.nodes, sub.batch, sub.after = chunk, batch, deps
			e.submitBatch(ctx, sub)
			if sub.err != nil {
				_ = writeRecord(RecordPath(e.store, run), rec)
				return rec, fmt.Errorf("%w (the %d submissions before it are recorded in run %s)", sub.err, len(rec.Submissions), run)
			}
			rs := RecordedSubmission{Stage: stage, JobID: sub.jobID, JobName: sub.jobName, Tasks: sub.tasks, Batch: sub.batch, Dir: sub.dir, After: deps}
			for _, n := range chunk {
				rs.Cells = append(rs.Cells, RecordedCell{ID: n.ID(), Key: n.Key})
			}
			rec.Submissions = append(rec.Submissions, rs)
			jobsOf[stage] = append(jobsOf[stage], sub.jobID)
		}
	}
	return rec, writeRecord(RecordPath(e.store, run), rec)
}

func writeRecord(path string, rec *RunRecord) error {
	data, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadRecord reads the record of run, or of the latest detached run of the
// pipeline named name when run is "".
func ReadRecord(store *artifacts.Store, run, name string) (*RunRecord, error) {
	path := RecordPath(store, run)
	if run == "" {
		matches, _ := filepath.Glob(filepath.Join(store.Root(), "runs", "*.slurm.json"))
		var latest time.Time
		path = ""
		for _, m := range matches {
			r, err := readRecordFile(m)
			if err == nil && r.Pipeline == name && r.Created.After(latest) {
				latest, path = r.Created, m
			}
		}
		if path == "" {
			return nil, fmt.Errorf("no detached run of pipeline %q in %s", name, store.Root())
		}
	}
	return readRecordFile(path)
}

func readRecordFile(path string) (*RunRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no detached run %s", strings.TrimSuffix(filepath.Base(path), ".slurm.json"))
		}
		return nil, err
	}
	var rec RunRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("run record %s: %w", path, err)
	}
	return &rec, nil
}

// CellStatus is where one cell of a detached run stands.
type CellStatus struct {
	ID     string
	Key    artifacts.Key
	State  string // done, pending, running, failed, skipped (a failed upstream), lost
	JobID  string
	Reason string
	Log    string // the job's stderr log, for failed cells
}

// Status tells where every cell of rec stands: done when its entry is in
// the store, failed from its exit-code file, else from Slurm's state of
// its task (one query for all).
func Status(ctx context.Context, client Client, store *artifacts.Store, rec *RunRecord) ([]CellStatus, error) {
	if client == nil {
		client = CLI{}
	}
	var out []CellStatus
	var ask []string
	seen := map[string]bool{}
	for si := range rec.Submissions {
		s := &rec.Submissions[si]
		for i, c := range s.Cells {
			cs := CellStatus{ID: c.ID, Key: c.Key, JobID: s.taskID(i)}
			cs.Log = filepath.Join(s.Dir, fmt.Sprintf("task-%d.err", i/s.Batch))
			if _, err := store.Lookup(c.Key); err == nil {
				cs.State = "done"
			} else if rc := readExitCode(filepath.Join(s.Dir, fmt.Sprintf("cell-%d.rc", i))); rc > 0 {
				cs.State, cs.Reason = "failed", fmt.Sprintf("exit code %d", rc)
			} else if !seen[cs.JobID] {
				seen[cs.JobID] = true
				ask = append(ask, cs.JobID)
			}
			out = append(out, cs)
		}
	}
	var states map[string]JobState
	if len(ask) > 0 {
		var err error
		if states, err = client.Query(ctx, ask); err != nil {
			return out, err
		}
	}
	for i := range out {
		cs := &out[i]
		if cs.State != "" {
			continue
		}
		st, ok := states[cs.JobID]
		switch {
		case !ok:
			// The task may have ended between the store check above and
			// the query, and left the queue (no accounting): look again.
			if _, err := store.Lookup(cs.Key); err == nil {
				cs.State = "done"
			} else {
				cs.State, cs.Reason = "lost", "Slurm no longer knows the job"
			}
		case st.State == "PENDING" && st.Reason == "DependencyNeverSatisfied", st.State == "CANCELLED" && strings.Contains(st.Reason, "Dependency"):
			cs.State, cs.Reason = "skipped", "an upstream job failed"
		case st.State == "PENDING" || st.State == "CONFIGURING":
			cs.State, cs.Reason = "pending", st.Reason
		case st.State == "RUNNING" || st.State == "COMPLETING":
			cs.State = "running"
		case st.State == "COMPLETED":
			// The task ended; the entry is written before the exit code,
			// so look again.
			if _, err := store.Lookup(cs.Key); err == nil {
				cs.State = "done"
			} else {
				cs.State, cs.Reason = "lost", "job completed without the entry"
			}
		default:
			cs.State, cs.Reason = "failed", st.State
			if st.Reason != "" && st.Reason != "None" {
				cs.Reason += " (" + st.Reason + ")"
			}
		}
	}
	return out, nil
}

// Cancel cancels every job of rec that Slurm still runs or queues.
func Cancel(ctx context.Context, client Client, rec *RunRecord) (int, error) {
	if client == nil {
		client = CLI{}
	}
	var ids []string
	for _, s := range rec.Submissions {
		ids = append(ids, s.JobID)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return len(ids), client.Cancel(ctx, ids)
}
