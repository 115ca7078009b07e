package artifacts

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Export formats of ExportAs.
const (
	// FormatArrow copies the stored Arrow IPC files byte for byte.
	FormatArrow = "arrow"
	// FormatParquet converts each table to Parquet (snappy), with the Arrow
	// schema stored in the file ("ARROW:schema"), so column types, list
	// columns and schema metadata round-trip through pyarrow, polars and
	// DuckDB; the schema metadata is also plain Parquet key-value metadata.
	FormatParquet = "parquet"
	// FormatCSV converts each table to CSV: see WriteCSV for what CSV cannot hold.
	FormatCSV = "csv"
)

// ExportFormats lists the formats ExportAs writes.
var ExportFormats = []string{FormatArrow, FormatParquet, FormatCSV}

// ExportAs writes the outputs of an entry into dir (created if needed) as
// <port>.arrow, <port>.parquet or <port>.csv, and returns the paths written.
// With ports, only those ports are written (an unknown one is an error,
// before anything is written). Each file is written under a temporary name
// and renamed, so dir never holds a partial file. The digest of every stored
// file is checked as it is read. Outputs that are not Arrow tables (files a
// stage wrote as such) are copied unchanged whatever the format.
func (s *Store) ExportAs(key Key, dir, format string, ports ...string) ([]string, error) {
	ext, ok := map[string]string{FormatArrow: arrowExt, FormatParquet: ".parquet", FormatCSV: ".csv"}[format]
	if !ok {
		return nil, fmt.Errorf("artifacts: export: unknown format %q (want %s)", format, strings.Join(ExportFormats, ", "))
	}
	m, err := s.Lookup(key)
	if err != nil {
		return nil, err
	}
	outs := m.Outputs
	if len(ports) > 0 {
		outs = nil
		for _, p := range ports {
			o, ok := m.Output(p)
			if !ok {
				have := make([]string, len(m.Outputs))
				for i, o := range m.Outputs {
					have[i] = o.Port
				}
				return nil, fmt.Errorf("artifacts: export %s: no output port %q (have %v)", key.Short(), p, have)
			}
			outs = append(outs, o)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	var written []string
	for _, o := range outs {
		if format == FormatArrow || !strings.HasSuffix(o.File, arrowExt) {
			path := filepath.Join(dir, o.File)
			if err := s.copyVerified(key, o, path); err != nil {
				return written, err
			}
			written = append(written, path)
			continue
		}
		rec, err := s.Read(key, o.Port)
		if err != nil {
			return written, err
		}
		path := filepath.Join(dir, o.Port+ext)
		err = writeFileAtomic(path, func(w io.Writer) error {
			if format == FormatParquet {
				return WriteParquet(w, rec)
			}
			return WriteCSV(w, rec)
		})
		rec.Release()
		if err != nil {
			return written, fmt.Errorf("artifacts: export %s port %q as %s: %w", key.Short(), o.Port, format, err)
		}
		written = append(written, path)
	}
	return written, nil
}

// copyVerified copies one stored file of key to path (atomically), checking
// its size and SHA-256 against the manifest as it goes.
func (s *Store) copyVerified(key Key, o FileInfo, path string) error {
	src, err := os.Open(filepath.Join(s.holder(key).Dir(key), o.File)) // local store or the read store holding it
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return corrupt(key, "output %q: file %s missing", o.Port, o.File)
		}
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	defer src.Close()
	var n int64
	h := sha256.New()
	err = writeFileAtomic(path, func(w io.Writer) error {
		var err error
		n, err = io.Copy(io.MultiWriter(w, h), src)
		if err != nil {
			return err
		}
		if sum := hex.EncodeToString(h.Sum(nil)); n != o.Bytes || sum != o.SHA256 {
			return corrupt(key, "output %q: %s has %d bytes and sha256 %s, manifest says %d and %s", o.Port, o.File, n, sum, o.Bytes, o.SHA256)
		}
		return nil
	})
	var ce *CorruptError
	if err != nil && !errors.As(err, &ce) {
		return fmt.Errorf("artifacts: export %s: %w", key.Short(), err)
	}
	return err
}

// writeFileAtomic writes path through fn under a temporary name in the same
// directory, then renames it into place; on error nothing is left behind.
func writeFileAtomic(path string, fn func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = fn(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WriteParquet writes rec as one Parquet file (one row group per 1 Mi rows,
// snappy-compressed), storing the Arrow schema and its metadata so that a
// reader gets the same column types and metadata back.
func WriteParquet(w io.Writer, rec arrow.RecordBatch) error {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(1<<20),
		parquet.WithCreatedBy("runner (arrow-go parquet)"),
	)
	fw, err := pqarrow.NewFileWriter(rec.Schema(), w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return err
	}
	if err := fw.Write(rec); err != nil {
		_ = fw.Close()
		return err
	}
	return fw.Close()
}

// WriteCSV writes rec as CSV (RFC 4180) with one header row of column
// names. CSV has no types, nulls or nesting, so:
//   - a null is an empty field (as is an empty string);
//   - floats are written in the shortest form that parses back to the same
//     float64; NaN, +Inf and -Inf as NaN, inf and -inf (pandas' read_csv
//     and DuckDB's read_csv take them for floats);
//   - booleans are true and false;
//   - a list cell is a JSON array, such as [1,2.5,NaN]; non-finite
//     elements are NaN, Infinity and -Infinity (as Python's json module
//     reads them) and null elements null;
//   - the schema metadata (generate's systems, a leaderboard's metric) is
//     left out: export Arrow or Parquet to keep it.
func WriteCSV(w io.Writer, rec arrow.RecordBatch) error {
	cw := csv.NewWriter(w)
	ncol := int(rec.NumCols())
	row := make([]string, ncol)
	for j, f := range rec.Schema().Fields() {
		row[j] = f.Name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	var b strings.Builder
	for i := 0; i < int(rec.NumRows()); i++ {
		for j := 0; j < ncol; j++ {
			col := rec.Column(j)
			if col.IsNull(i) {
				row[j] = ""
				continue
			}
			if l, ok := col.(array.ListLike); ok {
				b.Reset()
				writeJSONList(&b, l, i)
				row[j] = b.String()
				continue
			}
			row[j] = csvScalar(col, i)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvScalar renders a non-null scalar cell.
func csvScalar(col arrow.Array, i int) string {
	switch c := col.(type) {
	case *array.Float64:
		return csvFloat(c.Value(i), "NaN", "inf")
	case *array.Float32:
		return csvFloat(float64(c.Value(i)), "NaN", "inf")
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(c.Value(i), 10)
	case *array.Boolean:
		return strconv.FormatBool(c.Value(i))
	case *array.String:
		return c.Value(i)
	case *array.LargeString:
		return c.Value(i)
	}
	return col.ValueStr(i)
}

func csvFloat(f float64, nan, inf string) string {
	switch {
	case math.IsNaN(f):
		return nan
	case math.IsInf(f, 1):
		return inf
	case math.IsInf(f, -1):
		return "-" + inf
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// writeJSONList writes list cell i of l as a JSON array (nested lists nest).
func writeJSONList(b *strings.Builder, l array.ListLike, i int) {
	start, end := l.ValueOffsets(i)
	vals := l.ListValues()
	b.WriteByte('[')
	for k := start; k < end; k++ {
		if k > start {
			b.WriteByte(',')
		}
		j := int(k)
		if vals.IsNull(j) {
			b.WriteString("null")
			continue
		}
		switch v := vals.(type) {
		case array.ListLike:
			writeJSONList(b, v, j)
		case *array.Float64:
			b.WriteString(csvFloat(v.Value(j), "NaN", "Infinity"))
		case *array.Float32:
			b.WriteString(csvFloat(float64(v.Value(j)), "NaN", "Infinity"))
		case *array.String:
			q, _ := json.Marshal(v.Value(j))
			b.Write(q)
		default:
			b.WriteString(csvScalar(vals, j))
		}
	}
	b.WriteByte(']')
}
