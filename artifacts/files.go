package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// filesDir holds the files of file ports inside an entry:
// <entry>/files/<port>/<name>.
const filesDir = "files"

// FileOutput is one file of a file port (a table whose schema metadata has
// runner.kind=files: columns name, media_type, data). Besides the port's
// Arrow file, each file is kept as a plain file of the entry, so that it can
// be published by hard link and opened without this program.
type FileOutput struct {
	Port      string `json:"port"`
	Name      string `json:"name"` // slash-separated, relative to the port's folder
	File      string `json:"file"` // slash-separated, relative to the entry directory
	MediaType string `json:"media_type"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
}

// FilePath returns the path of one file of an entry, in the store (s or a
// read layer) that holds it, so that an entry of a read store publishes and
// exports from there.
func (s *Store) FilePath(key Key, f FileOutput) string {
	return filepath.Join(s.holder(key).Dir(key), filepath.FromSlash(f.File))
}

// isFilesRecord reports whether rec is the table of a file port.
func isFilesRecord(rec arrow.RecordBatch) bool {
	v, ok := rec.Schema().Metadata().GetValue("runner.kind")
	return ok && v == "files"
}

// writeFiles writes the files of every file-port record of outputs under
// dir/files/<port>/, fsynced, and describes them sorted by port then name.
func (s *Store) writeFiles(dir string, ports []string, outputs map[string]arrow.RecordBatch) ([]FileOutput, error) {
	var out []FileOutput
	for _, p := range ports {
		rec := outputs[p]
		if !isFilesRecord(rec) {
			continue
		}
		col := func(name string) arrow.Array {
			if is := rec.Schema().FieldIndices(name); len(is) == 1 {
				return rec.Column(is[0])
			}
			return nil
		}
		names, ok1 := col("name").(*array.String)
		types, ok2 := col("media_type").(*array.String)
		data, ok3 := col("data").(*array.Binary)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("port %q: files table without string name, media_type and binary data columns", p)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			name := names.Value(i)
			if !safeRelPath(name) {
				return nil, fmt.Errorf("port %q: invalid file name %q", p, name)
			}
			rel := path.Join(filesDir, p, name)
			full := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return nil, fmt.Errorf("port %q: %w", p, err)
			}
			b := data.Value(i)
			if err := s.writeFileSync(full, b); err != nil {
				return nil, fmt.Errorf("port %q: file %q: %w", p, name, err)
			}
			out = append(out, FileOutput{Port: p, Name: name, File: rel, MediaType: types.Value(i),
				Bytes: int64(len(b)), SHA256: sha256Hex(b)})
		}
	}
	return out, nil
}

// safeRelPath reports whether name is a clean relative slash path whose
// components do not start with '.'.
func safeRelPath(name string) bool {
	if name == "" || path.Clean(name) != name || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part[0] == '.' {
			return false
		}
	}
	return true
}

// checkFiles is Lookup's cheap check of the files of an entry: each exists,
// is regular and has its recorded size.
func (s *Store) checkFiles(key Key, m *Manifest) error {
	for _, f := range m.Files {
		if !safeRelPath(f.File) || !validKey(f.SHA256) || !strings.HasPrefix(f.File, filesDir+"/") {
			return corrupt(key, "manifest.json: file %q: invalid path or sha256", f.File)
		}
		size, regular, err := fileSize(s.FilePath(key, f))
		switch {
		case isNotExist(err):
			return corrupt(key, "file %s missing", f.File)
		case err != nil:
			return fmt.Errorf("artifacts: lookup %s: %w", key.Short(), err)
		case !regular:
			return corrupt(key, "%s is not a regular file", f.File)
		case size != f.Bytes:
			return corrupt(key, "%s has %d bytes, manifest says %d", f.File, size, f.Bytes)
		}
	}
	return nil
}

// verifyFileOutputs re-hashes the files of an entry (Verify).
func (s *Store) verifyFileOutputs(key Key, m *Manifest) error {
	for _, f := range m.Files {
		sum, n, err := hashFile(s.FilePath(key, f))
		if err != nil {
			if isNotExist(err) {
				return corrupt(key, "file %s missing", f.File)
			}
			return fmt.Errorf("artifacts: verify %s: %w", key.Short(), err)
		}
		if n != f.Bytes || sum != f.SHA256 {
			return corrupt(key, "%s has %d bytes and sha256 %s, manifest says %d and %s", f.File, n, sum, f.Bytes, f.SHA256)
		}
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
