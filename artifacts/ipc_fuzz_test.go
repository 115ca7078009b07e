package artifacts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ipcSeeds are real Arrow files: outputs of `runner run generate` and
// `runner run sample` (testdata/ipc), plus a file of three batches and one
// of none, written here.
func ipcSeeds(t testing.TB) [][]byte {
	files, err := filepath.Glob("testdata/ipc/*.arrow")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed files in testdata/ipc: %v", err)
	}
	var seeds [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	for _, batches := range []int{3, 0} {
		var buf bytes.Buffer
		w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < batches; i++ {
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			b.Field(0).(*array.StringBuilder).AppendValues([]string{"a", "bc", ""}, nil)
			b.Field(1).(*array.Float64Builder).AppendValues([]float64{1, 2, float64(i)}, []bool{true, false, true})
			b.Field(2).(*array.BooleanBuilder).AppendValues([]bool{true, false, true}, nil)
			rec := b.NewRecordBatch()
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			b.Release()
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	return seeds
}

// FuzzReadIPC feeds damaged Arrow files to the reader: it must return an
// error or a batch whose every value can be read, never panic. The seeds
// include each real file with bytes flipped near its end, where the footer
// is (the damage that used to panic in flatbuffers).
func FuzzReadIPC(f *testing.F) {
	for _, s := range ipcSeeds(f) {
		f.Add(s)
		for _, back := range []int{11, 17, 40, 64} {
			if back < len(s) {
				d := bytes.Clone(s)
				d[len(d)-back] ^= 0xff
				f.Add(d)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeIPC(data, memory.DefaultAllocator)
		if errors.Is(err, errRecovered) {
			// Caught, but by the last resort: the checks should say what
			// is damaged before arrow-go reads it.
			t.Fatalf("damage missed by verifyIPCFile: %v", err)
		}
		if err != nil {
			return
		}
		defer rec.Release()
		for j, col := range rec.Columns() {
			if int64(col.Len()) != rec.NumRows() {
				t.Fatalf("column %d has %d rows, the batch %d", j, col.Len(), rec.NumRows())
			}
			for i := 0; i < col.Len(); i++ {
				_ = col.ValueStr(i)
			}
		}
	})
}

// TestReadIPCDamagedEnds flips every byte of the last 128 of each seed, one
// at a time, and reads the result: an error or a readable batch, no panic.
func TestReadIPCDamagedEnds(t *testing.T) {
	recovered := 0
	for _, s := range ipcSeeds(t) {
		for back := 1; back <= 128 && back <= len(s); back++ {
			d := bytes.Clone(s)
			d[len(d)-back] ^= 0x5a
			rec, err := decodeIPC(d, memory.DefaultAllocator)
			if err != nil {
				if errors.Is(err, errRecovered) {
					recovered++
				}
				continue
			}
			for _, col := range rec.Columns() {
				for i := 0; i < col.Len(); i++ {
					_ = col.ValueStr(i)
				}
			}
			rec.Release()
		}
	}
	// The checks, not the last-resort recover, must catch footer damage.
	if recovered > 0 {
		t.Errorf("%d damaged files reached the recover() fallback", recovered)
	}
}

func TestReadIPCSeeds(t *testing.T) {
	for i, s := range ipcSeeds(t) {
		rec, err := decodeIPC(s, memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		rec.Release()
	}
}
