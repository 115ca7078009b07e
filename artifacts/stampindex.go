package artifacts

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

const indexDir = "index"

// StampIndex is a per-pipeline hint that makes the cheap cache check cheaper:
// for each entry a pipeline used, the stamp of its directory (inode,
// modification and change times) as it was when Lookup last accepted the
// entry. Check then needs one stat per entry instead of reading and decoding
// the manifest and stating every file: an entry's files are written before
// its directory is renamed into place and never change after, so anything
// that deletes, adds or renames a file in it (a deleted manifest, an
// edited one saved by rename) or replaces or copies the entry changes the
// stamp. Changes made inside a file in place (a flipped byte, a truncation)
// do not; they are what `artifacts verify` and every reader's checks are
// for. Any mismatch or absence means "ask Lookup"; the index is never a
// source of truth and a lost or stale index only costs time. It lives in
// <root>/index/<pipeline>.stamps and is replaced atomically by Save, which
// writes it in plan order: a no-op apply then finds each node's entry next
// to its predecessor's (CheckNext) instead of hashing a million keys.
type StampIndex struct {
	store *Store
	path  string
	// loaded are the entries as read, in file order, and byKey their
	// positions; both are fixed once read, so checks read them unlocked.
	loaded []stampEntry
	byKey  map[Key]int32
	// misses counts checks of loaded entries that were not where the
	// cursor expected them (the file is not in plan order).
	misses atomic.Int64
	mu     sync.Mutex
	// added are the entries recorded since; they win over loaded ones.
	added    map[Key]stampEntry
	anyAdded atomic.Bool
	dirty    bool
	shards   shardDirs
}

type stampEntry struct {
	key   Key
	stamp entryStamp
}

// entryStamp identifies one state of an entry directory.
type entryStamp struct {
	ino          uint64
	mtime, ctime int64 // nanoseconds
}

// StampCursor remembers where the last entry a run of checks found was.
// The zero value is a cursor with no position.
type StampCursor struct{ next int }

// OpenStampIndex reads the stamp index of pipeline (empty when absent or
// unreadable), or takes the one Prefetch read.
func (s *Store) OpenStampIndex(pipeline string) *StampIndex {
	if p := s.prefetched(pipeline); p != nil {
		s.preMu.Lock()
		taken := p.taken
		p.taken = true
		s.preMu.Unlock()
		if !taken {
			return p.stamps
		}
	}
	return s.readStampIndex(pipeline)
}

func (s *Store) readStampIndex(pipeline string) *StampIndex {
	ix := &StampIndex{store: s, path: filepath.Join(s.root, indexDir, escapeName(pipeline)+".stamps"), byKey: map[Key]int32{}}
	data, err := os.ReadFile(ix.path)
	if err != nil {
		return ix
	}
	// One string for the whole file, lines and fields cut from it without
	// copies: a million-cell index is read at every apply.
	ix.loaded = make([]stampEntry, 0, bytes.Count(data, []byte{'\n'})+1)
	rest := string(data)
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		// <key> d<inode>:<mtime ns>:<ctime ns>; other lines are skipped,
		// so their entries are looked up and recorded again.
		key, stamp, ok := strings.Cut(line, " d")
		if !ok || !validKey(key) {
			continue
		}
		ino, stamp, ok1 := strings.Cut(stamp, ":")
		mtime, ctime, ok2 := strings.Cut(stamp, ":")
		var e stampEntry
		var err1, err2, err3 error
		e.key = Key(key)
		e.stamp.ino, err1 = strconv.ParseUint(ino, 10, 64)
		e.stamp.mtime, err2 = strconv.ParseInt(mtime, 10, 64)
		e.stamp.ctime, err3 = strconv.ParseInt(strings.TrimRight(ctime, "\r"), 10, 64)
		if ok1 && ok2 && err1 == nil && err2 == nil && err3 == nil {
			ix.loaded = append(ix.loaded, e)
		}
	}
	ix.byKey = make(map[Key]int32, len(ix.loaded))
	for i, e := range ix.loaded {
		ix.byKey[e.key] = int32(i) // a repeated key: the last line wins
	}
	return ix
}

// Check reports whether key's entry is in the index and its directory has
// the recorded stamp. False means: call Lookup.
func (ix *StampIndex) Check(key Key) bool {
	var c StampCursor
	return ix.CheckNext(&c, key)
}

// CheckNext is Check for one of a run of keys in plan order: the entry is
// looked for first where the previous one found through c was followed.
func (ix *StampIndex) CheckNext(c *StampCursor, key Key) bool {
	e, ok := ix.find(c, key)
	if !ok {
		return false
	}
	st, err := ix.shards.stamp(ix.store, key)
	return err == nil && st == e.stamp
}

// Close releases what checks keep open (descriptors of the store's shard
// directories); not while checks run. The index stays usable: checks
// reopen them.
func (ix *StampIndex) Close() { ix.shards.close() }

func (ix *StampIndex) find(c *StampCursor, key Key) (stampEntry, bool) {
	if ix.anyAdded.Load() {
		ix.mu.Lock()
		e, ok := ix.added[key]
		ix.mu.Unlock()
		if ok {
			return e, true
		}
	}
	if c.next > 0 && c.next < len(ix.loaded) && ix.loaded[c.next].key == key {
		c.next++
		return ix.loaded[c.next-1], true
	}
	i, ok := ix.byKey[key]
	if !ok {
		return stampEntry{}, false
	}
	if c.next > 0 {
		ix.misses.Add(1)
	}
	c.next = int(i) + 1
	return ix.loaded[i], true
}

// Record notes the stamp of an entry that Lookup or Put just accepted.
func (ix *StampIndex) Record(key Key) {
	st, err := statStamp(ix.store.Dir(key))
	if err != nil {
		return
	}
	e := stampEntry{key: key, stamp: st}
	ix.mu.Lock()
	if ix.added == nil {
		ix.added = map[Key]stampEntry{}
	}
	ix.added[key] = e
	ix.dirty = true
	ix.anyAdded.Store(true)
	ix.mu.Unlock()
}

// NeedsSave reports whether Save could change the index of a plan of
// planned nodes: something was recorded, it holds more entries than the
// plan has nodes, or more than one check in a hundred did not find its
// entry after its predecessor's (an index not in plan order). When none,
// it is left as it is (a million-cell no-op apply). An entry of a key that
// left the plan while a node of the plan failed can then stay one apply
// longer; that only costs a line, since every entry is checked against the
// files when used.
func (ix *StampIndex) NeedsSave(planned int) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.dirty || len(ix.byKey) > planned || ix.misses.Load() > int64(planned/100)
}

// Save writes the index of the plan whose node keys are order, in that
// order, keeping only the entries of those keys. The write is atomic
// (temp + rename).
func (ix *StampIndex) Save(order []Key) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := mkdirShared(filepath.Dir(ix.path)); err != nil {
		return err
	}
	// Not os.CreateTemp (mode 0600): other members of a shared store's group
	// read the index too.
	tmp, err := os.OpenFile(filepath.Join(filepath.Dir(ix.path), ".stamps-"+randHex(8)), os.O_RDWR|os.O_CREATE|os.O_EXCL, sharedFilePerm)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	written := make(map[Key]bool, len(order))
	line := make([]byte, 0, 256)
	for _, k := range order {
		e, ok := ix.added[k]
		if !ok {
			var i int32
			if i, ok = ix.byKey[k]; ok {
				e = ix.loaded[i]
			}
		}
		if !ok || written[k] {
			continue
		}
		written[k] = true
		line = append(line[:0], k...)
		line = append(line, " d"...)
		line = strconv.AppendUint(line, e.stamp.ino, 10)
		line = append(line, ':')
		line = strconv.AppendInt(line, e.stamp.mtime, 10)
		line = append(line, ':')
		line = strconv.AppendInt(line, e.stamp.ctime, 10)
		w.Write(append(line, '\n'))
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
	// The file of sizes that runners before the stamps kept.
	_ = os.Remove(strings.TrimSuffix(ix.path, ".stamps") + ".sizes")
	ix.dirty = false
	return nil
}

// Len returns the number of entries the index holds.
func (ix *StampIndex) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := len(ix.byKey)
	for k := range ix.added {
		if _, ok := ix.byKey[k]; !ok {
			n++
		}
	}
	return n
}
