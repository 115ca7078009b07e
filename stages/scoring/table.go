package scoring

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/systems"
)

// Column names of forecast tables (stages/forecast) read here.
const (
	colDiverged    = "diverged"
	colFailureStep = "failure_step"
)

// series is one (system, trajectory) of a trajectory or forecast table,
// sorted by step.
type series struct {
	system     string
	trajectory int64
	steps      []int64
	times      []float64
	x          [][]float64 // state rows, all state columns of the table
	diverged   []bool      // nil when the table has no diverged column
	failStep   int64       // -1 when none
}

type table struct {
	order  []string // systems in order of first appearance
	series map[string][]*series
	dim    int
	meta   map[string]schemas.SystemMeta
	family string // table-level model family ("" when absent)
}

func (t *table) find(sys string, traj int64) *series {
	for _, s := range t.series[sys] {
		if s.trajectory == traj {
			return s
		}
	}
	return nil
}

// readTable decodes a trajectory table (schemas.Trajectory), with the
// optional forecast columns diverged and failure_step.
func readTable(rec arrow.RecordBatch) (*table, error) {
	if rec == nil {
		return nil, fmt.Errorf("no table")
	}
	sch := rec.Schema()
	col := func(name string) arrow.Array {
		if idx := sch.FieldIndices(name); len(idx) > 0 {
			return rec.Column(idx[0])
		}
		return nil
	}
	names, ok := col(schemas.ColSystem).(*array.String)
	if !ok {
		return nil, fmt.Errorf("column %q missing or not utf8", schemas.ColSystem)
	}
	trajCol, ok1 := col(schemas.ColTrajectory).(*array.Int64)
	stepCol, ok2 := col(schemas.ColStep).(*array.Int64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("columns %q and %q must be int64", schemas.ColTrajectory, schemas.ColStep)
	}
	timeCol, _ := col(schemas.ColTime).(*array.Float64)
	dim, err := schemas.StateDim(sch)
	if err != nil {
		return nil, err
	}
	xs := make([]*array.Float64, dim)
	for k := range xs {
		if xs[k], ok = col(schemas.StateColumn(k)).(*array.Float64); !ok {
			return nil, fmt.Errorf("column %q must be float64", schemas.StateColumn(k))
		}
	}
	divCol, _ := col(colDiverged).(*array.Boolean)
	failCol, _ := col(colFailureStep).(*array.Int64)

	t := &table{series: map[string][]*series{}, dim: dim, meta: schemas.SystemsMetadata(sch)}
	t.family, _ = sch.Metadata().GetValue("family")
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
			s = &series{system: k.sys, trajectory: k.traj, failStep: -1}
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
		if timeCol != nil && !timeCol.IsNull(i) {
			tm = timeCol.Value(i)
		}
		s.steps = append(s.steps, stepCol.Value(i))
		s.times = append(s.times, tm)
		s.x = append(s.x, row)
		if divCol != nil {
			s.diverged = append(s.diverged, !divCol.IsNull(i) && divCol.Value(i))
		}
		if failCol != nil && !failCol.IsNull(i) && failCol.Value(i) >= 0 {
			s.failStep = failCol.Value(i)
		}
	}
	for _, name := range t.order {
		list := t.series[name]
		slices.SortStableFunc(list, func(a, b *series) int { return cmpInt64(a.trajectory, b.trajectory) })
		for _, s := range list {
			if err := s.sort(); err != nil {
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

// sort orders rows by step and rejects duplicate steps.
func (s *series) sort() error {
	idx := make([]int, len(s.steps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpInt64(s.steps[a], s.steps[b]) })
	steps := make([]int64, len(idx))
	times := make([]float64, len(idx))
	x := make([][]float64, len(idx))
	var div []bool
	if s.diverged != nil {
		div = make([]bool, len(idx))
	}
	for i, j := range idx {
		steps[i], times[i], x[i] = s.steps[j], s.times[j], s.x[j]
		if div != nil {
			div[i] = s.diverged[j]
		}
		if i > 0 && steps[i] == steps[i-1] {
			return fmt.Errorf("duplicate step %d", steps[i])
		}
	}
	s.steps, s.times, s.x, s.diverged = steps, times, x, div
	return nil
}

// lyapunovTime finds a system's Lyapunov time: forecast metadata, then truth
// metadata, then the catalog (1/λmax). NaN if none.
func lyapunovTime(sys string, tables ...*table) (float64, string) {
	for _, t := range tables {
		if m := t.meta[sys]; m.LyapunovTime > 0 {
			return m.LyapunovTime, "metadata"
		}
	}
	if s, err := systems.Lookup(sys); err == nil && s.LyapunovMax > 0 {
		return 1 / s.LyapunovMax, "catalog"
	}
	return math.NaN(), ""
}

// sampleDt finds a system's sampling step: metadata, else the median time
// difference of the truth series. NaN if none.
func sampleDt(sys string, truth *series, tables ...*table) float64 {
	for _, t := range tables {
		if m := t.meta[sys]; m.SampleDt > 0 {
			return m.SampleDt
		}
	}
	var d []float64
	for i := 1; i < len(truth.times); i++ {
		if ds := truth.steps[i] - truth.steps[i-1]; ds > 0 {
			v := (truth.times[i] - truth.times[i-1]) / float64(ds)
			if v > 0 && !math.IsInf(v, 0) {
				d = append(d, v)
			}
		}
	}
	if len(d) == 0 {
		return math.NaN()
	}
	slices.Sort(d)
	return d[len(d)/2]
}
