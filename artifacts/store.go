package artifacts

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Layout of the store below its root.
const (
	objectsDir   = "objects"
	tmpDir       = "tmp"
	locksDir     = "locks"
	refsDir      = "refs"
	runsDir      = "runs"
	manifestName = "manifest.json"
	arrowExt     = ".arrow"

	// manifestFormat is written into every manifest.json as "format".
	// Format 2 ends with "manifest_sha256", the digest of the manifest
	// itself (see encodeManifest); format 1 manifests (older runners) have
	// none and are still read: their output files are checked as before,
	// but an edit of their manifest cannot be detected.
	manifestFormat       = 2
	manifestFormatLegacy = 1
)

// Store is a content-addressed store of Arrow IPC files rooted at a
// directory. Its methods are safe for concurrent use by goroutines and by
// processes, on one machine or several sharing a file system.
type Store struct {
	root    string
	objects string // root/objects
	host    string
	mem     memory.Allocator
	noSync  bool // tests only: skip fsync
	refs    refLogs
	// layers are read-only stores consulted when this one misses a key
	// (see layered.go); readOnly marks a Store opened as such a layer.
	layers   []*Store
	readOnly bool
	verified verifiedSet
	// pre is the background read started by Prefetch.
	preMu sync.Mutex
	pre   *prefetch
}

// Open opens the store at root, creating root and its sub-directories if
// needed.
func Open(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("artifacts: open: empty root")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("artifacts: open %s: %w", root, err)
	}
	// Directories are created group-writable and setgid as the umask allows
	// (shared.go), so a group with umask 002 can share one store.
	if err := mkdirShared(abs); err != nil {
		return nil, fmt.Errorf("artifacts: open %s: %w", root, err)
	}
	for _, d := range []string{objectsDir, tmpDir, locksDir, refsDir, runsDir} {
		if err := mkdirShared(filepath.Join(abs, d)); err != nil {
			return nil, fmt.Errorf("artifacts: open %s: %w", root, err)
		}
	}
	return &Store{
		root:    abs,
		objects: filepath.Join(abs, objectsDir),
		host:    hostname(),
		mem:     memory.DefaultAllocator,
	}, nil
}

// CleanStaleTmp deletes the temporary items (put-*, rm-* directories) that
// killed writers left in <root>/tmp: those of dead processes on this host at
// once, others after an hour without modification (the rules of GC). The
// runner calls it when an apply starts; live writers' items are never
// touched.
func (s *Store) CleanStaleTmp() error {
	if _, err := s.cleanTmp(time.Now()); err != nil {
		return fmt.Errorf("artifacts: clean tmp: %w", err)
	}
	return nil
}

// Root returns the absolute root directory of the store.
func (s *Store) Root() string { return s.root }

// Dir returns the directory of the entry for key, whether or not it exists.
// Its files are read-only by convention: never modify them in place.
func (s *Store) Dir(key Key) string {
	if len(key) < 2 {
		return filepath.Join(s.objects, "invalid", string(key))
	}
	return s.objects + string(filepath.Separator) + string(key[:2]) + string(filepath.Separator) + string(key)
}

// Path returns the path of the Arrow file of one port of an entry, whether or
// not it exists (for stages such as exec that hand files to other programs).
// An entry held by a read layer (and not by s) has its path there.
func (s *Store) Path(key Key, port string) string {
	return s.holder(key).Dir(key) + string(filepath.Separator) + port + arrowExt
}

// FileInfo describes one output file of an entry.
type FileInfo struct {
	Port   string `json:"port"`
	File   string `json:"file"` // base name inside the entry directory
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Schema string `json:"schema"` // arrow.Schema.String()
}

// Manifest describes an entry: what produced it and what it holds. It is
// stored as manifest.json next to the Arrow files.
type Manifest struct {
	Key           Key               `json:"key"`
	Kind          string            `json:"kind"`
	Version       int               `json:"version"`
	Stage         string            `json:"stage"` // stage instance id
	Cell          map[string]string `json:"cell,omitempty"`
	Params        json.RawMessage   `json:"params,omitempty"`
	Seed          uint64            `json:"seed"`
	Inputs        map[string][]Key  `json:"inputs,omitempty"`
	Outputs       []FileInfo        `json:"outputs"` // sorted by Port
	WallSeconds   float64           `json:"wall_seconds"`
	RunnerVersion string            `json:"runner_version,omitempty"`
	Host          string            `json:"host,omitempty"`
	Created       time.Time         `json:"created"`
	Files         []FileOutput      `json:"files,omitempty"` // of file ports, sorted by port, then in the stage's order
}

// Output returns the FileInfo of port, if the entry has it.
func (m *Manifest) Output(port string) (FileInfo, bool) {
	for _, o := range m.Outputs {
		if o.Port == port {
			return o, true
		}
	}
	return FileInfo{}, false
}

// manifestFile is the on-disk form: the manifest plus a format number and,
// last, the manifest's own digest.
type manifestFile struct {
	Format int `json:"format"`
	*Manifest
	SHA256 string `json:"manifest_sha256,omitempty"`
}

// validPort reports whether name can be used as a port and file name:
// 1 to 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'.
func validPort(name string) bool {
	if name == "" || len(name) > 128 || name[0] == '.' || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// isNotExist is errors.Is(err, fs.ErrNotExist).
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// hostname returns the host name restricted to [A-Za-z0-9.-], for lease
// files and temporary names.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

// safeHost maps a host name to [A-Za-z0-9-] for use inside file names.
func safeHost(h string) string {
	b := []byte(h)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics on failure)
	return hex.EncodeToString(b)
}

// tmpName returns a unique name for a temporary item owned by this process:
// <kind>.<pid>.<random>.<host>. GC parses it back to decide staleness.
func (s *Store) tmpName(kind string) string {
	return kind + "." + strconv.Itoa(os.Getpid()) + "." + randHex(8) + "." + safeHost(s.host)
}

// parseTmpName returns the pid and host of a name made by tmpName.
func parseTmpName(name string) (pid int, host string, ok bool) {
	parts := strings.SplitN(name, ".", 4)
	if len(parts) != 4 {
		return 0, "", false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return 0, "", false
	}
	return pid, parts[3], true
}

// fileSize returns the size of the file at path and whether it is a regular
// file, with one stat.
func fileSize(path string) (size int64, regular bool, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false, err
	}
	return fi.Size(), fi.Mode().IsRegular(), nil
}
