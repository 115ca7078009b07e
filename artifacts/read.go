package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
)

// Read returns the record batch stored for one port of an entry, after
// checking the file's size and SHA-256 against the manifest (a mismatch is a
// *CorruptError). The caller must Release the batch.
func (s *Store) Read(key Key, port string) (arrow.RecordBatch, error) {
	if l := s.holder(key); l != s { // layered.go
		if _, err := s.lookupLayer(l, key); err != nil {
			return nil, err
		}
		return l.Read(key, port)
	}
	m, err := s.Lookup(key)
	if err != nil {
		return nil, err
	}
	o, ok := m.Output(port)
	if !ok {
		return nil, fmt.Errorf("artifacts: read %s: no output port %q (have %v)", key.Short(), port, portNames(m))
	}
	return s.readOutput(key, o)
}

// ReadAll reads every port of an entry, like Read. The caller must Release
// every batch; on error nothing needs releasing.
func (s *Store) ReadAll(key Key) (map[string]arrow.RecordBatch, error) {
	if l := s.holder(key); l != s { // layered.go
		if _, err := s.lookupLayer(l, key); err != nil {
			return nil, err
		}
		return l.ReadAll(key)
	}
	m, err := s.Lookup(key)
	if err != nil {
		return nil, err
	}
	out := make(map[string]arrow.RecordBatch, len(m.Outputs))
	for _, o := range m.Outputs {
		rec, err := s.readOutput(key, o)
		if err != nil {
			for _, r := range out {
				r.Release()
			}
			return nil, err
		}
		out[o.Port] = rec
	}
	return out, nil
}

func (s *Store) readOutput(key Key, o FileInfo) (arrow.RecordBatch, error) {
	data, err := os.ReadFile(filepath.Join(s.Dir(key), o.File))
	if err != nil {
		if isNotExist(err) {
			return nil, corrupt(key, "output %q: file %s missing", o.Port, o.File)
		}
		return nil, fmt.Errorf("artifacts: read %s: %w", key.Short(), err)
	}
	if int64(len(data)) != o.Bytes {
		return nil, corrupt(key, "output %q: %s has %d bytes, manifest says %d", o.Port, o.File, len(data), o.Bytes)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != o.SHA256 {
		return nil, corrupt(key, "output %q: %s has sha256 %s, manifest says %s", o.Port, o.File, got, o.SHA256)
	}
	rec, err := decodeIPC(data, s.mem)
	if err != nil {
		// The bytes are the ones Put hashed, so this is a bug or a foreign
		// file written with a matching digest; report it as corruption.
		return nil, corrupt(key, "output %q: %v", o.Port, err)
	}
	return rec, nil
}

func portNames(m *Manifest) []string {
	names := make([]string, len(m.Outputs))
	for i, o := range m.Outputs {
		names[i] = o.Port
	}
	return names
}

// Verify fully checks an entry: the cheap checks of Lookup, then the SHA-256
// of every file. It returns nil, an error wrapping ErrNotFound, or a
// *CorruptError.
func (s *Store) Verify(key Key) error {
	if l := s.holder(key); l != s { // layered.go
		return l.Verify(key)
	}
	m, err := s.Lookup(key)
	if err != nil {
		return err
	}
	return s.verifyFiles(key, m)
}

// verifyFiles re-hashes the files of m.
func (s *Store) verifyFiles(key Key, m *Manifest) error {
	dir := s.Dir(key)
	for _, o := range m.Outputs {
		sum, n, err := hashFile(filepath.Join(dir, o.File))
		if err != nil {
			if isNotExist(err) {
				return corrupt(key, "output %q: file %s missing", o.Port, o.File)
			}
			return fmt.Errorf("artifacts: verify %s: %w", key.Short(), err)
		}
		if n != o.Bytes {
			return corrupt(key, "output %q: %s has %d bytes, manifest says %d", o.Port, o.File, n, o.Bytes)
		}
		if sum != o.SHA256 {
			return corrupt(key, "output %q: %s has sha256 %s, manifest says %s", o.Port, o.File, sum, o.SHA256)
		}
	}
	return s.verifyFileOutputs(key, m)
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Remove deletes the entry for key. The entry directory is first renamed
// into <root>/tmp, so readers see either the whole entry or none of it
// (files they already opened stay readable), then deleted. Removing an
// absent entry is not an error, so concurrent evictions of one corrupt entry
// both succeed.
func (s *Store) Remove(key Key) error {
	if err := checkKey("remove", key); err != nil {
		return err
	}
	_, err := s.remove(key)
	return err
}

// remove evicts key and returns the bytes it held.
func (s *Store) remove(key Key) (int64, error) {
	aside := filepath.Join(s.root, tmpDir, s.tmpName("rm-"+key.Short()))
	if err := os.Rename(s.Dir(key), aside); err != nil {
		if isNotExist(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("artifacts: remove %s: %w", key.Short(), err)
	}
	n := dirSize(aside)
	if err := os.RemoveAll(aside); err != nil {
		return n, fmt.Errorf("artifacts: remove %s: %w", key.Short(), err)
	}
	return n, nil
}

// dirSize returns the total size of the regular files below dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// List returns the keys of the entries in the store (directories with a
// valid key name and a manifest.json; damaged ones are included, Lookup
// tells them apart), in lexical order.
func (s *Store) List() ([]Key, error) {
	var keys []Key
	err := s.walkEntries(func(k Key, dir string) error {
		if _, err := os.Lstat(filepath.Join(dir, manifestName)); err == nil {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// walkEntries calls fn for every directory objects/xx/<key> with a valid key
// name, in lexical order.
func (s *Store) walkEntries(fn func(k Key, dir string) error) error {
	shards, err := os.ReadDir(s.objects)
	if err != nil {
		return fmt.Errorf("artifacts: list: %w", err)
	}
	for _, sh := range shards {
		if !sh.IsDir() || len(sh.Name()) != 2 {
			continue
		}
		shardDir := filepath.Join(s.objects, sh.Name())
		ents, err := os.ReadDir(shardDir)
		if err != nil {
			if isNotExist(err) {
				continue
			}
			return fmt.Errorf("artifacts: list: %w", err)
		}
		for _, e := range ents {
			name := e.Name()
			if !e.IsDir() || !validKey(name) || name[:2] != sh.Name() {
				continue
			}
			if err := fn(Key(name), filepath.Join(shardDir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Export copies the Arrow files of an entry into dir (created if needed) as
// <port>.arrow, verifying each digest while copying. Each file is written
// under a temporary name and renamed, so dir never holds a partial file.
func (s *Store) Export(key Key, dir string) error {
	if l := s.holder(key); l != s { // layered.go
		return l.Export(key, dir)
	}
	m, err := s.Lookup(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	for _, o := range m.Outputs {
		if err := s.exportFile(key, o, dir); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) exportFile(key Key, o FileInfo, dir string) (err error) {
	src, err := os.Open(filepath.Join(s.Dir(key), o.File))
	if err != nil {
		if isNotExist(err) {
			return corrupt(key, "output %q: file %s missing", o.Port, o.File)
		}
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	defer src.Close()
	dst, err := os.CreateTemp(dir, "."+o.File+".tmp-*")
	if err != nil {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	defer func() {
		if err != nil {
			_ = dst.Close()
			_ = os.Remove(dst.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(dst, h), src)
	if err != nil {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != o.Bytes || sum != o.SHA256 {
		return corrupt(key, "output %q: %s has %d bytes and sha256 %s, manifest says %d and %s", o.Port, o.File, n, sum, o.Bytes, o.SHA256)
	}
	if err = dst.Chmod(0o644); err != nil {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	if err = dst.Close(); err != nil {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	if err = os.Rename(dst.Name(), filepath.Join(dir, o.File)); err != nil {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	return nil
}
