package forecast

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/models"
)

// Column names of model tables.
const (
	colSystem = "system"
	colFamily = "family"
	colHyper  = "hyper"
	colArray  = "array"
	colShape  = "shape"
	colData   = "data"
	colError  = "error"
)

// ModelSchema is the schema of the train stage's `model` output: one row per
// (system, weight array) of the fitted snapshots, in snapshot order. A
// system whose snapshot has no arrays, or whose fit failed, has one row with
// a null array; error is non-null exactly when the fit failed. hyper is the
// snapshot's hyperparameters as a JSON object. A nil shape or data slice is
// stored as null, an empty one as an empty list, so decoding is exact.
var ModelSchema = arrow.NewSchema([]arrow.Field{
	{Name: colSystem, Type: arrow.BinaryTypes.String},
	{Name: colFamily, Type: arrow.BinaryTypes.String},
	{Name: colHyper, Type: arrow.BinaryTypes.String},
	{Name: colArray, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: colShape, Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	{Name: colData, Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
	{Name: colError, Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// fitted is one system's entry of a model table: a snapshot or a failure.
type fitted struct {
	System   string
	Snapshot models.Snapshot
	Err      string // non-empty: the fit failed and Snapshot is empty
}

// encodeModels writes fitted snapshots as a model table with the given
// schema metadata.
func encodeModels(list []fitted, meta map[string]string) (arrow.RecordBatch, error) {
	md := arrow.MetadataFrom(meta)
	schema := arrow.NewSchema(ModelSchema.Fields(), &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	sysB := b.Field(0).(*array.StringBuilder)
	famB := b.Field(1).(*array.StringBuilder)
	hypB := b.Field(2).(*array.StringBuilder)
	arrB := b.Field(3).(*array.StringBuilder)
	shpB := b.Field(4).(*array.ListBuilder)
	shpV := shpB.ValueBuilder().(*array.Int64Builder)
	datB := b.Field(5).(*array.ListBuilder)
	datV := datB.ValueBuilder().(*array.Float64Builder)
	errB := b.Field(6).(*array.StringBuilder)
	for _, f := range list {
		hyper := f.Snapshot.Hyper
		if hyper == nil {
			hyper = models.Hyper{}
		}
		hj, err := json.Marshal(hyper)
		if err != nil {
			return nil, fmt.Errorf("%s: hyperparameters: %w", f.System, err)
		}
		head := func() {
			sysB.Append(f.System)
			famB.Append(f.Snapshot.Family)
			hypB.Append(string(hj))
		}
		if f.Err != "" || len(f.Snapshot.Arrays) == 0 {
			head()
			arrB.AppendNull()
			shpB.AppendNull()
			datB.AppendNull()
			if f.Err != "" {
				errB.Append(f.Err)
			} else {
				errB.AppendNull()
			}
			continue
		}
		for _, a := range f.Snapshot.Arrays {
			head()
			arrB.Append(a.Name)
			if a.Shape == nil {
				shpB.AppendNull()
			} else {
				shpB.Append(true)
				for _, v := range a.Shape {
					shpV.Append(int64(v))
				}
			}
			if a.Data == nil {
				datB.AppendNull()
			} else {
				datB.Append(true)
				datV.AppendValues(a.Data, nil)
			}
			errB.AppendNull()
		}
	}
	return b.NewRecordBatch(), nil
}

// decodeModels reads a model table back into per-system snapshots, in the
// order systems first appear.
func decodeModels(rec arrow.RecordBatch) ([]fitted, error) {
	if rec == nil {
		return nil, fmt.Errorf("no model table")
	}
	sch := rec.Schema()
	col := func(name string) (arrow.Array, error) {
		idx := sch.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("model table: column %q missing (is this the output of a train stage?)", name)
		}
		return rec.Column(idx[0]), nil
	}
	str := func(name string) (*array.String, error) {
		c, err := col(name)
		if err != nil {
			return nil, err
		}
		s, ok := c.(*array.String)
		if !ok {
			return nil, fmt.Errorf("model table: column %q is %s, want utf8", name, c.DataType())
		}
		return s, nil
	}
	list := func(name string) (*array.List, error) {
		c, err := col(name)
		if err != nil {
			return nil, err
		}
		l, ok := c.(*array.List)
		if !ok {
			return nil, fmt.Errorf("model table: column %q is %s, want a list", name, c.DataType())
		}
		return l, nil
	}
	sysC, err := str(colSystem)
	if err != nil {
		return nil, err
	}
	famC, err := str(colFamily)
	if err != nil {
		return nil, err
	}
	hypC, err := str(colHyper)
	if err != nil {
		return nil, err
	}
	arrC, err := str(colArray)
	if err != nil {
		return nil, err
	}
	errC, err := str(colError)
	if err != nil {
		return nil, err
	}
	shpC, err := list(colShape)
	if err != nil {
		return nil, err
	}
	datC, err := list(colData)
	if err != nil {
		return nil, err
	}
	shpV, ok := shpC.ListValues().(*array.Int64)
	if !ok {
		return nil, fmt.Errorf("model table: column %q holds %s, want int64", colShape, shpC.ListValues().DataType())
	}
	datV, ok := datC.ListValues().(*array.Float64)
	if !ok {
		return nil, fmt.Errorf("model table: column %q holds %s, want float64", colData, datC.ListValues().DataType())
	}

	var out []fitted
	index := map[string]int{}
	for i := 0; i < int(rec.NumRows()); i++ {
		sys := sysC.Value(i)
		j, seen := index[sys]
		if !seen {
			var hyper models.Hyper
			if err := json.Unmarshal([]byte(hypC.Value(i)), &hyper); err != nil {
				return nil, fmt.Errorf("model table: %s: hyper: %w", sys, err)
			}
			if hyper == nil {
				hyper = models.Hyper{}
			}
			j = len(out)
			index[sys] = j
			out = append(out, fitted{System: sys, Snapshot: models.Snapshot{Family: famC.Value(i), Hyper: hyper}})
		}
		f := &out[j]
		if f.Snapshot.Family != famC.Value(i) {
			return nil, fmt.Errorf("model table: %s: rows of two families, %s and %s", sys, f.Snapshot.Family, famC.Value(i))
		}
		if errC.IsValid(i) {
			f.Err = errC.Value(i)
		}
		if arrC.IsNull(i) {
			continue
		}
		a := models.Array{Name: arrC.Value(i)}
		if shpC.IsValid(i) {
			lo, hi := shpC.ValueOffsets(i)
			a.Shape = make([]int, hi-lo)
			for k := lo; k < hi; k++ {
				a.Shape[k-lo] = int(shpV.Value(int(k)))
			}
		}
		if datC.IsValid(i) {
			lo, hi := datC.ValueOffsets(i)
			a.Data = make([]float64, hi-lo)
			copy(a.Data, datV.Float64Values()[lo:hi])
		}
		f.Snapshot.Arrays = append(f.Snapshot.Arrays, a)
	}
	return out, nil
}
