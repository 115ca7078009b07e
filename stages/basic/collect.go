package basic

import (
	"context"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages"
)

// CollectParams configure the collect stage.
type CollectParams struct {
	StageColumn bool `yaml:"stage_column,omitempty" doc:"add a leading column \"stage\" with the producing instance id"`
	CellColumns bool `yaml:"cell_columns,omitempty" doc:"add one string column per matrix axis of the producers, holding each row's cell value"`
}

func init() {
	stages.Register(stages.Default, stages.Definition[CollectParams]{
		Name:    "collect",
		Version: 1,
		Summary: "Concatenate the tables of many upstream cells into one table, labelled by matrix cell.",
		Doc: "Fan-in: connect its `tables` input to every cell of a matrix stage (`score[*].metrics`) or to one group " +
			"(`score[${system},*].metrics`). All tables must have the same columns (names and types). " +
			"Rows keep the order of the producers' expansion. Schema metadata of the first table is kept.",
		Defaults: CollectParams{StageColumn: false, CellColumns: true},
		Examples: []stages.Example{
			{Title: "Label each row with its matrix cell", Params: "cell_columns: true\n"},
			{Title: "Also name the producing stage instance", Params: "cell_columns: true\nstage_column: true\n"},
		},
		New: func(p CollectParams, _ stages.Env) (stages.Stage, error) { return &collect{p: p}, nil },
	})
}

type collect struct{ p CollectParams }

func (c *collect) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "tables", Many: true, Doc: "the tables to concatenate."}},
		[]stages.Port{{Name: "table", Doc: "all rows, with cell (and stage) label columns first."}}
}

func (c *collect) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	items := in["tables"]
	if len(items) == 0 {
		return nil, fmt.Errorf("no input tables")
	}
	base := items[0].Record.Schema()
	for _, it := range items[1:] {
		if !sameColumns(base, it.Record.Schema()) {
			return nil, fmt.Errorf("table from %s has columns %s, but the table from %s has %s",
				it.Stage, columns(it.Record.Schema()), items[0].Stage, columns(base))
		}
	}
	var axes []string
	if c.p.CellColumns {
		seen := map[string]bool{}
		for _, it := range items {
			for _, av := range it.Cell {
				if !seen[av.Axis] {
					seen[av.Axis] = true
					axes = append(axes, av.Axis)
				}
			}
		}
	}
	var fields []arrow.Field
	if c.p.StageColumn {
		fields = append(fields, arrow.Field{Name: "stage", Type: arrow.BinaryTypes.String})
	}
	for _, a := range axes {
		if base.HasField(a) {
			return nil, fmt.Errorf("axis %q clashes with a column of the input tables; set cell_columns: false", a)
		}
		fields = append(fields, arrow.Field{Name: a, Type: arrow.BinaryTypes.String})
	}
	fields = append(fields, base.Fields()...)
	meta := base.Metadata()
	keys := append(meta.Keys(), "runner.collect.tables")
	vals := append(meta.Values(), strconv.Itoa(len(items)))
	schema := arrow.NewSchema(fields, ptr(arrow.NewMetadata(keys, vals)))

	mem := memory.DefaultAllocator
	var rows int64
	for _, it := range items {
		rows += it.Record.NumRows()
	}
	cols := make([]arrow.Array, 0, len(fields))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	label := func(value func(it stages.Item) string) arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(int(rows))
		for _, it := range items {
			v := value(it)
			for r := int64(0); r < it.Record.NumRows(); r++ {
				b.Append(v)
			}
		}
		return b.NewArray()
	}
	if c.p.StageColumn {
		cols = append(cols, label(func(it stages.Item) string { return it.Stage }))
	}
	for _, a := range axes {
		cols = append(cols, label(func(it stages.Item) string { return it.Cell.Map()[a] }))
	}
	for j := range base.Fields() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		parts := make([]arrow.Array, len(items))
		for i, it := range items {
			parts[i] = it.Record.Column(j)
		}
		col, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, fmt.Errorf("concatenate column %q: %w", base.Field(j).Name, err)
		}
		cols = append(cols, col)
	}
	return stages.Outputs{"table": array.NewRecordBatch(schema, cols, rows)}, nil
}

func ptr[T any](v T) *T { return &v }

func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

func columns(s *arrow.Schema) string {
	out := "("
	for i, f := range s.Fields() {
		if i > 0 {
			out += ", "
		}
		out += f.Name + " " + f.Type.String()
	}
	return out + ")"
}
