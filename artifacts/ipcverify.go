package artifacts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// arrow-go reads an IPC file's footer and message metadata with unchecked
// flatbuffers accessors: a damaged offset panics (slice bounds) instead of
// failing. verifyIPCFile walks the flatbuffers the reader will touch (the
// footer, its schema, every record batch and dictionary message) with bounds
// checks first, so damage is an error naming what is wrong. Field layouts
// follow Arrow's format/File.fbs, Schema.fbs and Message.fbs.

var arrowMagic = []byte("ARROW1")

// errDamaged wraps every verification failure.
var errDamaged = errors.New("damaged Arrow file")

// errRecovered marks damage that the checks missed and arrow-go panicked on.
var errRecovered = errors.New("reader panicked")

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errDamaged, fmt.Sprintf(format, args...))
}

// fbuf is a flatbuffer with bounds-checked reads.
type fbuf struct {
	b []byte
}

func (f fbuf) u16(pos int) (int, bool) {
	if pos < 0 || pos+2 > len(f.b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(f.b[pos:])), true
}

func (f fbuf) u32(pos int) (int64, bool) {
	if pos < 0 || pos+4 > len(f.b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint32(f.b[pos:])), true
}

func (f fbuf) i64(pos int) (int64, bool) {
	if pos < 0 || pos+8 > len(f.b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(f.b[pos:])), true
}

// table checks the table at pos (its vtable and object) and returns an
// accessor of its fields.
func (f fbuf) table(pos int, what string) (fbTable, error) {
	if pos < 0 || pos+4 > len(f.b) {
		return fbTable{}, damaged("%s: table offset %d outside %d bytes", what, pos, len(f.b))
	}
	soff := int64(int32(binary.LittleEndian.Uint32(f.b[pos:])))
	vt := int64(pos) - soff
	if vt < 0 || vt+4 > int64(len(f.b)) {
		return fbTable{}, damaged("%s: vtable offset %d outside %d bytes", what, vt, len(f.b))
	}
	vtSize, _ := f.u16(int(vt))
	objSize, _ := f.u16(int(vt) + 2)
	if vtSize < 4 || vtSize%2 != 0 || int(vt)+vtSize > len(f.b) || objSize < 4 || pos+objSize > len(f.b) {
		return fbTable{}, damaged("%s: bad vtable (size %d, object %d)", what, vtSize, objSize)
	}
	// Every present field lies inside the object: readers of fields this
	// walk does not know (the type tables' scalars) stay in bounds too.
	for slot := 4; slot+2 <= vtSize; slot += 2 {
		if off, _ := f.u16(int(vt) + slot); off >= objSize && off != 0 {
			return fbTable{}, damaged("%s: field %d at %d outside its %d-byte object", what, (slot-4)/2, off, objSize)
		}
	}
	return fbTable{f: f, pos: pos, vt: int(vt), vtSize: vtSize, objSize: objSize, what: what}, nil
}

// typeScalars are the inline sizes of the scalar fields of Schema.fbs's type
// tables, by Type enum value, so that reading them stays inside the object.
var typeScalars = map[byte][]int{
	2:  {4, 1},    // Int: bitWidth, is_signed
	3:  {2},       // FloatingPoint: precision
	7:  {4, 4, 4}, // Decimal: precision, scale, bitWidth
	8:  {2},       // Date: unit
	9:  {2, 4},    // Time: unit, bitWidth
	10: {2},       // Timestamp: unit (then timezone)
	11: {2},       // Interval: unit
	14: {2},       // Union: mode (then typeIds)
	15: {4},       // FixedSizeBinary: byteWidth
	16: {4},       // FixedSizeList: listSize
	17: {1},       // Map: keysSorted
	18: {2},       // Duration: unit
}

// maxArrowType is the last Type enum value of Schema.fbs (LargeListView).
const maxArrowType = 26

type fbTable struct {
	f                        fbuf
	pos, vt, vtSize, objSize int
	what                     string
}

// field returns the absolute position of field i, or -1 when absent; size
// is the inline size of the field, which must lie inside the object.
func (t fbTable) field(i, size int) (int, error) {
	slot := 4 + 2*i
	if slot+2 > t.vtSize {
		return -1, nil
	}
	off, _ := t.f.u16(t.vt + slot)
	if off == 0 {
		return -1, nil
	}
	if off+size > t.objSize {
		return -1, damaged("%s: field %d at %d outside its %d-byte object", t.what, i, off, t.objSize)
	}
	return t.pos + off, nil
}

// ref follows the offset stored in field i (a table, vector or string),
// returning -1 when the field is absent.
func (t fbTable) ref(i int) (int, error) {
	p, err := t.field(i, 4)
	if err != nil || p < 0 {
		return p, err
	}
	u, _ := t.f.u32(p)
	target := int64(p) + u
	if target >= int64(len(t.f.b)) {
		return -1, damaged("%s: field %d points outside %d bytes", t.what, i, len(t.f.b))
	}
	return int(target), nil
}

// vector checks the vector in field i, of elements elem bytes wide, and
// returns the position of its first element and its length.
func (t fbTable) vector(i, elem int) (start, n int, err error) {
	p, err := t.ref(i)
	if err != nil || p < 0 {
		return p, 0, err
	}
	l, ok := t.f.u32(p)
	if !ok || int64(p)+4+l*int64(elem) > int64(len(t.f.b)) {
		return -1, 0, damaged("%s: vector in field %d of %d elements overruns %d bytes", t.what, i, l, len(t.f.b))
	}
	return p + 4, int(l), nil
}

// tables checks each table of the vector of tables in field i with check.
func (t fbTable) tables(i int, what string, check func(fbTable) error) error {
	start, n, err := t.vector(i, 4)
	if err != nil || start < 0 {
		return err
	}
	for k := 0; k < n; k++ {
		p := start + 4*k
		u, _ := t.f.u32(p)
		sub, err := t.f.table(int(int64(p)+u), fmt.Sprintf("%s[%d]", what, k))
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// sub checks the table in field i (absent is fine) with check.
func (t fbTable) sub(i int, what string, check func(fbTable) error) error {
	p, err := t.ref(i)
	if err != nil || p < 0 {
		return err
	}
	s, err := t.f.table(p, what)
	if err != nil || check == nil {
		return err
	}
	return check(s)
}

func (t fbTable) str(i int) error {
	_, _, err := t.vector(i, 1)
	return err
}

func checkKeyValue(kv fbTable) error {
	if err := kv.str(0); err != nil {
		return err
	}
	return kv.str(1)
}

const maxFieldDepth = 64

func checkField(depth int) func(fbTable) error {
	return func(fl fbTable) error {
		if depth > maxFieldDepth {
			return damaged("schema nested deeper than %d", maxFieldDepth)
		}
		if err := fl.str(0); err != nil {
			return err
		}
		for i, size := range map[int]int{1: 1, 2: 1} {
			if _, err := fl.field(i, size); err != nil {
				return err
			}
		}
		// The type union: every type table is checked for its header;
		// Timestamp (10) also has a string, Union (14) an int vector.
		typ := byte(0)
		if p, _ := fl.field(2, 1); p >= 0 {
			typ = fl.f.b[p]
		}
		if typ == 0 || typ > maxArrowType {
			return damaged("%s: unknown type %d", fl.what, typ)
		}
		err := fl.sub(3, fl.what+".type", func(tt fbTable) error {
			for i, size := range typeScalars[typ] {
				if _, err := tt.field(i, size); err != nil {
					return err
				}
			}
			switch typ {
			case 10:
				return tt.str(1)
			case 14:
				_, _, err := tt.vector(1, 4)
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := fl.sub(4, fl.what+".dictionary", func(d fbTable) error {
			return d.sub(1, d.what+".indexType", nil)
		}); err != nil {
			return err
		}
		if err := fl.tables(5, fl.what+".children", checkField(depth+1)); err != nil {
			return err
		}
		return fl.tables(6, fl.what+".metadata", checkKeyValue)
	}
}

func checkSchema(s fbTable) error {
	if err := s.tables(1, "schema.fields", checkField(0)); err != nil {
		return err
	}
	if err := s.tables(2, "schema.metadata", checkKeyValue); err != nil {
		return err
	}
	_, _, err := s.vector(3, 8)
	return err
}

type ipcBlock struct {
	offset, body int64
	meta         int32
}

// verifyIPCFile checks the framing and every flatbuffer of an Arrow IPC file.
func verifyIPCFile(data []byte) error {
	const tail = 4 + 6 // footer length, magic
	if len(data) < 8+tail || !bytes.Equal(data[:6], arrowMagic) || !bytes.Equal(data[len(data)-6:], arrowMagic) {
		return damaged("no Arrow file magic at both ends (%d bytes)", len(data))
	}
	size := int64(binary.LittleEndian.Uint32(data[len(data)-tail:]))
	if size < 8 || size > int64(len(data)-8-tail) {
		return damaged("footer length %d in a %d-byte file", size, len(data))
	}
	footerEnd := int64(len(data) - tail)
	fb := fbuf{b: data[footerEnd-size : footerEnd]}
	root, _ := fb.u32(0)
	footer, err := fb.table(int(root), "footer")
	if err != nil {
		return err
	}
	if _, err := footer.field(0, 2); err != nil {
		return err
	}
	if err := footer.sub(1, "schema", checkSchema); err != nil {
		return err
	}
	if err := footer.tables(4, "footer.metadata", checkKeyValue); err != nil {
		return err
	}
	for _, vec := range []int{2, 3} { // dictionaries, record batches
		start, n, err := footer.vector(vec, 24)
		if err != nil {
			return err
		}
		for k := 0; k < n; k++ {
			p := start + 24*k
			off, _ := fb.i64(p)
			meta, _ := fb.u32(p + 8)
			body, _ := fb.i64(p + 16)
			b := ipcBlock{offset: off, meta: int32(meta), body: body}
			if err := verifyMessage(data[:footerEnd-size], b, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// verifyMessage checks the metadata flatbuffer of one block (Message.fbs).
func verifyMessage(data []byte, b ipcBlock, k int) error {
	n := int64(len(data))
	if b.offset < 0 || b.meta < 8 || b.body < 0 || b.offset > n || int64(b.meta) > n-b.offset || b.body > n-b.offset-int64(b.meta) {
		return damaged("block %d (offset %d, metadata %d, body %d) outside the file", k, b.offset, b.meta, b.body)
	}
	m := data[b.offset : b.offset+int64(b.meta)]
	// An encapsulated message: 0xFFFFFFFF, then the flatbuffer's length
	// (the pre-1.0 format has the length alone).
	start := 4
	if binary.LittleEndian.Uint32(m) == 0xFFFFFFFF {
		start = 8
	}
	fb := fbuf{b: m[start:]}
	root, ok := fb.u32(0)
	if !ok {
		return damaged("block %d: empty message", k)
	}
	msg, err := fb.table(int(root), fmt.Sprintf("message %d", k))
	if err != nil {
		return err
	}
	for i, size := range map[int]int{0: 2, 1: 1, 3: 8} {
		if _, err := msg.field(i, size); err != nil {
			return err
		}
	}
	if err := msg.tables(4, msg.what+".metadata", checkKeyValue); err != nil {
		return err
	}
	// The header: a RecordBatch, or a DictionaryBatch holding one in field 1.
	checkBatch := func(rb fbTable) error {
		if _, err := rb.field(0, 8); err != nil {
			return err
		}
		for _, vec := range []int{1, 2} { // nodes, buffers: 16-byte structs
			if _, _, err := rb.vector(vec, 16); err != nil {
				return err
			}
		}
		if err := rb.sub(3, rb.what+".compression", nil); err != nil {
			return err
		}
		_, _, err := rb.vector(4, 8)
		return err
	}
	p, _ := msg.field(1, 1)
	kind := byte(0)
	if p >= 0 {
		kind = fb.b[p]
	}
	return msg.sub(2, msg.what+".header", func(h fbTable) error {
		switch kind {
		case 3: // RecordBatch
			return checkBatch(h)
		case 2: // DictionaryBatch
			return h.sub(1, h.what+".data", checkBatch)
		}
		return nil
	})
}

// checkColumns verifies that every buffer of every column is as long as its
// length says, so that reading a value never runs past it (arrow-go trusts
// the lengths in the metadata).
func checkColumns(rec arrow.RecordBatch) error {
	for j, col := range rec.Columns() {
		if int64(col.Len()) != rec.NumRows() {
			return damaged("column %d has %d rows, the batch %d", j, col.Len(), rec.NumRows())
		}
		if err := checkData(col.Data(), 0); err != nil {
			return fmt.Errorf("column %q: %w", rec.Schema().Field(j).Name, err)
		}
		if v, ok := col.(interface{ ValidateFull() error }); ok {
			if err := v.ValidateFull(); err != nil {
				return fmt.Errorf("%w: column %q: %v", errDamaged, rec.Schema().Field(j).Name, err)
			}
		}
	}
	return nil
}

func checkData(d arrow.ArrayData, depth int) error {
	if depth > maxFieldDepth {
		return damaged("nested deeper than %d", maxFieldDepth)
	}
	if d.Len() < 0 || d.Offset() < 0 {
		return damaged("negative length or offset")
	}
	end := int64(d.Offset()) + int64(d.Len())
	bufs := d.Buffers()
	if len(bufs) > 0 && bufs[0] != nil && int64(bufs[0].Len()) < bitutil.BytesForBits(end) {
		return damaged("validity bitmap of %d bytes for %d values", bufs[0].Len(), end)
	}
	if d.NullN() > 0 && (len(bufs) == 0 || bufs[0] == nil) && d.DataType().ID() != arrow.NULL {
		return damaged("%d nulls without a validity bitmap", d.NullN())
	}
	if fw, ok := d.DataType().(arrow.FixedWidthDataType); ok && d.DataType().ID() != arrow.DICTIONARY {
		need := (end*int64(fw.BitWidth()) + 7) / 8
		if len(bufs) < 2 || bufs[1] == nil {
			if need > 0 {
				return damaged("no data buffer for %d values", d.Len())
			}
		} else if int64(bufs[1].Len()) < need {
			return damaged("data buffer of %d bytes for %d values of %d bits", bufs[1].Len(), end, fw.BitWidth())
		}
	}
	switch d.DataType().ID() {
	case arrow.STRING, arrow.BINARY, arrow.LIST, arrow.MAP:
		if end > 0 && (len(bufs) < 2 || bufs[1] == nil || int64(bufs[1].Len()) < 4*(end+1)) {
			return damaged("offsets buffer too short for %d values", end)
		}
	case arrow.LARGE_STRING, arrow.LARGE_BINARY, arrow.LARGE_LIST:
		if end > 0 && (len(bufs) < 2 || bufs[1] == nil || int64(bufs[1].Len()) < 8*(end+1)) {
			return damaged("offsets buffer too short for %d values", end)
		}
	}
	for _, c := range d.Children() {
		if d.DataType().ID() == arrow.STRUCT && int64(c.Offset())+int64(c.Len()) < end {
			return damaged("struct child of %d values under %d", c.Len(), end)
		}
		if err := checkData(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}
