package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/spec"
)

// RunFileName is the per-run provenance file that Apply writes into a
// publish folder beside the published files (see writeRunFile).
const RunFileName = "run.json"

// checkPublish reports stages with a publish folder but no file port.
func checkPublish(p *Plan) spec.Diagnostics {
	var ds spec.Diagnostics
	seen := map[string]bool{}
	for _, n := range p.Nodes {
		if n.Inst.Publish == "" || n.Out == nil || seen[n.Inst.Stage] {
			continue
		}
		seen[n.Inst.Stage] = true
		files := false
		for _, o := range n.Out {
			files = files || o.IsFilePort()
		}
		if !files {
			ds = append(ds, spec.Diagnostic{Pos: n.Inst.PublishPos, Path: "stages." + n.Inst.Stage + ".publish",
				Message: fmt.Sprintf("stage kind %s has no file output to publish", n.Kind.Name())})
		}
	}
	return ds
}

// PublishDir returns the folder n's files are published to: the stage's
// publish folder, relative to the pipeline file, and for a matrix cell a
// sub-folder named by the cell label. "" when n publishes nothing.
func (p *Plan) PublishDir(n *Node) string {
	if n.Inst.Publish == "" {
		return ""
	}
	dir := n.Inst.Publish
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(p.Pipeline.File), dir)
	}
	if len(n.Cell) > 0 {
		dir = filepath.Join(dir, strings.ReplaceAll(n.Cell.Label(), "/", "_"))
	}
	return dir
}

// publishAll publishes the files of every node with a publish folder that
// ran or was cached in this apply. Failures are reported (and fail the
// apply), never left half-done: each file is replaced atomically.
func (a *applier) publishAll() {
	ranAny := slices.Contains(a.res.Outcomes, Ran)
	for _, n := range a.plan.Nodes {
		dir := a.plan.PublishDir(n)
		if dir == "" {
			continue
		}
		if o := a.res.Outcomes[n.Index]; o != Ran && o != Cached {
			continue
		}
		m, err := a.store.Lookup(n.Key)
		if err == nil {
			var count int
			count, err = publishFiles(a.store, n.Key, m, dir)
			a.res.Published += count
			if err == nil && (count > 0 || !exists(filepath.Join(dir, RunFileName))) {
				err = a.writeRunFile(n, m, dir)
			}
			// A report's fit and forecast times: from the manifests, so
			// beside the cached report, never in it. When nothing ran, the
			// manifests they come from are those of the apply that wrote
			// them, and reading every one (83,000 in the flagship) would be
			// most of a no-op apply.
			if err == nil && n.Kind.Name() == "report" &&
				(ranAny || count > 0 || !exists(filepath.Join(dir, TimingsHTML)) || !exists(filepath.Join(dir, TimingsMD))) {
				_, err = a.writeTimings(n, dir, count > 0)
			}
			if count > 0 {
				fmt.Fprintf(a.opts.Log, "published %d file(s) of %s to %s\n", count, n.ID(), dir)
			}
		}
		if err != nil {
			a.fail(n, fmt.Errorf("publish to %s: %w", dir, err))
			a.res.Outcomes[n.Index] = Failed
		}
	}
}

// publishFiles places every file of m into dir (by hard link, else copy;
// each through a temporary name and a rename), skipping files whose
// published copy already has the same digest. Other files in dir are left
// alone. It returns how many files it (re)placed.
func publishFiles(store *artifacts.Store, key artifacts.Key, m *artifacts.Manifest, dir string) (int, error) {
	count := 0
	for _, f := range m.Files {
		src := store.FilePath(key, f)
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if same(src, dst, f) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return count, err
		}
		tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".%s.publish-%d", filepath.Base(dst), os.Getpid()))
		_ = os.Remove(tmp)
		if err := os.Link(src, tmp); err != nil {
			if err := copyFile(src, tmp); err != nil {
				_ = os.Remove(tmp)
				return count, err
			}
		}
		if err := os.Rename(tmp, dst); err != nil {
			_ = os.Remove(tmp)
			return count, err
		}
		count++
	}
	return count, nil
}

// same reports whether dst already holds f: the same inode as the store's
// file, or the same size and SHA-256.
func same(src, dst string, f artifacts.FileOutput) bool {
	di, err := os.Stat(dst)
	if err != nil || !di.Mode().IsRegular() || di.Size() != f.Bytes {
		return false
	}
	if si, err := os.Stat(src); err == nil && os.SameFile(si, di) {
		return true
	}
	r, err := os.Open(dst)
	if err != nil {
		return false
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == f.SHA256
}

func copyFile(src, dst string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	if err := w.Sync(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// RunFile is the per-run provenance written beside published files: what
// changes from run to run (run id, host, time, what was cached and what
// ran, the failures) and so must stay out of the cached files themselves.
// It is rewritten only when the apply publishes something (or it is
// missing), so it describes the run that produced the published files.
type RunFile struct {
	Pipeline      string         `json:"pipeline"`
	PipelineSHA   string         `json:"pipeline_sha256,omitempty"`
	Stage         string         `json:"stage"`
	Key           artifacts.Key  `json:"key"`
	RunID         string         `json:"run_id"`
	RunnerVersion string         `json:"runner_version"`
	Host          string         `json:"host"`
	Time          time.Time      `json:"time"`
	RootSeed      uint64         `json:"root_seed"`
	Counts        map[string]int `json:"counts"`   // outcome -> instances, over the whole pipeline
	Upstream      map[string]int `json:"upstream"` // outcome -> instances, over the stage's transitive inputs
	// Ran lists the upstream instances that ran in this run (the others
	// were cached), at most maxRanListed of them.
	Ran []string `json:"ran,omitempty"`
	// WallSeconds sums the recorded wall time of the upstream entries (when
	// they were computed, cached or not) per stage and model: keys such as
	// "fit", "fit[model=esn]" (stages with a model axis also get one key
	// per model), so fit and forecast times can be compared.
	WallSeconds map[string]float64 `json:"wall_seconds"`
	Failures    []RunFailure       `json:"failures,omitempty"`
	Files       []string           `json:"files"`
}

// RunFailure is one failed or skipped instance of the run.
type RunFailure struct {
	Stage  string `json:"stage"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

const maxRanListed = 1000

func (a *applier) writeRunFile(n *Node, m *artifacts.Manifest, dir string) error {
	rf := RunFile{Pipeline: a.plan.Pipeline.File, Stage: n.ID(), Key: n.Key, RunID: a.opts.RunID,
		RunnerVersion: Version, Host: hostname(), Time: time.Now().UTC(), RootSeed: a.plan.Pipeline.Seed,
		Counts: map[string]int{}, Upstream: map[string]int{}}
	if data, err := os.ReadFile(a.plan.Pipeline.File); err == nil {
		sum := sha256.Sum256(data)
		rf.PipelineSHA = hex.EncodeToString(sum[:])
	}
	for _, o := range a.res.Outcomes {
		rf.Counts[o.String()]++
	}
	seen := map[int]bool{}
	var visit func(x *Node)
	visit = func(x *Node) {
		for _, d := range x.Deps {
			if !seen[d.Index] {
				seen[d.Index] = true
				o := a.res.Outcomes[d.Index]
				rf.Upstream[o.String()]++
				if o == Ran && len(rf.Ran) < maxRanListed {
					rf.Ran = append(rf.Ran, d.ID())
				}
				visit(d)
			}
		}
	}
	visit(n)
	sort.Strings(rf.Ran)
	rf.WallSeconds = map[string]float64{}
	for _, x := range a.plan.Nodes {
		if !seen[x.Index] {
			continue
		}
		if m, err := a.store.Lookup(x.Key); err == nil {
			rf.WallSeconds[x.Inst.Stage] += m.WallSeconds
			for _, axis := range []string{"model", "gilpin"} {
				if v, ok := x.Cell.Get(axis); ok {
					rf.WallSeconds[x.Inst.Stage+"["+axis+"="+v+"]"] += m.WallSeconds
				}
			}
		}
	}
	a.mu.Lock()
	for _, f := range a.failures {
		rf.Failures = append(rf.Failures, RunFailure{Stage: f.ID, Status: "failed", Error: f.Err.Error()})
	}
	a.mu.Unlock()
	sort.Slice(rf.Failures, func(i, j int) bool { return rf.Failures[i].Stage < rf.Failures[j].Stage })
	for _, f := range m.Files {
		rf.Files = append(rf.Files, f.Name)
	}
	data, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.publish-%d", RunFileName, os.Getpid()))
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, RunFileName)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
