package artifacts

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Journal statuses.
const (
	StatusCached      = "cached"
	StatusRan         = "ran"
	StatusFailed      = "failed"
	StatusSkipped     = "skipped"
	StatusInterrupted = "interrupted"
)

// JournalEntry is one line of a run journal.
type JournalEntry struct {
	Time        time.Time         `json:"time"`
	Stage       string            `json:"stage"`
	Cell        map[string]string `json:"cell,omitempty"`
	Key         Key               `json:"key,omitempty"`
	Status      string            `json:"status"` // cached|ran|failed|skipped|interrupted
	WallSeconds float64           `json:"wall_seconds"`
	Error       string            `json:"error,omitempty"`
}

// Journal is the append-only JSON-lines record of one run,
// <root>/runs/<run-id>.jsonl. It is safe for concurrent use.
//
// Lines are written with write(2) on a file opened with O_APPEND, whole
// lines at a time, so they never interleave. Entries with status "cached"
// (one per stage on a no-op apply, where a write per line would cost more
// than the cache check) are buffered and written with the next other entry,
// when 64 KiB are pending, when the oldest pending one is a second old, or
// by Flush or Close; every other status is written before Append returns.
// A crash therefore loses at most some "cached" lines. A short write (full
// disk) is cut back, so the file holds whole lines only; that relies on one
// writing process per journal, which one run is.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	size    int64     // length of the file: whole lines only
	buf     []byte    // pending complete lines
	pending time.Time // when the oldest pending line was added
}

// journalFlushBytes and journalFlushAge bound the buffered "cached" lines.
const (
	journalFlushBytes = 64 << 10
	journalFlushAge   = time.Second
)

// NewJournal creates (or appends to) the journal of runID, which must be a
// plain file name: no path separators, not starting with '.'.
func (s *Store) NewJournal(runID string) (*Journal, error) {
	if !validRunID(runID) {
		return nil, fmt.Errorf("artifacts: journal: invalid run id %q", runID)
	}
	path := s.JournalPath(runID)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("artifacts: journal %s: %w", runID, err)
	}
	// Continuing a journal torn by a crash or an older runner: cut the torn
	// last line, so that it does not end up in the middle.
	size, err := wholeLines(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("artifacts: journal %s: %w", runID, err)
	}
	return &Journal{f: f, path: path, size: size}, nil
}

// wholeLines truncates f after its last newline, if it does not end with
// one, and returns its new length.
func wholeLines(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := fi.Size()
	buf := make([]byte, 4096)
	for pos := end; pos > 0; {
		n := int64(len(buf))
		if n > pos {
			n = pos
		}
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil {
			return 0, err
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				cut := pos + i + 1
				if cut != end {
					return cut, f.Truncate(cut)
				}
				return end, nil
			}
		}
	}
	if end != 0 {
		return 0, f.Truncate(0)
	}
	return 0, nil
}

// JournalPath returns the path of the journal of runID.
func (s *Store) JournalPath(runID string) string {
	return filepath.Join(s.root, runsDir, runID+".jsonl")
}

func validRunID(id string) bool {
	if id == "" || len(id) > 200 || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '/' || c == '\\' || c == 0 || c == '\n' {
			return false
		}
	}
	return true
}

// Path returns the file the journal writes.
func (j *Journal) Path() string { return j.path }

// Append writes e as one line. A zero Time is set to now.
func (j *Journal) Append(e JournalEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	line, err := appendJournalLine(make([]byte, 0, 256), &e)
	if err != nil {
		return fmt.Errorf("artifacts: journal append: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("artifacts: journal append: %w", os.ErrClosed)
	}
	if len(j.buf) == 0 {
		j.pending = time.Now()
	}
	j.buf = append(append(j.buf, line...), '\n')
	if e.Status == StatusCached && len(j.buf) < journalFlushBytes && time.Since(j.pending) < journalFlushAge {
		return nil
	}
	return j.flushLocked()
}

// AppendLines appends lines encoded by AppendJournalLine, each ending in a
// newline, with the buffered ones in one write: a no-op apply of a million
// stages encodes its "cached" lines on every core and writes them here.
func (j *Journal) AppendLines(lines []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("artifacts: journal append: %w", os.ErrClosed)
	}
	j.buf = append(j.buf, lines...)
	return j.flushLocked()
}

// AppendJournalLine appends the journal line of e (without its newline) to
// dst, exactly as Append would write it; a zero Time is now.
func AppendJournalLine(dst []byte, e *JournalEntry) ([]byte, error) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	return appendJournalLine(dst, e)
}

// Flush writes the buffered lines.
func (j *Journal) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	return j.flushLocked()
}

// flushLocked writes the pending lines with one write call. A short write
// (a full disk, a file size limit) is cut back to the previous length, so the
// journal holds whole lines or nothing of them; the lines are dropped and the
// error returned.
func (j *Journal) flushLocked() error {
	if len(j.buf) == 0 {
		return nil
	}
	n, err := j.f.Write(j.buf)
	j.buf = j.buf[:0]
	if err != nil {
		if n > 0 {
			if terr := j.f.Truncate(j.size); terr != nil {
				// Cannot cut it: the next open (or reader) drops the torn
				// tail; keep appending after it would bury it mid-file.
				j.size += int64(n)
				err = fmt.Errorf("%w (and cutting the torn line: %v)", err, terr)
				_ = j.f.Close()
				j.f = nil
			}
		}
		return fmt.Errorf("artifacts: journal write: %w", err)
	}
	j.size += int64(n)
	return nil
}

// Close writes the buffered lines, fsyncs and closes the journal. Closing
// twice is not an error.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.flushLocked()
	if serr := j.f.Sync(); err == nil {
		err = serr
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	if err != nil {
		return fmt.Errorf("artifacts: journal close: %w", err)
	}
	return nil
}

// ReadJournal reads the journal of runID. A torn last line (a crash during
// Append) is ignored; any other bad line is an error.
func (s *Store) ReadJournal(runID string) ([]JournalEntry, error) {
	if !validRunID(runID) {
		return nil, fmt.Errorf("artifacts: journal: invalid run id %q", runID)
	}
	f, err := os.Open(s.JournalPath(runID))
	if err != nil {
		return nil, fmt.Errorf("artifacts: journal %s: %w", runID, err)
	}
	defer f.Close()
	var out []JournalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var bad error
	line := 0
	for sc.Scan() {
		line++
		if bad != nil {
			return nil, bad // a bad line that was not the last
		}
		var e JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			bad = fmt.Errorf("artifacts: journal %s:%d: %w", runID, line, err)
			continue
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("artifacts: journal %s: %w", runID, err)
	}
	return out, nil
}

// appendJournalLine appends e encoded exactly as json.Marshal(&e) would, a
// few times faster (a no-op apply of 10,000 stages writes 10,000 lines).
// Anything outside the simple cases goes through encoding/json.
func appendJournalLine(dst []byte, e *JournalEntry) ([]byte, error) {
	var err error
	dst = append(dst, `{"time":`...)
	if y := e.Time.Year(); y >= 0 && y <= 9999 {
		// What time.Time's MarshalJSON writes, without its allocations.
		dst = append(dst, '"')
		dst = e.Time.AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, '"')
	} else if dst, err = appendJSON(dst, e.Time); err != nil {
		return nil, err
	}
	dst = append(dst, `,"stage":`...)
	dst = appendJSONString(dst, e.Stage)
	if len(e.Cell) > 0 {
		var small [8]string
		keys := small[:0]
		for k := range e.Cell {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, `,"cell":{`...)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, e.Cell[k])
		}
		dst = append(dst, '}')
	}
	if e.Key != "" {
		dst = append(dst, `,"key":`...)
		dst = appendJSONString(dst, string(e.Key))
	}
	dst = append(dst, `,"status":`...)
	dst = appendJSONString(dst, e.Status)
	dst = append(dst, `,"wall_seconds":`...)
	if f := e.WallSeconds; f == 0 || (math.Abs(f) >= 1e-6 && math.Abs(f) < 1e21) {
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	} else if dst, err = appendJSON(dst, f); err != nil {
		return nil, err
	}
	if e.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = appendJSONString(dst, e.Error)
	}
	return append(dst, '}'), nil
}

func appendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// appendJSONString quotes plain printable ASCII directly and leaves
// everything else (escapes, HTML characters, non-ASCII) to encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
