package artifacts

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// mixedRecord holds every column type runner's tables use (schemas.NewTable:
// string, bool, int64, float64, list<int64>, list<float64>), with nulls,
// empty lists and non-finite floats, and schema and field metadata.
func mixedRecord(t testing.TB) arrow.RecordBatch {
	t.Helper()
	md := arrow.NewMetadata([]string{"runner.kind", "metric"}, []string{"leaderboard", "smape"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Metadata: arrow.NewMetadata([]string{"unit"}, []string{"steps"})},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "shape", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "data", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
	}, &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	names := []string{"Lorenz", "", "with, comma \"and\" quote", "Rössler\nnewline", "x"}
	xs := []float64{1.0 / 3, math.NaN(), math.Inf(1), math.Inf(-1), -5e-324}
	for i := range names {
		if i == 4 {
			b.Field(0).(*array.StringBuilder).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(names[i])
		}
		b.Field(1).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(2).(*array.Int64Builder).Append(int64(i) * -1234567890123)
		b.Field(3).(*array.Float64Builder).Append(xs[i])
		sb := b.Field(4).(*array.ListBuilder)
		db := b.Field(5).(*array.ListBuilder)
		switch i {
		case 1: // null lists
			sb.AppendNull()
			db.AppendNull()
		case 2: // empty lists
			sb.Append(true)
			db.Append(true)
		default:
			sb.Append(true)
			sb.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{int64(i), 3}, nil)
			db.Append(true)
			vb := db.ValueBuilder().(*array.Float64Builder)
			vb.Append(0.1 * float64(i))
			vb.Append(math.NaN())
			vb.AppendNull()
			vb.Append(math.Inf(-1))
		}
	}
	return b.NewRecordBatch()
}

func putMixed(t *testing.T) (*Store, Key, arrow.RecordBatch) {
	t.Helper()
	s := newStore(t, false)
	key := testKey("mixed")
	rec := mixedRecord(t)
	t.Cleanup(rec.Release)
	other := testRecord(memory.DefaultAllocator, 4, 0)
	defer other.Release()
	if _, err := s.Put(testManifest(key), map[string]arrow.RecordBatch{"table": rec, "other": other}); err != nil {
		t.Fatal(err)
	}
	return s, key, rec
}

func TestExportParquetRoundTrip(t *testing.T) {
	s, key, want := putMixed(t)
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := s.ExportAs(key, dir, FormatParquet, "table")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || filepath.Base(paths[0]) != "table.parquet" {
		t.Fatalf("wrote %v, want [.../table.parquet]", paths)
	}
	f, err := file.OpenParquetFile(paths[0], false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The schema metadata is plain Parquet key-value metadata too, for
	// readers that ignore ARROW:schema (DuckDB's parquet_kv_metadata).
	if kv := f.MetaData().KeyValueMetadata().FindValue("metric"); kv == nil || *kv != "smape" {
		t.Errorf("parquet key-value metadata metric = %v, want smape", kv)
	}
	fr, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	// arrow-go's ReadTable drops the schema metadata; its Schema has it.
	got, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Metadata().Equal(want.Schema().Metadata()) {
		t.Errorf("schema metadata %v, want %v", got.Metadata(), want.Schema().Metadata())
	}
	if tbl.NumRows() != want.NumRows() || int(tbl.NumCols()) != int(want.NumCols()) {
		t.Fatalf("read %d x %d, want %d x %d", tbl.NumRows(), tbl.NumCols(), want.NumRows(), want.NumCols())
	}
	for j, wf := range want.Schema().Fields() {
		gf := got.Field(j)
		// Parquet names a list's element "element" where arrow.ListOf says
		// "item"; names, element types and nullability must survive.
		if gf.Name != wf.Name || gf.Nullable != wf.Nullable || elemType(gf.Type).ID() != elemType(wf.Type).ID() || gf.Type.ID() != wf.Type.ID() {
			t.Errorf("column %d: read %s (nullable %v), want %s (nullable %v)", j, gf, gf.Nullable, wf, wf.Nullable)
			continue
		}
		if u, _ := gf.Metadata.GetValue("unit"); wf.Name == "n" && u != "steps" {
			t.Errorf("column n lost its unit field metadata: %v", gf.Metadata)
		}
		col := tbl.Column(j).Data()
		if col.Len() != int(want.NumRows()) || len(col.Chunks()) != 1 {
			t.Fatalf("column %s: %d chunks", wf.Name, len(col.Chunks()))
		}
		for i := 0; i < int(want.NumRows()); i++ {
			if g, w := cellString(col.Chunk(0), i), cellString(want.Column(j), i); g != w {
				t.Errorf("column %s row %d: read %s, want %s", wf.Name, i, g, w)
			}
		}
	}
}

func elemType(dt arrow.DataType) arrow.DataType {
	if l, ok := dt.(arrow.ListLikeType); ok {
		return l.Elem()
	}
	return dt
}

// cellString renders a cell exactly (floats by their bits), nulls as <null>.
func cellString(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "<null>"
	}
	switch c := col.(type) {
	case *array.Float64:
		v := c.Value(i)
		if math.IsNaN(v) {
			return "NaN" // NaN payloads need not survive
		}
		return strconv.FormatUint(math.Float64bits(v), 16)
	case array.ListLike:
		start, end := c.ValueOffsets(i)
		parts := []string{}
		for k := start; k < end; k++ {
			parts = append(parts, cellString(c.ListValues(), int(k)))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return col.ValueStr(i)
}

func TestExportCSVRoundTrip(t *testing.T) {
	s, key, want := putMixed(t)
	dir := t.TempDir()
	paths, err := s.ExportAs(key, dir, FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v, want other.csv and table.csv", paths)
	}
	f, err := os.Open(filepath.Join(dir, "table.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != int(want.NumRows())+1 {
		t.Fatalf("%d CSV rows, want a header and %d rows", len(rows), want.NumRows())
	}
	for j, fld := range want.Schema().Fields() {
		if rows[0][j] != fld.Name {
			t.Errorf("header %d = %q, want %q", j, rows[0][j], fld.Name)
		}
	}
	for i, row := range rows[1:] {
		for j := range row {
			col := want.Column(j)
			got, err := parseCSVCell(col.DataType(), row[j])
			if err != nil {
				t.Errorf("row %d column %s: %q: %v", i, rows[0][j], row[j], err)
				continue
			}
			w := cellString(col, i)
			// CSV cannot tell a null string from an empty one.
			if w == "<null>" && col.DataType().ID() == arrow.STRING {
				w = ""
			}
			if got != w {
				t.Errorf("row %d column %s: CSV %q reads as %s, want %s", i, rows[0][j], row[j], got, w)
			}
		}
	}
}

// parseCSVCell reads a CSV field back into cellString's form, as a
// consumer of the documented CSV conventions would.
func parseCSVCell(dt arrow.DataType, s string) (string, error) {
	if s == "" && dt.ID() != arrow.STRING {
		return "<null>", nil
	}
	switch dt.ID() {
	case arrow.FLOAT64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", err
		}
		if math.IsNaN(v) {
			return "NaN", nil
		}
		return strconv.FormatUint(math.Float64bits(v), 16), nil
	case arrow.INT64:
		v, err := strconv.ParseInt(s, 10, 64)
		return strconv.FormatInt(v, 10), err
	case arrow.BOOL:
		v, err := strconv.ParseBool(s)
		return strconv.FormatBool(v), err
	case arrow.STRING:
		return s, nil
	case arrow.LIST:
		if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
			return "", errors.New("not a JSON array")
		}
		parts := []string{}
		if inner := s[1 : len(s)-1]; inner != "" {
			for _, e := range strings.Split(inner, ",") {
				if e == "null" {
					parts = append(parts, "<null>")
					continue
				}
				p, err := parseCSVCell(elemType(dt), e)
				if err != nil {
					return "", err
				}
				parts = append(parts, p)
			}
		}
		return "[" + strings.Join(parts, " ") + "]", nil
	}
	return "", errors.New("unexpected type " + dt.String())
}

func TestExportAsArrowPortsAndErrors(t *testing.T) {
	s, key, _ := putMixed(t)
	dir := t.TempDir()
	paths, err := s.ExportAs(key, dir, FormatArrow, "other")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || filepath.Base(paths[0]) != "other.arrow" {
		t.Fatalf("wrote %v, want [.../other.arrow]", paths)
	}
	rec, err := ReadIPCFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if _, err := s.ExportAs(key, dir, "xlsx"); err == nil || !strings.Contains(err.Error(), `unknown format "xlsx"`) {
		t.Errorf("format xlsx: %v", err)
	}
	if _, err := s.ExportAs(key, dir, FormatCSV, "tabel"); err == nil || !strings.Contains(err.Error(), `no output port "tabel"`) {
		t.Errorf("port tabel: %v", err)
	}
	if _, err := s.ExportAs(testKey("absent"), dir, FormatCSV); !errors.Is(err, ErrNotFound) {
		t.Errorf("absent key: %v, want ErrNotFound", err)
	}
	assertOnly(t, dir, "other.arrow")
}

// TestExportAsCorrupt: a stored file that no longer matches its digest is
// not converted, and nothing is left in the target directory.
func TestExportAsCorrupt(t *testing.T) {
	s, key, _ := putMixed(t)
	path := filepath.Join(s.Dir(key), "table.arrow")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range ExportFormats {
		dir := t.TempDir()
		_, err := s.ExportAs(key, dir, format, "table")
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v, want a *CorruptError", format, err)
		}
		assertOnly(t, dir)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// TestExportEmptyTable: a table with no rows (a failures port, say) still
// exports with its columns.
func TestExportEmptyTable(t *testing.T) {
	s := newStore(t, false)
	key := testKey("empty")
	full := mixedRecord(t)
	defer full.Release()
	empty := full.NewSlice(0, 0)
	defer empty.Release()
	if _, err := s.Put(testManifest(key), map[string]arrow.RecordBatch{"failures": empty}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := s.ExportAs(key, dir, FormatParquet); err != nil {
		t.Fatal(err)
	}
	f, err := file.OpenParquetFile(filepath.Join(dir, "failures.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRows() != 0 || f.MetaData().Schema.NumColumns() != 6 { // one leaf per column, lists included
		t.Errorf("empty export: %d rows, %d leaf columns; want 0 and 6", f.NumRows(), f.MetaData().Schema.NumColumns())
	}
	if _, err := s.ExportAs(key, dir, FormatCSV); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "failures.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "name,ok,n,x,shape,data\n" {
		t.Errorf("empty CSV = %q, want the header only", data)
	}
}
