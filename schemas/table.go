package schemas

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Table is the one declaration of an Arrow table: its row is a Go struct R
// whose tagged fields are the columns, in field order. From it come the
// port schema, the writer, the reader and the column documentation, so the
// four cannot drift.
//
// Tags on each exported field:
//
//	arrow:"name"            column name ("-" skips the field)
//	arrow:"name,nullable"   the zero value ("" for strings, NaN for floats,
//	                        nil for lists) is stored as null, and null reads
//	                        back as the zero value
//	arrow:"x*"              a []float64 spread over the columns x0, x1, ...;
//	                        at most one per row type
//	doc:"..."               what the column holds
//	unit:"..."              its unit, if it has one
//
// Field types: string, bool, int, int64, float64, []int, []int64, []float64.
// A Go int is stored as int64. Reading matches columns by name, so a reader
// accepts tables with extra columns (a collect fan-in, for example); a
// missing column or a column of another type is an error naming both.
type Table[R any] struct {
	codecs  []codec
	columns []Column
	spread  int // index into codecs of the x* field, or -1
}

// Column documents one column of a table.
type Column struct {
	Name     string // for a spread field: "x0, x1, ..."
	Type     string // Arrow type, such as "float64" or "list<item: int64, nullable>"
	Unit     string
	Doc      string
	Nullable bool
}

type codecKind int

const (
	kindString codecKind = iota
	kindBool
	kindInt
	kindInt64
	kindFloat64
	kindIntList
	kindInt64List
	kindFloat64List
	kindSpread
)

type codec struct {
	name     string
	kind     codecKind
	offset   uintptr
	nullable bool
	typ      arrow.DataType
}

// NewTable declares a table from its row type. It panics on a malformed
// declaration: tables are package-level variables, so a bad tag fails every
// test of the package at start-up.
func NewTable[R any]() *Table[R] {
	t, err := newTable[R]()
	if err != nil {
		panic(err)
	}
	return t
}

func newTable[R any]() (*Table[R], error) {
	rt := reflect.TypeFor[R]()
	if rt.Kind() != reflect.Struct {
		return nil, fmt.Errorf("schemas.NewTable: row type %s is not a struct", rt)
	}
	t := &Table[R]{spread: -1}
	if err := t.addFields(rt, 0, map[string]bool{}); err != nil {
		return nil, err
	}
	if len(t.codecs) == 0 {
		return nil, fmt.Errorf("schemas.NewTable: %s has no arrow-tagged fields", rt.Name())
	}
	return t, nil
}

// addFields declares the columns of struct type rt at offset base; an
// embedded struct without an arrow tag contributes its own columns in place.
func (t *Table[R]) addFields(rt reflect.Type, base uintptr, seen map[string]bool) error {
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		tag, ok := f.Tag.Lookup("arrow")
		if !ok && f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := t.addFields(f.Type, base+f.Offset, seen); err != nil {
				return err
			}
			continue
		}
		if !ok || tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		c := codec{name: name, offset: base + f.Offset}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "":
			case "nullable":
				c.nullable = true
			default:
				return fmt.Errorf("schemas.NewTable: %s.%s: unknown tag option %q", rt.Name(), f.Name, o)
			}
		}
		if strings.HasSuffix(name, "*") {
			if f.Type != reflect.TypeFor[[]float64]() {
				return fmt.Errorf("schemas.NewTable: %s.%s: a spread column %q must be []float64", rt.Name(), f.Name, name)
			}
			if t.spread >= 0 {
				return fmt.Errorf("schemas.NewTable: %s: more than one spread column", rt.Name())
			}
			c.name, c.kind, c.typ = strings.TrimSuffix(name, "*"), kindSpread, arrow.PrimitiveTypes.Float64
			t.spread = len(t.codecs)
		} else {
			var err error
			if c.kind, c.typ, err = kindOf(f.Type); err != nil {
				return fmt.Errorf("schemas.NewTable: %s.%s: %w", rt.Name(), f.Name, err)
			}
		}
		if c.name == "" || seen[c.name] {
			return fmt.Errorf("schemas.NewTable: %s.%s: empty or repeated column name %q", rt.Name(), f.Name, c.name)
		}
		seen[c.name] = true
		t.codecs = append(t.codecs, c)
		col := Column{Name: c.name, Type: c.typ.String(), Unit: f.Tag.Get("unit"), Doc: f.Tag.Get("doc"), Nullable: c.nullable}
		if c.kind == kindSpread {
			col.Name = c.name + "0, " + c.name + "1, ..."
		}
		t.columns = append(t.columns, col)
	}
	return nil
}

func kindOf(t reflect.Type) (codecKind, arrow.DataType, error) {
	switch t {
	case reflect.TypeFor[string]():
		return kindString, arrow.BinaryTypes.String, nil
	case reflect.TypeFor[bool]():
		return kindBool, arrow.FixedWidthTypes.Boolean, nil
	case reflect.TypeFor[int]():
		return kindInt, arrow.PrimitiveTypes.Int64, nil
	case reflect.TypeFor[int64]():
		return kindInt64, arrow.PrimitiveTypes.Int64, nil
	case reflect.TypeFor[float64]():
		return kindFloat64, arrow.PrimitiveTypes.Float64, nil
	case reflect.TypeFor[[]int]():
		return kindIntList, arrow.ListOf(arrow.PrimitiveTypes.Int64), nil
	case reflect.TypeFor[[]int64]():
		return kindInt64List, arrow.ListOf(arrow.PrimitiveTypes.Int64), nil
	case reflect.TypeFor[[]float64]():
		return kindFloat64List, arrow.ListOf(arrow.PrimitiveTypes.Float64), nil
	}
	return 0, nil, fmt.Errorf("unsupported field type %s", t)
}

// Columns documents the table's columns, in order.
func (t *Table[R]) Columns() []Column { return append([]Column(nil), t.columns...) }

// SpreadColumn names the i-th column of the table's spread field (x0, x1, ...).
func (t *Table[R]) SpreadColumn(i int) string {
	return t.codecs[t.spread].name + strconv.Itoa(i)
}

// Schema is the table's Arrow schema with the given schema metadata (nil for
// none). A spread field contributes no column: use SchemaWidth.
func (t *Table[R]) Schema(meta map[string]string) *arrow.Schema {
	return t.SchemaWidth(0, meta)
}

// SchemaWidth is Schema with width columns for the spread field.
func (t *Table[R]) SchemaWidth(width int, meta map[string]string) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(t.codecs)+width)
	for _, c := range t.codecs {
		if c.kind == kindSpread {
			for k := 0; k < width; k++ {
				fields = append(fields, arrow.Field{Name: c.name + strconv.Itoa(k), Type: c.typ, Nullable: c.nullable})
			}
			continue
		}
		fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: c.nullable})
	}
	if meta == nil {
		return arrow.NewSchema(fields, nil)
	}
	md := arrow.MetadataFrom(meta)
	return arrow.NewSchema(fields, &md)
}

// Record writes rows as a record with the given schema metadata. A spread
// field gets as many columns as its longest slice; shorter ones are padded
// with NaN.
func (t *Table[R]) Record(rows []R, meta map[string]string) arrow.RecordBatch {
	width := 0
	if t.spread >= 0 {
		off := t.codecs[t.spread].offset
		for i := range rows {
			width = max(width, len(*(*[]float64)(fieldPtr(&rows[i], off))))
		}
	}
	return t.RecordWidth(rows, width, meta)
}

// RecordWidth is Record with exactly width spread columns (longer slices
// are cut, shorter ones padded with NaN).
func (t *Table[R]) RecordWidth(rows []R, width int, meta map[string]string) arrow.RecordBatch {
	schema := t.SchemaWidth(width, meta)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	field := 0
	for _, c := range t.codecs {
		if c.kind == kindSpread {
			for k := 0; k < width; k++ {
				appendSpread(b.Field(field).(*array.Float64Builder), rows, c, k)
				field++
			}
			continue
		}
		appendColumn(b.Field(field), rows, c)
		field++
	}
	return b.NewRecordBatch()
}

func fieldPtr[R any](row *R, off uintptr) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(row), off)
}

func appendSpread[R any](fb *array.Float64Builder, rows []R, c codec, k int) {
	for i := range rows {
		xs := *(*[]float64)(fieldPtr(&rows[i], c.offset))
		v := math.NaN()
		if k < len(xs) {
			v = xs[k]
		}
		if c.nullable && math.IsNaN(v) {
			fb.AppendNull()
			continue
		}
		fb.Append(v)
	}
}

func appendColumn[R any](cb array.Builder, rows []R, c codec) {
	switch c.kind {
	case kindString:
		sb := cb.(*array.StringBuilder)
		for i := range rows {
			v := *(*string)(fieldPtr(&rows[i], c.offset))
			if c.nullable && v == "" {
				sb.AppendNull()
				continue
			}
			sb.Append(v)
		}
	case kindBool:
		bb := cb.(*array.BooleanBuilder)
		for i := range rows {
			bb.Append(*(*bool)(fieldPtr(&rows[i], c.offset)))
		}
	case kindInt:
		ib := cb.(*array.Int64Builder)
		for i := range rows {
			ib.Append(int64(*(*int)(fieldPtr(&rows[i], c.offset))))
		}
	case kindInt64:
		ib := cb.(*array.Int64Builder)
		for i := range rows {
			ib.Append(*(*int64)(fieldPtr(&rows[i], c.offset)))
		}
	case kindFloat64:
		fb := cb.(*array.Float64Builder)
		for i := range rows {
			v := *(*float64)(fieldPtr(&rows[i], c.offset))
			if c.nullable && math.IsNaN(v) {
				fb.AppendNull()
				continue
			}
			fb.Append(v)
		}
	case kindIntList, kindInt64List, kindFloat64List:
		lb := cb.(*array.ListBuilder)
		for i := range rows {
			p := fieldPtr(&rows[i], c.offset)
			switch c.kind {
			case kindIntList:
				xs := *(*[]int)(p)
				if !appendListHead(lb, xs == nil, c.nullable) {
					continue
				}
				vb := lb.ValueBuilder().(*array.Int64Builder)
				for _, v := range xs {
					vb.Append(int64(v))
				}
			case kindInt64List:
				xs := *(*[]int64)(p)
				if appendListHead(lb, xs == nil, c.nullable) {
					lb.ValueBuilder().(*array.Int64Builder).AppendValues(xs, nil)
				}
			case kindFloat64List:
				xs := *(*[]float64)(p)
				if appendListHead(lb, xs == nil, c.nullable) {
					lb.ValueBuilder().(*array.Float64Builder).AppendValues(xs, nil)
				}
			}
		}
	}
}

// appendListHead starts a list value, or appends a null for a nil list of a
// nullable column; it reports whether the values should follow.
func appendListHead(lb *array.ListBuilder, isNil, nullable bool) bool {
	if isNil && nullable {
		lb.AppendNull()
		return false
	}
	lb.Append(true)
	return true
}

// Read decodes a record into rows. Columns are matched by name; a spread
// field takes the columns x0, x1, ... that are present.
func (t *Table[R]) Read(rec arrow.RecordBatch) ([]R, error) {
	if rec == nil {
		return nil, fmt.Errorf("no table")
	}
	sch := rec.Schema()
	n := int(rec.NumRows())
	rows := make([]R, n)
	for _, c := range t.codecs {
		if c.kind == kindSpread {
			if err := readSpread(rec, rows, c); err != nil {
				return nil, err
			}
			continue
		}
		idx := sch.FieldIndices(c.name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("table has no column %q (want %s)", c.name, c.typ)
		}
		col := rec.Column(idx[0])
		if !arrow.TypeEqual(col.DataType(), c.typ) {
			return nil, fmt.Errorf("column %q is %s, want %s", c.name, col.DataType(), c.typ)
		}
		readColumn(col, rows, c)
	}
	return rows, nil
}

func readSpread[R any](rec arrow.RecordBatch, rows []R, c codec) error {
	sch := rec.Schema()
	var cols []*array.Float64
	for k := 0; ; k++ {
		name := c.name + strconv.Itoa(k)
		idx := sch.FieldIndices(name)
		if len(idx) == 0 {
			break
		}
		fc, ok := rec.Column(idx[0]).(*array.Float64)
		if !ok {
			return fmt.Errorf("column %q is %s, want float64", name, rec.Column(idx[0]).DataType())
		}
		cols = append(cols, fc)
	}
	if len(cols) == 0 {
		return fmt.Errorf("table has no columns %s0, %s1, ...", c.name, c.name)
	}
	d := len(cols)
	backing := make([]float64, len(rows)*d)
	for k, fc := range cols {
		vals := fc.Float64Values()
		hasNulls := fc.NullN() > 0
		for i := range rows {
			v := vals[i]
			if hasNulls && fc.IsNull(i) {
				v = math.NaN()
			}
			backing[i*d+k] = v
		}
	}
	for i := range rows {
		*(*[]float64)(fieldPtr(&rows[i], c.offset)) = backing[i*d : (i+1)*d : (i+1)*d]
	}
	return nil
}

func readColumn[R any](col arrow.Array, rows []R, c codec) {
	hasNulls := col.NullN() > 0
	switch c.kind {
	case kindString:
		a := col.(*array.String)
		for i := range rows {
			if hasNulls && a.IsNull(i) {
				continue
			}
			*(*string)(fieldPtr(&rows[i], c.offset)) = a.Value(i)
		}
	case kindBool:
		a := col.(*array.Boolean)
		for i := range rows {
			if hasNulls && a.IsNull(i) {
				continue
			}
			*(*bool)(fieldPtr(&rows[i], c.offset)) = a.Value(i)
		}
	case kindInt, kindInt64:
		vals := col.(*array.Int64).Int64Values()
		for i := range rows {
			if hasNulls && col.IsNull(i) {
				continue
			}
			p := fieldPtr(&rows[i], c.offset)
			if c.kind == kindInt {
				*(*int)(p) = int(vals[i])
			} else {
				*(*int64)(p) = vals[i]
			}
		}
	case kindFloat64:
		vals := col.(*array.Float64).Float64Values()
		for i := range rows {
			v := vals[i]
			if hasNulls && col.IsNull(i) {
				v = math.NaN()
			}
			*(*float64)(fieldPtr(&rows[i], c.offset)) = v
		}
	case kindIntList, kindInt64List, kindFloat64List:
		a := col.(*array.List)
		offsets := a.Offsets()
		for i := range rows {
			if hasNulls && a.IsNull(i) {
				continue
			}
			lo, hi := int(offsets[i]), int(offsets[i+1])
			p := fieldPtr(&rows[i], c.offset)
			switch c.kind {
			case kindIntList:
				vals := a.ListValues().(*array.Int64).Int64Values()
				xs := make([]int, hi-lo)
				for j := range xs {
					xs[j] = int(vals[lo+j])
				}
				*(*[]int)(p) = xs
			case kindInt64List:
				vals := a.ListValues().(*array.Int64).Int64Values()
				*(*[]int64)(p) = append(make([]int64, 0, hi-lo), vals[lo:hi]...)
			case kindFloat64List:
				vals := a.ListValues().(*array.Float64).Float64Values()
				*(*[]float64)(p) = append(make([]float64, 0, hi-lo), vals[lo:hi]...)
			}
		}
	}
}
