package forecast

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages/stagetest"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/model_table.arrow from the current writer")

// goldenModels covers every shape of a model table row: several arrays, a
// nil and an empty shape, nil and empty data, a snapshot without arrays, a
// failed fit, and partly null string columns (whose validity bitmaps once
// changed size when the declared writer reserved its builders).
func goldenModels() []fitted {
	return []fitted{
		{System: "Lorenz", Snapshot: models.Snapshot{Family: "nvar", Hyper: models.Hyper{"ridge": 1e-4, "delays": 2.0},
			Arrays: []models.Array{
				{Name: "w", Shape: []int{2, 3}, Data: []float64{1, -2, 3.5, 0, 1e-300, -0.0}},
				{Name: "mean", Shape: []int{}, Data: []float64{}},
				{Name: "scale", Shape: nil, Data: nil},
			}}},
		{System: "Rossler", Snapshot: models.Snapshot{Family: "naive"}},
		{System: "Chen", Snapshot: models.Snapshot{Family: "esn", Hyper: models.Hyper{}}, Err: "ridge solve: singular matrix"},
		{System: "Aizawa", Snapshot: models.Snapshot{Family: "linear_ar", Hyper: nil,
			Arrays: []models.Array{{Name: "coef", Shape: []int{4}, Data: []float64{0.25, 0.5, 0.75, 1}}}}},
	}
}

// TestModelTableBytes pins the model table's IPC bytes. The golden file was
// written by the hand-built writer the declared table replaced (commit
// 8a597b1^), so it proves that the declaration kept every byte, and that
// train's version (2) need not change.
func TestModelTableBytes(t *testing.T) {
	rec, err := encodeModels(goldenModels(), map[string]string{"systems": `[{"system":"Lorenz"}]`})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	got := stagetest.IPCBytes(t, rec)
	path := filepath.Join("testdata", "model_table.arrow")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("model table bytes changed (%d bytes, golden %d): bump train's version and rewrite the golden with -update", len(got), len(want))
	}
}
