package exec

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/chaos-runner/runner/artifacts"
)

// sidecar is the JSON file beside an npy or csv table.
type sidecar struct {
	Columns      []string            `json:"columns"`
	Types        []string            `json:"types,omitempty"`
	Dictionaries map[string][]string `json:"dictionaries,omitempty"`
	Metadata     map[string]any      `json:"metadata,omitempty"`
	Rows         int                 `json:"rows"`
}

// writeTable writes rec as ref's file (and sidecar).
func writeTable(ref fileRef, rec arrow.RecordBatch) error {
	var buf bytes.Buffer
	var side *sidecar
	var err error
	switch ref.Format {
	case FormatArrow:
		err = artifacts.WriteIPC(&buf, rec)
	case FormatParquet:
		err = artifacts.WriteParquet(&buf, rec) // the same writer as `artifacts export`
	case FormatNpy:
		side, err = writeNpyTable(&buf, rec)
	case FormatCSV:
		side, err = writeCSV(&buf, rec)
	default:
		err = fmt.Errorf("unknown format %q", ref.Format)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(ref.Path, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if side != nil {
		md := rec.Schema().Metadata()
		side.Metadata = map[string]any{}
		for i, k := range md.Keys() {
			side.Metadata[k] = md.Values()[i]
		}
		side.Rows = int(rec.NumRows())
		b, err := json.MarshalIndent(side, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(ref.Sidecar, append(b, '\n'), 0o644)
	}
	return nil
}

// readTable reads ref's file; npy and csv columns take their declared types.
func readTable(ref fileRef, declared *arrow.Schema) (arrow.RecordBatch, error) {
	switch ref.Format {
	case FormatArrow:
		return artifacts.ReadIPCFile(ref.Path)
	case FormatParquet:
		return readParquet(ref.Path)
	}
	side, err := readSidecar(ref.Sidecar)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(ref.Path)
	if err != nil {
		return nil, err
	}
	var names []string
	var cols []column
	if ref.Format == FormatNpy {
		a, err := decodeNpy(data)
		if err != nil {
			return nil, err
		}
		names, err = sideColumns(side, declared, a.cols)
		if err != nil {
			return nil, err
		}
		for j := range names {
			v := make([]float64, a.rows)
			for i := range v {
				v[i] = a.at(i, j)
			}
			cols = append(cols, column{floats: v})
		}
	} else {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("empty CSV file: no header row")
		}
		names = recs[0]
		for j := range names {
			v := make([]string, len(recs)-1)
			for i, row := range recs[1:] {
				if len(row) != len(names) {
					return nil, fmt.Errorf("line %d has %d fields, the header %d", i+2, len(row), len(names))
				}
				v[i] = row[j]
			}
			cols = append(cols, column{strs: v})
		}
	}
	fields := make([]arrow.Field, len(names))
	arrs := make([]arrow.Array, len(names))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for j, name := range names {
		dt := columnType(name, j, side, declared, cols[j])
		a, err := buildColumn(dt, cols[j], side.Dictionaries[name])
		if err != nil {
			return nil, fmt.Errorf("column %q (%s): %w", name, typeName(dt), err)
		}
		fields[j] = arrow.Field{Name: name, Type: dt, Nullable: true}
		arrs[j] = a
	}
	md, err := metadataOf(side.Metadata)
	if err != nil {
		return nil, err
	}
	rows := int64(0)
	if len(arrs) > 0 {
		rows = int64(arrs[0].Len())
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), arrs, rows), nil
}

// column is one column of an npy (floats) or csv (strs) table.
type column struct {
	floats []float64
	strs   []string
}

func readSidecar(path string) (*sidecar, error) {
	side := &sidecar{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return side, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, side); err != nil {
		return nil, fmt.Errorf("sidecar %s: %w", path, err)
	}
	if len(side.Types) > 0 && len(side.Types) != len(side.Columns) {
		return nil, fmt.Errorf("sidecar %s: %d types for %d columns", path, len(side.Types), len(side.Columns))
	}
	return side, nil
}

// sideColumns names the n columns of an npy array: the sidecar's, else the
// declared schema's.
func sideColumns(side *sidecar, declared *arrow.Schema, n int) ([]string, error) {
	names := side.Columns
	if len(names) == 0 && declared != nil {
		for _, f := range declared.Fields() {
			names = append(names, f.Name)
		}
	}
	if len(names) != n {
		return nil, fmt.Errorf("the array has %d columns but the sidecar (or the declared schema) names %d: %v", n, len(names), names)
	}
	return names, nil
}

// columnType is the declared type of a column, else the sidecar's, else
// float64 (csv: utf8 when a cell is not a number).
func columnType(name string, j int, side *sidecar, declared *arrow.Schema, c column) arrow.DataType {
	if declared != nil {
		if idx := declared.FieldIndices(name); len(idx) > 0 {
			return declared.Field(idx[0]).Type
		}
	}
	if j < len(side.Types) && side.Columns[j] == name {
		if dt, ok := columnTypes[side.Types[j]]; ok {
			return dt
		}
	}
	if _, ok := side.Dictionaries[name]; ok {
		return arrow.BinaryTypes.String
	}
	for _, s := range c.strs {
		if _, err := parseFloat(s); err != nil {
			return arrow.BinaryTypes.String
		}
	}
	return arrow.PrimitiveTypes.Float64
}

func parseFloat(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

// buildColumn converts a column to dt. npy values: floats, utf8 as codes
// into dict; csv values: text.
func buildColumn(dt arrow.DataType, c column, dict []string) (arrow.Array, error) {
	mem := memory.DefaultAllocator
	n := len(c.floats) + len(c.strs)
	isNull := func(i int) bool {
		if c.strs != nil {
			return strings.TrimSpace(c.strs[i]) == "" && dt.ID() != arrow.STRING
		}
		return math.IsNaN(c.floats[i])
	}
	num := func(i int) (float64, error) {
		if c.strs != nil {
			return parseFloat(c.strs[i])
		}
		return c.floats[i], nil
	}
	integral := func(i int) (int64, error) {
		if c.strs != nil {
			if v, err := strconv.ParseInt(strings.TrimSpace(c.strs[i]), 10, 64); err == nil {
				return v, nil
			}
		}
		f, err := num(i)
		if err != nil {
			return 0, fmt.Errorf("row %d: %w", i, err)
		}
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("row %d: %v is not an integer", i, f)
		}
		return int64(f), nil
	}
	switch dt.ID() {
	case arrow.FLOAT64, arrow.FLOAT32:
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		for i := 0; i < n; i++ {
			v, err := num(i)
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
			if f, ok := b.(*array.Float64Builder); ok {
				f.Append(v)
			} else {
				b.(*array.Float32Builder).Append(float32(v))
			}
		}
		return b.NewArray(), nil
	case arrow.INT64, arrow.INT32:
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		for i := 0; i < n; i++ {
			if isNull(i) {
				b.AppendNull()
				continue
			}
			v, err := integral(i)
			if err != nil {
				return nil, err
			}
			if ib, ok := b.(*array.Int64Builder); ok {
				ib.Append(v)
			} else {
				if v != int64(int32(v)) {
					return nil, fmt.Errorf("row %d: %d overflows int32", i, v)
				}
				b.(*array.Int32Builder).Append(int32(v))
			}
		}
		return b.NewArray(), nil
	case arrow.BOOL:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			if isNull(i) {
				b.AppendNull()
				continue
			}
			if c.strs != nil {
				switch strings.ToLower(strings.TrimSpace(c.strs[i])) {
				case "true", "1", "t":
					b.Append(true)
					continue
				case "false", "0", "f":
					b.Append(false)
					continue
				}
				return nil, fmt.Errorf("row %d: %q is not a boolean", i, c.strs[i])
			}
			switch c.floats[i] {
			case 0:
				b.Append(false)
			case 1:
				b.Append(true)
			default:
				return nil, fmt.Errorf("row %d: %v is not 0 or 1", i, c.floats[i])
			}
		}
		return b.NewArray(), nil
	case arrow.STRING:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			if c.strs != nil {
				b.Append(c.strs[i])
				continue
			}
			if isNull(i) {
				b.AppendNull()
				continue
			}
			code, err := integral(i)
			if err != nil {
				return nil, err
			}
			if code < 0 || code >= int64(len(dict)) {
				return nil, fmt.Errorf("row %d: code %d outside the sidecar's dictionary of %d strings", i, code, len(dict))
			}
			b.Append(dict[code])
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("type %s cannot be read from npy or csv (use arrow or parquet)", dt)
}

// metadataOf turns sidecar metadata into schema metadata: strings as they
// are, other JSON values as their JSON text.
func metadataOf(m map[string]any) (arrow.Metadata, error) {
	kv := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			kv[k] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return arrow.Metadata{}, fmt.Errorf("metadata %q: %w", k, err)
		}
		kv[k] = string(b)
	}
	return arrow.MetadataFrom(kv), nil
}

// writeNpyTable writes rec as a 2-D float64 array and returns its sidecar.
func writeNpyTable(w io.Writer, rec arrow.RecordBatch) (*sidecar, error) {
	rows, cols := int(rec.NumRows()), int(rec.NumCols())
	side := &sidecar{Dictionaries: map[string][]string{}}
	data := make([]float64, rows*cols)
	for j, f := range rec.Schema().Fields() {
		side.Columns = append(side.Columns, f.Name)
		side.Types = append(side.Types, typeName(f.Type))
		col := rec.Column(j)
		set := func(i int, v float64) { data[i*cols+j] = v }
		switch a := col.(type) {
		case *array.Float64:
			for i := 0; i < rows; i++ {
				set(i, a.Value(i))
			}
		case *array.Float32:
			for i := 0; i < rows; i++ {
				set(i, float64(a.Value(i)))
			}
		case *array.Int64:
			for i := 0; i < rows; i++ {
				set(i, float64(a.Value(i)))
			}
		case *array.Int32:
			for i := 0; i < rows; i++ {
				set(i, float64(a.Value(i)))
			}
		case *array.Boolean:
			for i := 0; i < rows; i++ {
				if a.Value(i) {
					set(i, 1)
				}
			}
		case *array.String:
			// Codes in order of first appearance, so equal tables give
			// equal files.
			codes := map[string]int{}
			var dict []string
			for i := 0; i < rows; i++ {
				s := a.Value(i)
				c, ok := codes[s]
				if !ok {
					c = len(dict)
					codes[s] = c
					dict = append(dict, s)
				}
				set(i, float64(c))
			}
			if dict == nil {
				dict = []string{}
			}
			side.Dictionaries[f.Name] = dict
		default:
			return nil, fmt.Errorf("column %q of type %s has no npy form (use arrow or parquet for this port)", f.Name, f.Type)
		}
		for i := 0; i < rows; i++ {
			if col.IsNull(i) {
				set(i, math.NaN())
			}
		}
	}
	return side, encodeNpy(w, rows, cols, data)
}

// writeCSV writes rec with a header row and returns its sidecar.
func writeCSV(w io.Writer, rec arrow.RecordBatch) (*sidecar, error) {
	side := &sidecar{}
	cw := csv.NewWriter(w)
	var header []string
	for _, f := range rec.Schema().Fields() {
		header = append(header, f.Name)
		side.Columns = append(side.Columns, f.Name)
		side.Types = append(side.Types, typeName(f.Type))
		switch f.Type.ID() {
		case arrow.FLOAT64, arrow.FLOAT32, arrow.INT64, arrow.INT32, arrow.BOOL, arrow.STRING:
		default:
			return nil, fmt.Errorf("column %q of type %s has no csv form (use arrow or parquet for this port)", f.Name, f.Type)
		}
	}
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	row := make([]string, rec.NumCols())
	for i := 0; i < int(rec.NumRows()); i++ {
		for j := range row {
			col := rec.Column(j)
			if col.IsNull(i) {
				row[j] = ""
				continue
			}
			switch a := col.(type) {
			case *array.Float64:
				row[j] = formatFloat(a.Value(i), 64)
			case *array.Float32:
				row[j] = formatFloat(float64(a.Value(i)), 32)
			case *array.Int64:
				row[j] = strconv.FormatInt(a.Value(i), 10)
			case *array.Int32:
				row[j] = strconv.FormatInt(int64(a.Value(i)), 10)
			case *array.Boolean:
				row[j] = strconv.FormatBool(a.Value(i))
			case *array.String:
				row[j] = a.Value(i)
			}
		}
		if err := cw.Write(row); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return side, cw.Error()
}

func formatFloat(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, bits)
}

func readParquet(path string) (arrow.RecordBatch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	// One batch: concatenate each column's chunks.
	cols := make([]arrow.Array, tbl.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		chunks := tbl.Column(i).Data().Chunks()
		if len(chunks) == 1 {
			chunks[0].Retain()
			cols[i] = chunks[0]
			continue
		}
		if len(chunks) == 0 {
			cols[i] = array.MakeArrayOfNull(memory.DefaultAllocator, tbl.Schema().Field(i).Type, 0)
			continue
		}
		if cols[i], err = array.Concatenate(chunks, memory.DefaultAllocator); err != nil {
			return nil, err
		}
	}
	// The table keeps the fields; the file's stored Arrow schema has the
	// schema metadata.
	meta := tbl.Schema().Metadata()
	if sch, err := fr.Schema(); err == nil && sch.Metadata().Len() > 0 {
		meta = sch.Metadata()
	}
	var kv = map[string]string{}
	for i, k := range meta.Keys() {
		if k != "ARROW:schema" {
			kv[k] = meta.Values()[i]
		}
	}
	md := arrow.MetadataFrom(kv)
	return array.NewRecordBatch(arrow.NewSchema(tbl.Schema().Fields(), &md), cols, tbl.NumRows()), nil
}
