package artifacts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Layered stores.
//
// A Store may have read layers: other stores, opened read-only, that Lookup,
// Read, ReadAll, Verify, Export and Path consult when the store itself has
// no entry directory for a key. Everything that writes (Put, Lock, Remove,
// journals, refs, size indexes, GC) works on the store alone, so new entries
// go to the local store and nothing is ever created in a layer: no lease,
// journal, ref, index or temporary file.
//
// An entry found in a layer is trusted only after its files are fully
// re-hashed, once per Store (that is, once per run of the runner). A layer
// entry that is damaged is reported as not found, so the runner recomputes
// it into the local store; the layer is left as it is.

// OpenReadOnly opens the store at root for reading. It creates nothing and
// fails if root holds no objects directory.
func OpenReadOnly(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("artifacts: open read store: empty root")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("artifacts: open read store %s: %w", root, err)
	}
	objects := filepath.Join(abs, objectsDir)
	fi, err := os.Stat(objects)
	if err != nil {
		return nil, fmt.Errorf("artifacts: open read store %s: not a store: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("artifacts: open read store %s: %s is not a directory", root, objects)
	}
	s := &Store{root: abs, objects: objects, host: hostname(), readOnly: true}
	s.mem = memory.DefaultAllocator
	return s, nil
}

// AddReadStore layers the store at root, opened read-only, under s: it is
// consulted after s and after the read stores added before it. A root equal
// to the store's own, or added twice, is ignored.
func (s *Store) AddReadStore(root string) error {
	r, err := OpenReadOnly(root)
	if err != nil {
		return err
	}
	if r.root == s.root {
		return nil
	}
	for _, l := range s.layers {
		if l.root == r.root {
			return nil
		}
	}
	s.layers = append(s.layers, r)
	return nil
}

// ReadStores returns the roots of the read layers, in lookup order.
func (s *Store) ReadStores() []string {
	roots := make([]string, len(s.layers))
	for i, l := range s.layers {
		roots[i] = l.root
	}
	return roots
}

// ReadOnly reports whether s was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// ErrReadOnly is returned by the writing methods of layered.go's
// neighbours (import, gc, pins, live runs) on a store opened read-only.
var ErrReadOnly = errors.New("artifacts: store is opened read-only")

func (s *Store) checkWritable(op string) error {
	if s.readOnly {
		return fmt.Errorf("artifacts: %s %s: %w", op, s.root, ErrReadOnly)
	}
	return nil
}

// holder returns the store whose objects directory holds an entry directory
// for key: s if it has one or no layer has, else the first layer that has.
// It costs one lstat per layer, and nothing without layers.
func (s *Store) holder(key Key) *Store {
	if len(s.layers) == 0 {
		return s
	}
	if _, err := os.Lstat(s.Dir(key)); err == nil {
		return s
	}
	for _, l := range s.layers {
		if _, err := os.Lstat(l.Dir(key)); err == nil {
			return l
		}
	}
	return s
}

// Holder returns the root of the store (s or one of its read layers) that
// holds key's entry, and whether that is a read layer.
func (s *Store) Holder(key Key) (root string, layer bool) {
	h := s.holder(key)
	return h.root, h != s
}

// EntryDir is Dir through the layers: the directory of key's entry in the
// store that holds it (s's own Dir when no store does).
func (s *Store) EntryDir(key Key) string { return s.holder(key).Dir(key) }

// lookupLayer looks key up in layer l on behalf of s: the cheap checks, then
// a full re-hash the first time s uses the entry. A damaged layer entry is
// reported as not found (s cannot evict it; the runner recomputes it into s).
func (s *Store) lookupLayer(l *Store, key Key) (*Manifest, error) {
	m, err := l.Lookup(key)
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("%w (read store %s: %v)", notFound(key), l.root, err)
		}
		return nil, err
	}
	if s.verified.has(l.root, key) {
		return m, nil
	}
	if err := l.verifyFiles(key, m); err != nil {
		if errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("%w (read store %s: %v)", notFound(key), l.root, err)
		}
		return nil, err
	}
	s.verified.add(l.root, key)
	return m, nil
}

// verifiedSet remembers which layer entries a Store has fully re-hashed.
type verifiedSet struct {
	mu   sync.Mutex
	keys map[string]bool // layer root + "/" + key
}

func (v *verifiedSet) has(root string, key Key) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.keys[root+"/"+string(key)]
}

func (v *verifiedSet) add(root string, key Key) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys == nil {
		v.keys = map[string]bool{}
	}
	v.keys[root+"/"+string(key)] = true
}

// Listed is one entry found by ListAll.
type Listed struct {
	Key   Key
	Root  string // root of the store that holds it
	Layer bool   // held by a read layer, not by the store itself
}

// ListAll lists the entries of the store and then those of its read layers
// that the store does not hold (a key appears once, where Lookup finds it),
// each part in lexical order.
func (s *Store) ListAll() ([]Listed, error) {
	seen := map[Key]bool{}
	var out []Listed
	for i, st := range append([]*Store{s}, s.layers...) {
		keys, err := st.List()
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				out = append(out, Listed{Key: k, Root: st.root, Layer: i > 0})
			}
		}
	}
	return out, nil
}
