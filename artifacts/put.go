package artifacts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Put stores outputs under m.Key: one Arrow IPC file per port (schema and
// field metadata preserved) and manifest.json. Everything is written into a
// fresh directory under <root>/tmp, fsynced (files, then the directory), and
// renamed into place as a whole, so a crash at any point leaves either no
// entry or a complete one at the final place.
//
// m.Key must be set (the runner computes keys). Put fills m.Outputs (sorted by
// port), and m.Created and m.Host when they are zero, and returns the manifest
// it wrote. If a valid entry for the key already exists (another process got
// there first; checked with Verify), the new files are discarded and the
// existing manifest is returned with a nil error; an existing corrupt entry
// is replaced.
func (s *Store) Put(m Manifest, outputs map[string]arrow.RecordBatch) (*Manifest, error) {
	if err := checkKey("put", m.Key); err != nil {
		return nil, err
	}
	key := m.Key
	ports := make([]string, 0, len(outputs))
	for p, rec := range outputs {
		if !validPort(p) {
			return nil, fmt.Errorf("artifacts: put %s: invalid port name %q (want [A-Za-z0-9_.-], not starting with '.' or '-')", key.Short(), p)
		}
		if rec == nil {
			return nil, fmt.Errorf("artifacts: put %s: port %q: nil record batch", key.Short(), p)
		}
		ports = append(ports, p)
	}
	sort.Strings(ports)
	if len(m.Params) > 0 && !json.Valid(m.Params) {
		return nil, fmt.Errorf("artifacts: put %s: params are not valid JSON", key.Short())
	}
	if m.Created.IsZero() {
		m.Created = time.Now().UTC()
	}
	if m.Host == "" {
		m.Host = s.host
	}

	tmp := filepath.Join(s.root, tmpDir, s.tmpName("put-"+key.Short()))
	if err := os.Mkdir(tmp, sharedDirPerm); err != nil { // group-writable as the umask allows (shared.go)
		return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = os.RemoveAll(tmp)
		}
	}()

	m.Outputs = make([]FileInfo, 0, len(ports))
	var err error
	for _, p := range ports {
		fi, err := s.writeOutput(tmp, p, outputs[p])
		if err != nil {
			return nil, fmt.Errorf("artifacts: put %s: port %q: %w", key.Short(), p, err)
		}
		m.Outputs = append(m.Outputs, fi)
	}
	if m.Files, err = s.writeFiles(tmp, ports, outputs); err != nil {
		return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), err)
	}
	data, err := encodeManifest(&m)
	if err != nil {
		return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), err)
	}
	if err := s.writeFileSync(filepath.Join(tmp, manifestName), data); err != nil {
		return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), err)
	}
	// File contents are fsynced before the rename, so a renamed entry never
	// holds unwritten data. The directories are not fsynced: after a power
	// loss the rename, or a file's directory entry, may be gone, and Lookup
	// then reports the entry missing or corrupt and it is recomputed. That
	// costs durability of the cache, never correctness, and halves the
	// fsyncs per entry.

	final := s.Dir(key)
	parent := filepath.Dir(final)
	if err := mkdirShared(parent); err != nil {
		return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), err)
	}
	for attempt := 0; ; attempt++ {
		err := os.Rename(tmp, final)
		if err == nil {
			committed = true
			return &m, nil
		}
		if !isExistErr(err) {
			return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), err)
		}
		// The final place is taken: keep a valid entry (fully verified, this
		// is rare), evict a corrupt one.
		existing, lerr := s.Lookup(key)
		if lerr == nil {
			lerr = s.verifyFiles(key, existing)
		}
		if lerr == nil {
			return existing, nil
		}
		switch {
		case attempt >= 4:
			return nil, fmt.Errorf("artifacts: put %s: cannot replace existing entry: %w", key.Short(), lerr)
		case errors.Is(lerr, ErrNotFound):
			// Removed meanwhile; retry the rename.
		case errors.Is(lerr, ErrCorrupt):
			if err := s.Remove(key); err != nil {
				return nil, fmt.Errorf("artifacts: put %s: evict corrupt entry: %w", key.Short(), err)
			}
		default:
			return nil, fmt.Errorf("artifacts: put %s: %w", key.Short(), lerr)
		}
	}
}

// isExistErr reports whether a rename failed because the target directory
// exists and is not empty.
func isExistErr(err error) bool {
	return errors.Is(err, os.ErrExist) || errors.Is(err, errNotEmpty)
}

// manifestDigestField opens the last member of a format-2 manifest.json;
// manifestTrailer is what follows the digest.
const (
	manifestDigestField = `,"manifest_sha256":"`
	manifestTrailer     = "\"}\n"
)

// encodeManifest encodes m as manifest.json. The file is the JSON object B
// of the manifest (format, then its fields) with one more member appended:
// "manifest_sha256", the SHA-256 of B. Checking it needs no re-encoding: cut
// the member off, close the object, hash (see manifestDigestOK). So any edit
// of a manifest, even one that keeps its size, is detected.
func encodeManifest(m *Manifest) ([]byte, error) {
	body, err := json.Marshal(manifestFile{Format: manifestFormat, Manifest: m})
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	sum := sha256.Sum256(body)
	out := make([]byte, 0, len(body)+len(manifestDigestField)+2*sha256.Size+len(manifestTrailer))
	out = append(out, body[:len(body)-1]...)
	out = append(out, manifestDigestField...)
	out = hex.AppendEncode(out, sum[:])
	return append(out, manifestTrailer...), nil
}

// manifestDigestOK reports whether data, a format-2 manifest.json, ends
// with the digest member and that digest matches the rest.
func manifestDigestOK(data []byte, recorded string) bool {
	n := len(data) - len(manifestDigestField) - 2*sha256.Size - len(manifestTrailer)
	if n < 1 || !bytes.HasSuffix(data, []byte(manifestTrailer)) ||
		!bytes.Equal(data[n:n+len(manifestDigestField)], []byte(manifestDigestField)) ||
		string(data[n+len(manifestDigestField):len(data)-len(manifestTrailer)]) != recorded {
		return false
	}
	var want, sum [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(recorded)); err != nil {
		return false
	}
	h := sha256.New()
	h.Write(data[:n])
	h.Write([]byte{'}'})
	return bytes.Equal(h.Sum(sum[:0]), want[:])
}

// writeOutput writes rec as dir/<port>.arrow and describes it.
func (s *Store) writeOutput(dir, port string, rec arrow.RecordBatch) (FileInfo, error) {
	name := port + arrowExt
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return FileInfo{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	err = WriteIPC(cw, rec)
	if err == nil && !s.noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{
		Port:   port,
		File:   name,
		Rows:   rec.NumRows(),
		Bytes:  cw.n,
		SHA256: hex.EncodeToString(h.Sum(nil)),
		Schema: rec.Schema().String(),
	}, nil
}

// writeFileSync creates path with data and fsyncs it.
func (s *Store) writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, bytes.NewReader(data))
	if err == nil && !s.noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
