package artifacts

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Lookup returns the manifest of the complete entry for key after a cheap
// check: manifest.json parses, names key, and every output file exists with
// its recorded size. It reads no Arrow data; Read and Verify check digests.
// It costs one read and a JSON decode of manifest.json and one stat per
// output file.
//
// It returns an error wrapping ErrNotFound when there is no entry and a
// *CorruptError when there is a damaged one (including a directory without a
// manifest, which no Put ever leaves behind).
func (s *Store) Lookup(key Key) (*Manifest, error) {
	m, _, err := s.lookup(key)
	return m, err
}

// lookup is Lookup, also telling whether the manifest is of the legacy
// format 1 (no digest of its own).
func (s *Store) lookup(key Key) (_ *Manifest, legacy bool, _ error) {
	if err := checkKey("lookup", key); err != nil {
		return nil, false, err
	}
	if l := s.holder(key); l != s {
		m, err := s.lookupLayer(l, key) // layered.go
		return m, false, err
	}
	dir := s.Dir(key)
	mpath := dir + string(filepath.Separator) + manifestName

	data, err := os.ReadFile(mpath)
	if err != nil {
		if isNotExist(err) {
			if _, serr := os.Lstat(dir); serr == nil {
				return nil, false, corrupt(key, "manifest.json missing")
			}
			return nil, false, notFound(key)
		}
		return nil, false, fmt.Errorf("artifacts: lookup %s: %w", key.Short(), err)
	}
	m := new(Manifest)
	mf := manifestFile{Manifest: m}
	if err := json.Unmarshal(data, &mf); err != nil {
		return nil, false, corrupt(key, "manifest.json: %v", err)
	}
	if cerr := checkManifest(key, &mf, data); cerr != nil {
		return nil, false, cerr
	}
	for i := range m.Outputs {
		o := &m.Outputs[i]
		size, regular, err := fileSize(dir + string(filepath.Separator) + o.File)
		switch {
		case isNotExist(err):
			return nil, false, corrupt(key, "output %q: file %s missing", o.Port, o.File)
		case err != nil:
			return nil, false, fmt.Errorf("artifacts: lookup %s: %w", key.Short(), err)
		case !regular:
			return nil, false, corrupt(key, "output %q: %s is not a regular file", o.Port, o.File)
		case size != o.Bytes:
			return nil, false, corrupt(key, "output %q: %s has %d bytes, manifest says %d", o.Port, o.File, size, o.Bytes)
		}
	}
	if err := s.checkFiles(key, m); err != nil {
		return nil, false, err
	}
	return m, mf.Format == manifestFormatLegacy, nil
}

// checkManifest checks that a decoded manifest is well formed, unedited
// (its own digest, format 2), and belongs to key. data is the file's bytes.
func checkManifest(key Key, mf *manifestFile, data []byte) *CorruptError {
	m := mf.Manifest
	switch mf.Format {
	case manifestFormat:
		if !validKey(mf.SHA256) {
			return corrupt(key, "manifest.json: no valid manifest_sha256")
		}
		if !manifestDigestOK(data, mf.SHA256) {
			return corrupt(key, "manifest.json: edited or damaged (its manifest_sha256 does not match)")
		}
	case manifestFormatLegacy:
		if mf.SHA256 != "" {
			return corrupt(key, "manifest.json: format %d with a manifest_sha256", mf.Format)
		}
	default:
		return corrupt(key, "manifest.json: format %d, want %d", mf.Format, manifestFormat)
	}
	if m.Key != key {
		return corrupt(key, "manifest.json names key %q", string(m.Key))
	}
	for i := range m.Outputs {
		o := &m.Outputs[i]
		switch {
		case !validPort(o.Port):
			return corrupt(key, "manifest.json: invalid port name %q", o.Port)
		case o.File != o.Port+arrowExt:
			return corrupt(key, "manifest.json: port %q has file %q, want %q", o.Port, o.File, o.Port+arrowExt)
		case o.Bytes < 0 || o.Rows < 0:
			return corrupt(key, "manifest.json: port %q: negative size", o.Port)
		case !validKey(o.SHA256):
			return corrupt(key, "manifest.json: port %q: invalid sha256 %q", o.Port, o.SHA256)
		case i > 0 && m.Outputs[i-1].Port >= o.Port:
			return corrupt(key, "manifest.json: outputs not sorted or duplicated at %q", o.Port)
		}
	}
	return nil
}
