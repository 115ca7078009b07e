package artifacts

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// WriteIPC writes rec to w as a complete Arrow IPC file (the random-access
// "Feather v2" format that pyarrow.ipc.open_file, polars.read_ipc and
// arrow::ipc::RecordBatchFileReader open), keeping schema and field
// metadata. The output is uncompressed and depends only on rec, so equal
// records give byte-identical files.
func WriteIPC(w io.Writer, rec arrow.RecordBatch) error {
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return fmt.Errorf("arrow ipc: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		_ = fw.Close()
		return fmt.Errorf("arrow ipc: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("arrow ipc: %w", err)
	}
	return nil
}

// ReadIPCFile reads the Arrow IPC file at path into one record batch,
// concatenating its batches if it has several (a file without batches gives
// an empty batch with the file's schema). The caller must Release it.
func ReadIPCFile(path string) (arrow.RecordBatch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec, err := decodeIPC(data, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}

// decodeIPC decodes a whole Arrow IPC file held in memory into one batch.
// A damaged file is an error, never a panic: its flatbuffers are checked
// before arrow-go reads them (verifyIPCFile), the decoded columns after
// (checkColumns), and a panic that still escapes arrow-go is recovered as a
// last resort.
func decodeIPC(data []byte, mem memory.Allocator) (rec arrow.RecordBatch, err error) {
	if err := verifyIPCFile(data); err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			if rec != nil {
				rec.Release()
			}
			rec, err = nil, fmt.Errorf("arrow ipc: %w: %w: %v", errDamaged, errRecovered, p)
		}
	}()
	rec, err = readIPC(data, mem)
	if err != nil {
		return nil, err
	}
	if err := checkColumns(rec); err != nil {
		rec.Release()
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	return rec, nil
}

func readIPC(data []byte, mem memory.Allocator) (arrow.RecordBatch, error) {
	r, err := ipc.NewFileReader(bytes.NewReader(data), ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	defer r.Close()
	schema := r.Schema()
	n := r.NumRecords()
	if n == 1 {
		rec, err := r.RecordBatchAt(0)
		if err != nil {
			return nil, fmt.Errorf("arrow ipc: batch 0: %w", err)
		}
		return rec, nil
	}
	if n == 0 {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		return b.NewRecordBatch(), nil
	}
	recs := make([]arrow.RecordBatch, 0, n)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var rows int64
	for i := 0; i < n; i++ {
		rec, err := r.RecordBatchAt(i)
		if err != nil {
			return nil, fmt.Errorf("arrow ipc: batch %d: %w", i, err)
		}
		recs = append(recs, rec)
		rows += rec.NumRows()
	}
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	parts := make([]arrow.Array, n)
	for j := range cols {
		for i, rec := range recs {
			parts[i] = rec.Column(j)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, fmt.Errorf("arrow ipc: concatenate column %q: %w", schema.Field(j).Name, err)
		}
		cols[j] = c
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}
