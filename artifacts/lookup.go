package artifacts

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lookup returns the manifest of the complete entry for key after a cheap
// check: manifest.json parses, names key, and every output file exists with
// its recorded size. It reads no Arrow data; Read and Verify check digests.
//
// It returns an error wrapping ErrNotFound when there is no entry and a
// *CorruptError when there is a damaged one (including a directory without a
// manifest, which no Put ever leaves behind).
func (s *Store) Lookup(key Key) (*Manifest, error) {
	if err := checkKey("lookup", key); err != nil {
		return nil, err
	}
	dir := s.Dir(key)
	data, err := os.ReadFile(dir + string(filepath.Separator) + manifestName)
	if err != nil {
		if isNotExist(err) {
			if _, serr := os.Lstat(dir); serr == nil {
				return nil, corrupt(key, "manifest.json missing")
			}
			return nil, notFound(key)
		}
		return nil, fmt.Errorf("artifacts: lookup %s: %w", key.Short(), err)
	}
	m, cerr := decodeManifest(key, data)
	if cerr != nil {
		return nil, cerr
	}
	var st syscall.Stat_t
	for i := range m.Outputs {
		o := &m.Outputs[i]
		p := dir + string(filepath.Separator) + o.File
		if err := syscall.Stat(p, &st); err != nil {
			if err == syscall.ENOENT {
				return nil, corrupt(key, "output %q: file %s missing", o.Port, o.File)
			}
			return nil, fmt.Errorf("artifacts: lookup %s: stat %s: %w", key.Short(), o.File, err)
		}
		if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
			return nil, corrupt(key, "output %q: %s is not a regular file", o.Port, o.File)
		}
		if st.Size != o.Bytes {
			return nil, corrupt(key, "output %q: %s has %d bytes, manifest says %d", o.Port, o.File, st.Size, o.Bytes)
		}
	}
	return m, nil
}

// decodeManifest parses manifest.json and checks that it is well formed and
// belongs to key.
func decodeManifest(key Key, data []byte) (*Manifest, *CorruptError) {
	m := new(Manifest)
	mf := manifestFile{Manifest: m}
	if err := json.Unmarshal(data, &mf); err != nil {
		return nil, corrupt(key, "manifest.json: %v", err)
	}
	if mf.Format != manifestFormat {
		return nil, corrupt(key, "manifest.json: format %d, want %d", mf.Format, manifestFormat)
	}
	if m.Key != key {
		return nil, corrupt(key, "manifest.json names key %q", string(m.Key))
	}
	for i := range m.Outputs {
		o := &m.Outputs[i]
		switch {
		case !validPort(o.Port):
			return nil, corrupt(key, "manifest.json: invalid port name %q", o.Port)
		case o.File != o.Port+arrowExt:
			return nil, corrupt(key, "manifest.json: port %q has file %q, want %q", o.Port, o.File, o.Port+arrowExt)
		case o.Bytes < 0 || o.Rows < 0:
			return nil, corrupt(key, "manifest.json: port %q: negative size", o.Port)
		case !validKey(o.SHA256):
			return nil, corrupt(key, "manifest.json: port %q: invalid sha256 %q", o.Port, o.SHA256)
		case i > 0 && m.Outputs[i-1].Port >= o.Port:
			return nil, corrupt(key, "manifest.json: outputs not sorted or duplicated at %q", o.Port)
		}
	}
	return m, nil
}
