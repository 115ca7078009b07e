package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/artifacts"
)

// cellText renders one value of a column; lists are joined with ";".
func cellText(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch c := col.(type) {
	case *array.Float64:
		return formatFloat(c.Value(i))
	case *array.Float32:
		return formatFloat(float64(c.Value(i)))
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(c.Value(i), 10)
	case *array.String:
		return c.Value(i)
	case *array.Boolean:
		return strconv.FormatBool(c.Value(i))
	case array.ListLike:
		start, end := c.ValueOffsets(i)
		vals := c.ListValues()
		parts := make([]string, 0, end-start)
		for j := start; j < end; j++ {
			parts = append(parts, cellText(vals, int(j)))
		}
		return strings.Join(parts, ";")
	}
	return col.ValueStr(i)
}

func formatFloat(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// cellJSON renders one value for JSON output (NaN and Inf become null).
func cellJSON(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch c := col.(type) {
	case *array.Float64:
		return finite(c.Value(i))
	case *array.Float32:
		return finite(float64(c.Value(i)))
	case *array.Int64:
		return c.Value(i)
	case *array.Int32:
		return c.Value(i)
	case *array.Uint64:
		return c.Value(i)
	case *array.Boolean:
		return c.Value(i)
	case *array.String:
		return c.Value(i)
	case array.ListLike:
		start, end := c.ValueOffsets(i)
		out := make([]any, 0, end-start)
		for j := start; j < end; j++ {
			out = append(out, cellJSON(c.ListValues(), int(j)))
		}
		return out
	}
	return col.ValueStr(i)
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// writeTable prints a record as an aligned table, JSON rows (keys in column
// order) or CSV with one header row.
func writeTable(w io.Writer, rec arrow.RecordBatch, format string) error {
	n := int(rec.NumRows())
	names := make([]string, rec.NumCols())
	for j, f := range rec.Schema().Fields() {
		names[j] = f.Name
	}
	switch format {
	case "csv":
		// One CSV convention for printing and exporting (artifacts.WriteCSV:
		// lists as JSON arrays, NaN/inf/-inf, nulls empty).
		return artifacts.WriteCSV(w, rec)
	case "json":
		rows := make([]orderedRow, n)
		for i := 0; i < n; i++ {
			if err := stopped(w, i); err != nil {
				return err
			}
			vals := make([]any, len(names))
			for j := range names {
				vals[j] = cellJSON(rec.Column(j), i)
			}
			rows[i] = orderedRow{names, vals}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	default:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(names, "\t"))
		row := make([]string, len(names))
		for i := 0; i < n; i++ {
			if err := stopped(w, i); err != nil {
				return err
			}
			for j := range names {
				s := cellText(rec.Column(j), i)
				if len(s) > 60 {
					s = s[:57] + "..."
				}
				row[j] = s
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		return tw.Flush()
	}
}

// orderedRow is a JSON object whose keys keep the table's column order.
type orderedRow struct {
	names []string
	vals  []any
}

func (r orderedRow) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for j, name := range r.names {
		if j > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(r.vals[j])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// stopped reports, every 1024 rows, the error of a writer that can be
// stopped (ctxWriter): the json and table formats buffer rows before they
// write, so a signal must be noticed while they build.
func stopped(w io.Writer, row int) error {
	if row%1024 != 0 {
		return nil
	}
	if s, ok := w.(interface{ Err() error }); ok {
		return s.Err()
	}
	return nil
}
