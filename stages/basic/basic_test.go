package basic

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// Input and output rows of the collect tests.
type (
	wideRow struct {
		X0 float64 `arrow:"x0"`
		X1 float64 `arrow:"x1"`
	}
	narrowRow struct {
		X0 float64 `arrow:"x0"`
	}
	textRow struct {
		X0 string `arrow:"x0"`
	}
	collectedRow struct {
		Stage string  `arrow:"stage"`
		K     string  `arrow:"k"`
		X0    float64 `arrow:"x0"`
		X1    float64 `arrow:"x1"`
	}
)

func record[R any](t *testing.T, rows ...R) arrow.RecordBatch {
	t.Helper()
	rec := schemas.NewTable[R]().Record(rows, nil)
	t.Cleanup(rec.Release)
	return rec
}

func TestCollectUnionsColumnsAndLabelsCells(t *testing.T) {
	st := stagetest.Build(t, "collect", "cell_columns: true\nstage_column: true\n", 1)
	in := stages.Inputs{"tables": {
		{Stage: "s[a]", Cell: stages.Cell{{Axis: "k", Value: "a"}}, Record: record(t, wideRow{1, 3}, wideRow{2, 4})},
		{Stage: "s[b]", Cell: stages.Cell{{Axis: "k", Value: "b"}}, Record: record(t, narrowRow{5})},
	}}
	rec := stagetest.Run(t, st, in)["table"]
	var names []string
	for _, f := range rec.Schema().Fields() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "stage,k,x0,x1" {
		t.Fatalf("columns %s, want stage,k,x0,x1", got)
	}
	rows, err := schemas.NewTable[collectedRow]().Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := []collectedRow{{"s[a]", "a", 1, 3}, {"s[a]", "a", 2, 4}, {"s[b]", "b", 5, math.NaN()}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		if r.Stage != w.Stage || r.K != w.K || r.X0 != w.X0 || (r.X1 != w.X1 && !(math.IsNaN(r.X1) && math.IsNaN(w.X1))) {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
	}
	// The table without x1 contributes a null, not a NaN value.
	if x1 := rec.Column(rec.Schema().FieldIndices("x1")[0]); x1.NullN() != 1 || !x1.IsNull(2) {
		t.Errorf("x1 = %v, want 3, 4, null", x1)
	}
}

func TestCollectRejectsTypeClash(t *testing.T) {
	st := stagetest.Build(t, "collect", "{}\n", 1)
	out, err := st.Run(context.Background(), stages.Inputs{"tables": {
		{Stage: "a", Record: record(t, narrowRow{1})},
		{Stage: "b", Record: record(t, textRow{"oops"})},
	}})
	stagetest.Release(out)
	if err == nil || !strings.Contains(err.Error(), `column "x0" is utf8 in the table from b but float64`) {
		t.Fatalf("got %v", err)
	}
}

func TestSampleIsSeeded(t *testing.T) {
	run := func(seed uint64) []sampleRow {
		st := stagetest.Build(t, "sample", "n: 4\nscale: 2\noffset: 5\nlabel: smoke\n", seed)
		rec := stagetest.Run(t, st, nil)["table"]
		md := rec.Schema().Metadata()
		if got, want := md.Keys(), []string{"runner.seed", "runner.label"}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("metadata keys %v, want %v in that order", got, want)
		}
		if v, _ := md.GetValue("runner.label"); v != "smoke" {
			t.Errorf("runner.label %q, want smoke", v)
		}
		rows, err := sampleTable.Read(rec)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Fatalf("%d rows, want 4", len(rows))
		}
		return rows
	}
	a, b, c := run(1), run(1), run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different values")
		}
		if a[i].I != i {
			t.Errorf("row %d: i = %d", i, a[i].I)
		}
		if a[i].Value < 5 || a[i].Value >= 7 {
			t.Fatalf("value %v outside [5, 7)", a[i].Value)
		}
	}
	if a[0] == c[0] && a[1] == c[1] {
		t.Fatal("different seeds gave the same values")
	}
}
