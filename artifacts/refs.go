package artifacts

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// refCompactLines is the log length above which SetRef rewrites a
// pipeline's ref log (when it is also more than twice the live refs).
const refCompactLines = 4096

// refLogs caches the ref logs a Store has read, per pipeline.
type refLogs struct {
	mu   sync.Mutex
	logs map[string]*refLog
}

type refLog struct {
	refs  map[string]Key // instance -> key
	lines int            // lines in the file, for compaction
}

// SetRef records key as the last key that instance (a stage instance id such
// as `fit[Lorenz,nvar]`) of pipeline resolved to, so that `runner plan` can
// explain what changed.
//
// Refs of a pipeline live in one append-only log, <root>/refs/<pipeline>.log,
// one line `<key> "<instance>"` per change (the last line of an instance
// wins). Appending a line is one write(2) with O_APPEND, so it is atomic and
// cheap (a file per ref replaced by rename costs a journal commit each, about
// 0.3 ms here, seconds for 10,000 refs). Torn lines from a crash are
// ignored. When the log exceeds 4096 lines and twice its live refs, it is
// compacted into a new file renamed over the old one. Refs are advisory: a
// line appended by another process during a compaction may be lost.
// An unchanged ref is not written again.
func (s *Store) SetRef(pipeline, instance string, key Key) error {
	if err := checkKey("set ref", key); err != nil {
		return err
	}
	if pipeline == "" || instance == "" {
		return fmt.Errorf("artifacts: set ref %q %q: empty pipeline or instance", pipeline, instance)
	}
	s.refs.mu.Lock()
	defer s.refs.mu.Unlock()
	l := s.refLogLocked(pipeline)
	if l.refs[instance] == key {
		return nil
	}
	path := s.refLogPath(pipeline)
	line := appendRefLine(nil, instance, key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, sharedFilePerm) // other group members append too
	if err == nil {
		_, err = f.Write(line)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("artifacts: set ref %s %s: %w", pipeline, instance, err)
	}
	l.refs[instance] = key
	l.lines++
	if l.lines > refCompactLines && l.lines > 2*len(l.refs) {
		if err := s.compactRefs(pipeline, path); err != nil {
			return fmt.Errorf("artifacts: set ref %s: compact: %w", pipeline, err)
		}
	}
	return nil
}

// Ref returns the key last recorded by SetRef for instance of pipeline. The
// pipeline's log is read on first use and cached by the Store; later changes
// by other processes are not seen.
func (s *Store) Ref(pipeline, instance string) (Key, bool) {
	s.refs.mu.Lock()
	defer s.refs.mu.Unlock()
	k, ok := s.refLogLocked(pipeline).refs[instance]
	return k, ok
}

// Refs returns every ref recorded for pipeline, by instance id, read afresh.
func (s *Store) Refs(pipeline string) (map[string]Key, error) {
	l, err := readRefLog(s.refLogPath(pipeline))
	if err != nil {
		return nil, fmt.Errorf("artifacts: refs %s: %w", pipeline, err)
	}
	return l.refs, nil
}

// Pipelines returns the names of the pipelines that have refs.
func (s *Store) Pipelines() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, refsDir))
	if err != nil {
		return nil, fmt.Errorf("artifacts: pipelines: %w", err)
	}
	var names []string
	for _, e := range ents {
		base, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if n, ok := unescapeName(base); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (s *Store) refLogPath(pipeline string) string {
	return filepath.Join(s.root, refsDir, escapeName(pipeline)+".log")
}

// refLogLocked returns the cached log of pipeline, reading it on first use
// (a missing or unreadable log counts as empty).
func (s *Store) refLogLocked(pipeline string) *refLog {
	if l, ok := s.refs.logs[pipeline]; ok {
		return l
	}
	var l *refLog
	if p := s.prefetched(pipeline); p != nil && p.refs != nil {
		l = p.refs
	} else {
		var err error
		if l, err = readRefLog(s.refLogPath(pipeline)); err != nil {
			l = &refLog{refs: map[string]Key{}}
		}
	}
	if s.refs.logs == nil {
		s.refs.logs = map[string]*refLog{}
	}
	s.refs.logs[pipeline] = l
	return l
}

func readRefLog(path string) (*refLog, error) {
	l := &refLog{refs: map[string]Key{}}
	data, err := os.ReadFile(path)
	if err != nil {
		if isNotExist(err) {
			return l, nil
		}
		return nil, err
	}
	l.refs = make(map[string]Key, bytes.Count(data, []byte{'\n'}))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		l.lines++
		k, inst, ok := parseRefLine(sc.Text())
		if ok {
			l.refs[inst] = k
		}
	}
	return l, nil
}

func appendRefLine(b []byte, instance string, key Key) []byte {
	b = append(b, key...)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, instance)
	return append(b, '\n')
}

func parseRefLine(line string) (Key, string, bool) {
	k, q, ok := strings.Cut(line, " ")
	if !ok || !validKey(k) {
		return "", "", false
	}
	inst, err := strconv.Unquote(q)
	if err != nil || inst == "" {
		return "", "", false
	}
	return Key(k), inst, true
}

// compactRefs rewrites the log of pipeline with one line per instance,
// merging what other processes appended since it was read.
func (s *Store) compactRefs(pipeline, path string) error {
	l, err := readRefLog(path)
	if err != nil {
		return err
	}
	insts := make([]string, 0, len(l.refs))
	for inst := range l.refs {
		insts = append(insts, inst)
	}
	sort.Strings(insts)
	var buf []byte
	for _, inst := range insts {
		buf = appendRefLine(buf, inst, l.refs[inst])
	}
	tmp := filepath.Join(s.root, tmpDir, s.tmpName("refs"))
	if err := os.WriteFile(tmp, buf, sharedFilePerm); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	l.lines = len(insts)
	s.refs.logs[pipeline] = l
	return nil
}

// escapeName maps a pipeline name to a file name: bytes outside
// [A-Za-z0-9_.,=+@[]-] become %XX, and so does a leading '.'.
func escapeName(name string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("_.,=+@[]-", c) >= 0
		if ok && !(c == '.' && i == 0) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

func unescapeName(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), true
}
