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
	CellColumns bool `yaml:"cell_columns,omitempty" doc:"add one string column per matrix axis of the producers (unless the tables have a column of that name), holding each row's cell value"`
}

func init() {
	stages.Register(stages.Default, stages.Definition[CollectParams]{
		Name:    "collect",
		Version: 1,
		Summary: "Concatenate the tables of many upstream cells into one table, labelled by matrix cell.",
		Doc: "Fan-in: connect its `tables` input to every cell of a matrix stage (`score[*].metrics`) or to one group " +
			"(`score[${system},*].metrics`). Columns are the union of the tables' columns (a table without a column " +
			"contributes nulls; one name with two types is an error). Rows keep the order of the producers' expansion. " +
			"Schema metadata of the first table is kept.",
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
	base, err := unionSchema(items)
	if err != nil {
		return nil, err
	}
	var axes []string
	if c.p.CellColumns {
		seen := map[string]bool{}
		for _, it := range items {
			for _, av := range it.Cell {
				// A table that already has a column named like the axis
				// (generate's "system") keeps its own.
				if !seen[av.Axis] && !base.HasField(av.Axis) {
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
	for _, f := range base.Fields() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		parts := make([]arrow.Array, len(items))
		for i, it := range items {
			if idx := it.Record.Schema().FieldIndices(f.Name); len(idx) > 0 {
				parts[i] = it.Record.Column(idx[0])
				parts[i].Retain()
			} else {
				parts[i] = array.MakeArrayOfNull(mem, f.Type, int(it.Record.NumRows()))
			}
		}
		col, err := array.Concatenate(parts, mem)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, fmt.Errorf("concatenate column %q: %w", f.Name, err)
		}
		cols = append(cols, col)
	}
	return stages.Outputs{"table": array.NewRecordBatch(schema, cols, rows)}, nil
}

func ptr[T any](v T) *T { return &v }

// unionSchema is the first table's schema followed by any columns only
// later tables have; a column name with two types is an error. Rows of a
// table without some column hold nulls there.
func unionSchema(items []stages.Item) (*arrow.Schema, error) {
	first := items[0].Record.Schema()
	fields := append([]arrow.Field(nil), first.Fields()...)
	owner := map[string]int{}
	for i, f := range fields {
		owner[f.Name] = i
	}
	for _, it := range items[1:] {
		for _, f := range it.Record.Schema().Fields() {
			i, ok := owner[f.Name]
			if !ok {
				f.Nullable = true
				owner[f.Name] = len(fields)
				fields = append(fields, f)
				continue
			}
			if !arrow.TypeEqual(fields[i].Type, f.Type) {
				return nil, fmt.Errorf("column %q is %s in the table from %s but %s in the table from %s",
					f.Name, f.Type, it.Stage, fields[i].Type, items[0].Stage)
			}
		}
	}
	md := first.Metadata()
	return arrow.NewSchema(fields, &md), nil
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
