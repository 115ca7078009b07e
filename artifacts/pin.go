package artifacts

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Pins and runs.
//
// A run is one journal, <root>/runs/<run-id>.jsonl. Pinning a run,
// <root>/pins/<run-id> (a small JSON file: who and when), makes GC keep
// every key its journal lists, whatever its age.

const pinsDir = "pins"

// RunInfo describes one run journal.
type RunInfo struct {
	ID       string
	Modified time.Time // the journal's modification time: its last entry
	Bytes    int64
	Pinned   bool
}

type pinFile struct {
	Run    string    `json:"run"`
	User   string    `json:"user,omitempty"`
	Pinned time.Time `json:"pinned"`
}

// Pin pins the run runID, whose journal must exist.
func (s *Store) Pin(runID string) error {
	if !validRunID(runID) {
		return fmt.Errorf("artifacts: pin: invalid run id %q", runID)
	}
	if err := s.checkWritable("pin"); err != nil {
		return err
	}
	if _, err := os.Stat(s.JournalPath(runID)); err != nil {
		return fmt.Errorf("artifacts: pin %s: no such run: %w", runID, err)
	}
	dir := filepath.Join(s.root, pinsDir)
	if err := mkdirShared(dir); err != nil {
		return fmt.Errorf("artifacts: pin %s: %w", runID, err)
	}
	pf := pinFile{Run: runID, Pinned: time.Now().UTC()}
	if u, err := user.Current(); err == nil {
		pf.User = u.Username
	}
	data, _ := json.Marshal(pf)
	tmp := filepath.Join(s.root, tmpDir, s.tmpName("pin"))
	if err := os.WriteFile(tmp, append(data, '\n'), sharedFilePerm); err != nil {
		return fmt.Errorf("artifacts: pin %s: %w", runID, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, runID)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("artifacts: pin %s: %w", runID, err)
	}
	return nil
}

// Unpin removes the pin of runID; unpinning a run that is not pinned is an
// error.
func (s *Store) Unpin(runID string) error {
	if !validRunID(runID) {
		return fmt.Errorf("artifacts: unpin: invalid run id %q", runID)
	}
	if err := os.Remove(filepath.Join(s.root, pinsDir, runID)); err != nil {
		return fmt.Errorf("artifacts: unpin %s: %w", runID, err)
	}
	return nil
}

// Pinned returns the pinned run ids, sorted.
func (s *Store) Pinned() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, pinsDir))
	if err != nil {
		if isNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("artifacts: pins: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if e.Type().IsRegular() && validRunID(e.Name()) {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Runs lists the run journals, oldest first.
func (s *Store) Runs() ([]RunInfo, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, runsDir))
	if err != nil {
		return nil, fmt.Errorf("artifacts: runs: %w", err)
	}
	pins, err := s.Pinned()
	if err != nil {
		return nil, err
	}
	pinned := map[string]bool{}
	for _, p := range pins {
		pinned[p] = true
	}
	var runs []RunInfo
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || !validRunID(id) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		runs = append(runs, RunInfo{ID: id, Modified: fi.ModTime(), Bytes: fi.Size(), Pinned: pinned[id]})
	}
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].Modified.Equal(runs[j].Modified) {
			return runs[i].Modified.Before(runs[j].Modified)
		}
		return runs[i].ID < runs[j].ID
	})
	return runs, nil
}

// RunKeys returns the keys the journal of runID lists, whatever their
// status.
func (s *Store) RunKeys(runID string) (map[Key]bool, error) {
	ents, err := s.ReadJournal(runID)
	if err != nil {
		return nil, err
	}
	keys := make(map[Key]bool, len(ents))
	for _, e := range ents {
		if e.Key != "" {
			keys[e.Key] = true
		}
	}
	return keys, nil
}
