package basic

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages"
)

func table(t *testing.T, cols map[string][]float64, order ...string) arrow.RecordBatch {
	t.Helper()
	var fields []arrow.Field
	for _, name := range order {
		fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i, name := range order {
		b.Field(i).(*array.Float64Builder).AppendValues(cols[name], nil)
	}
	return b.NewRecordBatch()
}

func TestCollectUnionsColumnsAndLabelsCells(t *testing.T) {
	c := &collect{p: CollectParams{CellColumns: true, StageColumn: true}}
	in := stages.Inputs{"tables": {
		{Stage: "s[a]", Cell: stages.Cell{{Axis: "k", Value: "a"}}, Record: table(t, map[string][]float64{"x0": {1, 2}, "x1": {3, 4}}, "x0", "x1")},
		{Stage: "s[b]", Cell: stages.Cell{{Axis: "k", Value: "b"}}, Record: table(t, map[string][]float64{"x0": {5}}, "x0")},
	}}
	out, err := c.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	rec := out["table"]
	defer rec.Release()
	var names []string
	for _, f := range rec.Schema().Fields() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "stage,k,x0,x1" {
		t.Fatalf("columns %s, want stage,k,x0,x1", got)
	}
	if rec.NumRows() != 3 {
		t.Fatalf("%d rows, want 3", rec.NumRows())
	}
	k := rec.Column(1).(*array.String)
	x1 := rec.Column(3).(*array.Float64)
	if k.Value(0) != "a" || k.Value(2) != "b" || rec.Column(0).(*array.String).Value(2) != "s[b]" {
		t.Fatalf("labels wrong: %v %v", k, rec.Column(0))
	}
	if x1.Value(1) != 4 || !x1.IsNull(2) {
		t.Fatalf("x1 = %v, want 3, 4, null", x1)
	}
}

func TestCollectRejectsTypeClash(t *testing.T) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "x0", Type: arrow.BinaryTypes.String}}, nil))
	b.Field(0).(*array.StringBuilder).Append("oops")
	bad := b.NewRecordBatch()
	b.Release()
	c := &collect{p: CollectParams{}}
	_, err := c.Run(context.Background(), stages.Inputs{"tables": {
		{Stage: "a", Record: table(t, map[string][]float64{"x0": {1}}, "x0")},
		{Stage: "b", Record: bad},
	}})
	if err == nil || !strings.Contains(err.Error(), `column "x0" is utf8 in the table from b but float64`) {
		t.Fatalf("got %v", err)
	}
}

func TestSampleIsSeeded(t *testing.T) {
	run := func(seed uint64) []float64 {
		s := &sample{p: SampleParams{N: 4, Scale: 2, Offset: 5}, seed: seed}
		out, err := s.Run(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer out["table"].Release()
		return append([]float64(nil), out["table"].Column(1).(*array.Float64).Float64Values()...)
	}
	a, b, c := run(1), run(1), run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different values")
		}
		if a[i] < 5 || a[i] >= 7 {
			t.Fatalf("value %v outside [5, 7)", a[i])
		}
	}
	if a[0] == c[0] && a[1] == c[1] {
		t.Fatal("different seeds gave the same values")
	}
}
