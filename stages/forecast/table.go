package forecast

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/systems"
)

// trajectoryInput is the schema accepted on trajectory inputs: the key
// columns and at least one state column.
var trajectoryInput = schemas.Trajectory(1, nil)

// series is one (system, trajectory) of a trajectory table, sorted by step.
type series struct {
	system     string
	trajectory int64
	steps      []int64
	times      []float64
	// x[i] is the state at steps[i], restricted to the system's dimension.
	x [][]float64
}

func (s *series) len() int { return len(s.steps) }

// table is a decoded trajectory table.
type table struct {
	// systems in order of first appearance, each with its trajectories in
	// increasing trajectory index.
	order  []string
	series map[string][]*series
	info   map[string]schemas.SystemMeta
}

// readTrajectories decodes a trajectory table (schemas.Trajectory). State
// columns beyond a system's dimension are dropped: the dimension comes from
// the "systems" metadata (generate's "dim") or, failing that, from the
// columns that are not entirely NaN or null for that system.
func readTrajectories(rec arrow.RecordBatch) (*table, error) {
	if rec == nil {
		return nil, fmt.Errorf("no table")
	}
	sch := rec.Schema()
	col := func(name string) (arrow.Array, error) {
		idx := sch.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("column %q missing (a trajectory table has system, trajectory, step, time, x0...)", name)
		}
		return rec.Column(idx[0]), nil
	}
	sysCol, err := col(schemas.ColSystem)
	if err != nil {
		return nil, err
	}
	names, ok := sysCol.(*array.String)
	if !ok {
		return nil, fmt.Errorf("column %q is %s, want utf8", schemas.ColSystem, sysCol.DataType())
	}
	int64Col := func(name string) (*array.Int64, error) {
		c, err := col(name)
		if err != nil {
			return nil, err
		}
		v, ok := c.(*array.Int64)
		if !ok {
			return nil, fmt.Errorf("column %q is %s, want int64", name, c.DataType())
		}
		return v, nil
	}
	trajCol, err := int64Col(schemas.ColTrajectory)
	if err != nil {
		return nil, err
	}
	stepCol, err := int64Col(schemas.ColStep)
	if err != nil {
		return nil, err
	}
	tc, err := col(schemas.ColTime)
	if err != nil {
		return nil, err
	}
	timeCol, ok := tc.(*array.Float64)
	if !ok {
		return nil, fmt.Errorf("column %q is %s, want float64", schemas.ColTime, tc.DataType())
	}
	dim, err := schemas.StateDim(sch)
	if err != nil {
		return nil, err
	}
	xs := make([]*array.Float64, dim)
	for k := range xs {
		c, err := col(schemas.StateColumn(k))
		if err != nil {
			return nil, err
		}
		if xs[k], ok = c.(*array.Float64); !ok {
			return nil, fmt.Errorf("column %q is %s, want float64", schemas.StateColumn(k), c.DataType())
		}
	}

	t := &table{series: map[string][]*series{}, info: schemas.SystemsMetadata(sch)}
	type key struct {
		sys  string
		traj int64
	}
	byKey := map[key]*series{}
	for i := 0; i < int(rec.NumRows()); i++ {
		if names.IsNull(i) || trajCol.IsNull(i) || stepCol.IsNull(i) {
			return nil, fmt.Errorf("row %d: null system, trajectory or step", i)
		}
		k := key{names.Value(i), trajCol.Value(i)}
		s := byKey[k]
		if s == nil {
			s = &series{system: k.sys, trajectory: k.traj}
			byKey[k] = s
			if _, seen := t.series[k.sys]; !seen {
				t.order = append(t.order, k.sys)
			}
			t.series[k.sys] = append(t.series[k.sys], s)
		}
		row := make([]float64, dim)
		for j, x := range xs {
			row[j] = math.NaN()
			if !x.IsNull(i) {
				row[j] = x.Value(i)
			}
		}
		tm := math.NaN()
		if !timeCol.IsNull(i) {
			tm = timeCol.Value(i)
		}
		s.steps = append(s.steps, stepCol.Value(i))
		s.times = append(s.times, tm)
		s.x = append(s.x, row)
	}
	for _, name := range t.order {
		list := t.series[name]
		slices.SortStableFunc(list, func(a, b *series) int { return cmpInt64(a.trajectory, b.trajectory) })
		d := t.systemDim(name, dim)
		for _, s := range list {
			if err := s.sortAndTrim(d); err != nil {
				return nil, fmt.Errorf("%s trajectory %d: %w", name, s.trajectory, err)
			}
		}
	}
	return t, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// systemDim is the metadata dimension, or the number of leading state
// columns that hold a value somewhere in the system's rows.
func (t *table) systemDim(name string, cols int) int {
	if in, ok := t.info[name]; ok && in.Dim > 0 && in.Dim <= cols {
		return in.Dim
	}
	d := 0
	for _, s := range t.series[name] {
		for _, row := range s.x {
			for j := cols - 1; j >= d; j-- {
				if !math.IsNaN(row[j]) {
					d = j + 1
					break
				}
			}
		}
	}
	return max(d, 1)
}

// sortAndTrim orders rows by step, rejects duplicate steps and keeps the
// first d state columns.
func (s *series) sortAndTrim(d int) error {
	idx := make([]int, len(s.steps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpInt64(s.steps[a], s.steps[b]) })
	steps := make([]int64, len(idx))
	times := make([]float64, len(idx))
	x := make([][]float64, len(idx))
	for i, j := range idx {
		steps[i], times[i], x[i] = s.steps[j], s.times[j], s.x[j][:d:d]
		if i > 0 && steps[i] == steps[i-1] {
			return fmt.Errorf("duplicate step %d", steps[i])
		}
	}
	s.steps, s.times, s.x = steps, times, x
	return nil
}

// sampleDt returns the system's sampling step: the metadata value, else the
// time difference of consecutive rows of its first trajectory, else 1.
func (t *table) sampleDt(name string) float64 {
	if in := t.info[name]; in.SampleDt > 0 && !math.IsInf(in.SampleDt, 0) {
		return in.SampleDt
	}
	for _, s := range t.series[name] {
		for i := 1; i < s.len(); i++ {
			dt := (s.times[i] - s.times[i-1]) / float64(s.steps[i]-s.steps[i-1])
			if dt > 0 && !math.IsInf(dt, 0) {
				return dt
			}
		}
	}
	return 1
}

// lyapunovTime returns 1/lambda_max of the system in time units: the
// table's metadata value, else the catalog's, else NaN.
func (t *table) lyapunovTime(name string) float64 {
	if in := t.info[name]; in.LyapunovTime > 0 && !math.IsInf(in.LyapunovTime, 0) {
		return in.LyapunovTime
	}
	if s, err := systems.Lookup(name); err == nil && s.LyapunovMax > 0 && !math.IsInf(s.LyapunovMax, 0) {
		return 1 / s.LyapunovMax
	}
	return math.NaN()
}
