package forecast

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/schemas"
)

// modelRow is one row of the train stage's `model` table: one (system,
// weight array) of the fitted snapshots, in snapshot order. A system whose
// snapshot has no arrays, or whose fit failed, has one row with a null
// array; error is non-null exactly when the fit failed. A nil shape or data
// slice is stored as null, an empty one as an empty list, so decoding is
// exact.
type modelRow struct {
	System string    `arrow:"system" doc:"catalog name of the system the model was fitted on"`
	Family string    `arrow:"family" doc:"model family (one of models.Names)"`
	Hyper  string    `arrow:"hyper" doc:"the snapshot's hyperparameters as a JSON object, repeated on every row of the system"`
	Array  string    `arrow:"array,nullable" doc:"name of the weight array; null on the single row of a system whose fit failed or whose snapshot has no arrays"`
	Shape  []int     `arrow:"shape,nullable" doc:"the array's shape (null for a nil shape)"`
	Data   []float64 `arrow:"data,nullable" doc:"the array's values in row-major order (null for nil data)"`
	Error  string    `arrow:"error,nullable" doc:"why the fit failed; null when it succeeded"`
}

// modelTable declares the model table.
var modelTable = schemas.NewTable[modelRow]()

// fitted is one system's entry of a model table: a snapshot or a failure.
type fitted struct {
	System   string
	Snapshot models.Snapshot
	Err      string // non-empty: the fit failed and Snapshot is empty
}

// encodeModels writes fitted snapshots as a model table with the given
// schema metadata.
func encodeModels(list []fitted, meta map[string]string) (arrow.RecordBatch, error) {
	var rows []modelRow
	for _, f := range list {
		hyper := f.Snapshot.Hyper
		if hyper == nil {
			hyper = models.Hyper{}
		}
		hj, err := json.Marshal(hyper)
		if err != nil {
			return nil, fmt.Errorf("%s: hyperparameters: %w", f.System, err)
		}
		head := modelRow{System: f.System, Family: f.Snapshot.Family, Hyper: string(hj)}
		if f.Err != "" || len(f.Snapshot.Arrays) == 0 {
			head.Error = f.Err
			rows = append(rows, head)
			continue
		}
		for k, a := range f.Snapshot.Arrays {
			// A null array marks a system without arrays, so a nameless
			// array would not read back.
			if a.Name == "" {
				return nil, fmt.Errorf("%s: %s snapshot array %d has no name", f.System, f.Snapshot.Family, k)
			}
			r := head
			r.Array, r.Shape, r.Data = a.Name, a.Shape, a.Data
			rows = append(rows, r)
		}
	}
	if meta == nil {
		// The model table has always carried (possibly empty) metadata.
		meta = map[string]string{}
	}
	return modelTable.Record(rows, meta), nil
}

// decodeModels reads a model table back into per-system snapshots, in the
// order systems first appear.
func decodeModels(rec arrow.RecordBatch) ([]fitted, error) {
	if rec == nil {
		return nil, fmt.Errorf("no model table")
	}
	rows, err := modelTable.Read(rec)
	if err != nil {
		return nil, fmt.Errorf("model table (is this the output of a train stage?): %w", err)
	}
	var out []fitted
	index := map[string]int{}
	for _, r := range rows {
		j, seen := index[r.System]
		if !seen {
			var hyper models.Hyper
			if err := json.Unmarshal([]byte(r.Hyper), &hyper); err != nil {
				return nil, fmt.Errorf("model table: %s: hyper: %w", r.System, err)
			}
			if hyper == nil {
				hyper = models.Hyper{}
			}
			j = len(out)
			index[r.System] = j
			out = append(out, fitted{System: r.System, Snapshot: models.Snapshot{Family: r.Family, Hyper: hyper}})
		}
		f := &out[j]
		if f.Snapshot.Family != r.Family {
			return nil, fmt.Errorf("model table: %s: rows of two families, %s and %s", r.System, f.Snapshot.Family, r.Family)
		}
		if r.Error != "" {
			f.Err = r.Error
		}
		if r.Array == "" {
			continue
		}
		f.Snapshot.Arrays = append(f.Snapshot.Arrays, models.Array{Name: r.Array, Shape: r.Shape, Data: r.Data})
	}
	return out, nil
}
