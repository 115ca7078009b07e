package stages

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// File is one file a stage outputs on a file port (FilePort): an HTML
// report, a PNG or SVG figure, a Markdown summary.
type File struct {
	// Name is a slash-separated relative path ("index.html",
	// "systems/Lorenz.png"): components of [A-Za-z0-9_.+-], not starting
	// with '.', so it is a safe path inside the entry and the publish folder.
	Name      string
	MediaType string // such as "text/html"
	Data      []byte
}

// FilesKind is the schema metadata value of runner.kind on a files table:
// the store recognises it and keeps each file as a file of the entry too.
const FilesKind = "files"

// filesSchema is the table a file port carries: one row per file. The
// artifacts package reads these column names (artifacts/files.go).
var filesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "media_type", Type: arrow.BinaryTypes.String},
	{Name: "bytes", Type: arrow.PrimitiveTypes.Int64},
	{Name: "sha256", Type: arrow.BinaryTypes.String},
	{Name: "data", Type: arrow.BinaryTypes.Binary},
}, nil)

// FilePort declares an output port that carries files instead of a table.
// The stage returns FilesRecord(files) on it; the store keeps every file in
// the entry with its size, SHA-256 and media type in the manifest, and
// `runner apply` publishes them to the stage's `publish` folder. On the
// wire (for a consumer, or an Arrow reader) it is a table with columns
// name, media_type, bytes, sha256 and data.
func FilePort(name, doc string, mediaTypes ...string) Port {
	return Port{Name: name, Doc: doc, Schema: filesSchema, MediaTypes: slices.Clone(mediaTypes)}
}

// IsFilePort reports whether p carries files.
func (p Port) IsFilePort() bool { return p.MediaTypes != nil }

// FilesRecord builds the table of a file port, in the order given. It
// checks names (safe relative paths, no duplicates) and, when mediaTypes is
// not empty, that each file has one of them.
func FilesRecord(files []File, mediaTypes ...string) (arrow.RecordBatch, error) {
	seen := map[string]bool{}
	for _, f := range files {
		if err := CheckFileName(f.Name); err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("file %q given twice", f.Name)
		}
		seen[f.Name] = true
		if len(mediaTypes) > 0 && !slices.Contains(mediaTypes, f.MediaType) {
			return nil, fmt.Errorf("file %q: media type %q not declared by the port (have %s)", f.Name, f.MediaType, strings.Join(mediaTypes, ", "))
		}
	}
	mem := memory.DefaultAllocator
	md := arrow.NewMetadata([]string{"runner.kind"}, []string{FilesKind})
	schema := arrow.NewSchema(filesSchema.Fields(), &md)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		b.Field(0).(*array.StringBuilder).Append(f.Name)
		b.Field(1).(*array.StringBuilder).Append(f.MediaType)
		b.Field(2).(*array.Int64Builder).Append(int64(len(f.Data)))
		b.Field(3).(*array.StringBuilder).Append(hex.EncodeToString(sum[:]))
		b.Field(4).(*array.BinaryBuilder).Append(f.Data)
	}
	return b.NewRecordBatch(), nil
}

// ReadFiles reads a files table back (a consumer of a file port, tests).
func ReadFiles(rec arrow.RecordBatch) ([]File, error) {
	idx := func(name string) int {
		if is := rec.Schema().FieldIndices(name); len(is) == 1 {
			return is[0]
		}
		return -1
	}
	in, im, id := idx("name"), idx("media_type"), idx("data")
	if in < 0 || im < 0 || id < 0 {
		return nil, fmt.Errorf("not a files table: want columns name, media_type and data, have %s", rec.Schema())
	}
	names, ok1 := rec.Column(in).(*array.String)
	types, ok2 := rec.Column(im).(*array.String)
	data, ok3 := rec.Column(id).(*array.Binary)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("not a files table: column types %s", rec.Schema())
	}
	out := make([]File, rec.NumRows())
	for i := range out {
		out[i] = File{Name: names.Value(i), MediaType: types.Value(i), Data: slices.Clone(data.Value(i))}
	}
	return out, nil
}

// CheckFileName reports whether name is a safe slash-separated relative
// path for a file port.
func CheckFileName(name string) error {
	if name == "" || len(name) > 255 || path.Clean(name) != name {
		return fmt.Errorf("invalid file name %q: want a clean relative path", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part[0] == '.' || part[0] == '-' {
			return fmt.Errorf("invalid file name %q: components must not be empty or start with '.' or '-'", name)
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '+') {
				return fmt.Errorf("invalid file name %q: use [A-Za-z0-9_.+-] and '/'", name)
			}
		}
	}
	return nil
}
