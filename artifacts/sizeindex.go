package artifacts

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

const indexDir = "index"

// SizeIndex is a per-pipeline hint that makes the cheap cache check cheaper:
// for each entry a pipeline used, the sizes of its manifest and output files
// as they were when Lookup last accepted the entry. Check then needs one
// stat per file instead of reading and decoding the manifest. Any mismatch
// or absence means "ask Lookup"; the index is never a source of truth and a
// lost or stale index only costs time. It lives in
// <root>/index/<pipeline>.sizes and is replaced atomically by Save.
type SizeIndex struct {
	store   *Store
	path    string
	mu      sync.Mutex
	entries map[Key]sizeEntry
	dirty   bool
}

type sizeEntry struct {
	manifest int64
	files    []recordedSize
}

type recordedSize struct {
	name string
	size int64
}

// OpenSizeIndex reads the size index of pipeline (empty when absent or unreadable).
func (s *Store) OpenSizeIndex(pipeline string) *SizeIndex {
	ix := &SizeIndex{store: s, path: filepath.Join(s.root, indexDir, escapeName(pipeline)+".sizes"), entries: map[Key]sizeEntry{}}
	data, err := os.ReadFile(ix.path)
	if err != nil {
		return ix
	}
	// One string for the whole file, lines and fields cut from it without
	// copies: a million-cell index is read at every apply.
	ix.entries = make(map[Key]sizeEntry, bytes.Count(data, []byte{'\n'})+1)
	rest := string(data)
	var fields []string
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		// <key> <manifest size> <file>:<size> ...
		fields = appendFields(fields[:0], line)
		f := fields
		if len(f) < 2 || !validKey(f[0]) {
			continue
		}
		ms, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		e := sizeEntry{manifest: ms, files: make([]recordedSize, 0, len(f)-2)}
		ok := true
		for _, fs := range f[2:] {
			name, size, found := strings.Cut(fs, ":")
			n, err := strconv.ParseInt(size, 10, 64)
			if !found || err != nil || name == "" || strings.ContainsAny(name, `/\`) {
				ok = false
				break
			}
			e.files = append(e.files, recordedSize{name, n})
		}
		if ok {
			ix.entries[Key(f[0])] = e
		}
	}
	return ix
}

// appendFields appends the space-separated fields of line (as
// strings.Fields, for ASCII white space) to dst.
func appendFields(dst []string, line string) []string {
	start := -1
	for i := 0; i < len(line); i++ {
		if c := line[i]; c == ' ' || c == '\t' || c == '\r' {
			if start >= 0 {
				dst = append(dst, line[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, line[start:])
	}
	return dst
}

// Check reports whether key's entry is in the index and every one of its
// files still exists with the recorded size (the same cheap check Lookup
// makes, without reading the manifest). False means: call Lookup.
func (ix *SizeIndex) Check(key Key) bool {
	ix.mu.Lock()
	e, ok := ix.entries[key]
	ix.mu.Unlock()
	if !ok {
		return false
	}
	dir := ix.store.Dir(key) + string(filepath.Separator)
	if size, regular, err := fileSize(dir + manifestName); err != nil || !regular || size != e.manifest {
		return false
	}
	for _, f := range e.files {
		if size, regular, err := fileSize(dir + f.name); err != nil || !regular || size != f.size {
			return false
		}
	}
	return true
}

// Record notes the sizes of an entry that Lookup or Put just accepted.
func (ix *SizeIndex) Record(key Key, m *Manifest) {
	ms, regular, err := fileSize(filepath.Join(ix.store.Dir(key), manifestName))
	if err != nil || !regular {
		return
	}
	e := sizeEntry{manifest: ms}
	for _, o := range m.Outputs {
		e.files = append(e.files, recordedSize{o.File, o.Bytes})
	}
	ix.mu.Lock()
	ix.entries[key] = e
	ix.dirty = true
	ix.mu.Unlock()
}

// NeedsSave reports whether Save could change the index of a plan of
// planned nodes: something was recorded, or it holds more entries than the
// plan has nodes. When neither, it is left as it is without building the
// keep set (a million-cell no-op apply). An entry of a key that left the plan
// while a node of the plan failed can then stay one apply longer; that only
// costs a line, since every entry is checked against the files when used.
func (ix *SizeIndex) NeedsSave(planned int) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.dirty || len(ix.entries) > planned
}

// Save writes the index, keeping only the keys in keep (the pipeline's
// current plan), if anything changed. The write is atomic (temp + rename).
func (ix *SizeIndex) Save(keep map[Key]bool) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for k := range ix.entries {
		if !keep[k] {
			delete(ix.entries, k)
			ix.dirty = true
		}
	}
	if !ix.dirty {
		return nil
	}
	keys := make([]Key, 0, len(ix.entries))
	for k := range ix.entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	if err := mkdirShared(filepath.Dir(ix.path)); err != nil {
		return err
	}
	// Not os.CreateTemp (mode 0600): other members of a shared store's group
	// read the index too.
	tmp, err := os.OpenFile(filepath.Join(filepath.Dir(ix.path), ".sizes-"+randHex(8)), os.O_RDWR|os.O_CREATE|os.O_EXCL, sharedFilePerm)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	for _, k := range keys {
		e := ix.entries[k]
		w.WriteString(string(k))
		w.WriteByte(' ')
		w.WriteString(strconv.FormatInt(e.manifest, 10))
		for _, f := range e.files {
			w.WriteByte(' ')
			w.WriteString(f.name)
			w.WriteByte(':')
			w.WriteString(strconv.FormatInt(f.size, 10))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), ix.path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	ix.dirty = false
	return nil
}

// Len returns the number of entries the index holds.
func (ix *SizeIndex) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.entries)
}
