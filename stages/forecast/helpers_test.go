package forecast

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/generate"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// generate runs the generate stage with YAML params.
func generate(t testing.TB, params string) stages.Outputs {
	t.Helper()
	return stagetest.Run(t, stagetest.Build(t, "generate", params, 42), nil)
}

// trainForecast fits a model on data's train table and forecasts its test
// table with the train table as history. The records are released when the
// test ends.
func trainForecast(t testing.TB, data stages.Outputs, trainParams, fcParams string) (model, fc arrow.RecordBatch) {
	t.Helper()
	mo := stagetest.Run(t, stagetest.Build(t, "train", trainParams, 7), stagetest.Inputs("train", data["train"]))
	fo := stagetest.Run(t, stagetest.Build(t, "forecast", fcParams, 7),
		stagetest.Inputs("model", mo["model"], "test", data["test"], "history", data["train"]))
	return mo["model"], fo["forecast"]
}

// forecastRows reads a forecast table.
func forecastRows(t testing.TB, rec arrow.RecordBatch) []ForecastRow {
	t.Helper()
	rows, err := Forecasts.Read(rec)
	if err != nil {
		t.Fatalf("forecast table: %v", err)
	}
	return rows
}

// modelRows reads a model table.
func modelRows(t testing.TB, rec arrow.RecordBatch) []modelRow {
	t.Helper()
	rows, err := modelTable.Read(rec)
	if err != nil {
		t.Fatalf("model table: %v", err)
	}
	return rows
}

// series returns trajectory traj of sys in a trajectory (or forecast) table,
// its states cut to the system's dimension.
func series(t testing.TB, rec arrow.RecordBatch, sys string, traj int64) *schemas.Series {
	t.Helper()
	tab, err := readTrajectories(rec)
	if err != nil {
		t.Fatal(err)
	}
	s := tab.Find(sys, traj)
	if s == nil {
		t.Fatalf("no %s trajectory %d", sys, traj)
	}
	return s
}

// stateMatrix stacks the first n states of s.
func stateMatrix(s *schemas.Series, n int) *mat.Dense {
	m := mat.NewDense(n, len(s.X[0]), nil)
	for i := 0; i < n; i++ {
		m.SetRow(i, s.X[i])
	}
	return m
}
