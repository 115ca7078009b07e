package schemas

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column names of trajectory tables.
const (
	ColSystem     = "system"
	ColTrajectory = "trajectory"
	ColStep       = "step"
	ColTime       = "time"
)

// TrajectoryRow is one sample of a trajectory table: the tables generate
// writes (train, test) and, with forecast columns added, forecast writes.
type TrajectoryRow struct {
	System     string    `arrow:"system" doc:"catalog name of the system"`
	Trajectory int64     `arrow:"trajectory" doc:"initial-condition index"`
	Step       int64     `arrow:"step" doc:"sample index from the trajectory start"`
	Time       float64   `arrow:"time" unit:"time units (iterations for maps)" doc:"time of the sample"`
	State      []float64 `arrow:"x*" doc:"state coordinates; NaN past a system's dimension when systems of several dimensions share a table"`
}

// Trajectories declares trajectory tables.
var Trajectories = NewTable[TrajectoryRow]()

// StateColumn names the i-th state coordinate column: x0, x1, ...
func StateColumn(i int) string { return Trajectories.SpreadColumn(i) }

// TrajectoryKey is the part of every trajectory schema a consumer may rely
// on; the state columns x0..x{d-1} follow and depend on the systems.
var TrajectoryKey = Trajectories.Schema(nil)

// Trajectory returns the schema of a trajectory table with dim state
// columns and the given metadata.
func Trajectory(dim int, meta map[string]string) *arrow.Schema {
	return Trajectories.SchemaWidth(dim, meta)
}

// StateDim counts the state columns x0, x1, ... of a trajectory schema.
func StateDim(s *arrow.Schema) (int, error) {
	d := 0
	for s.HasField(StateColumn(d)) {
		d++
	}
	if d == 0 {
		return 0, fmt.Errorf("table has no state columns (x0, x1, ...)")
	}
	return d, nil
}

// Series is one (system, trajectory) of a trajectory table, sorted by step.
type Series struct {
	System     string
	Trajectory int64
	Steps      []int64
	Times      []float64
	X          [][]float64 // X[i] is the state at Steps[i]: every state column of the table
	// Rows[i] is the index in the table of the row at Steps[i], to read
	// further columns of the same table (a forecast's status, for example).
	Rows []int
}

// Len is the number of samples.
func (s *Series) Len() int { return len(s.Steps) }

// TrajectorySet is a decoded trajectory table, grouped into series.
type TrajectorySet struct {
	Order  []string             // systems in order of first appearance
	Series map[string][]*Series // per system, by increasing trajectory index
	Dim    int                  // state columns of the table
	Meta   map[string]SystemMeta
}

// Find returns the series of sys with the given trajectory index, or nil.
func (t *TrajectorySet) Find(sys string, traj int64) *Series {
	for _, s := range t.Series[sys] {
		if s.Trajectory == traj {
			return s
		}
	}
	return nil
}

// SystemDim is the system's dimension from the metadata, or else the number
// of leading state columns that hold a value somewhere in its rows.
func (t *TrajectorySet) SystemDim(name string) int {
	if in, ok := t.Meta[name]; ok && in.Dim > 0 && in.Dim <= t.Dim {
		return in.Dim
	}
	d := 0
	for _, s := range t.Series[name] {
		for _, row := range s.X {
			for j := t.Dim - 1; j >= d; j-- {
				if !math.IsNaN(row[j]) {
					d = j + 1
					break
				}
			}
		}
	}
	return max(d, 1)
}

// ReadTrajectories decodes a trajectory table into series, each sorted by
// step; a repeated step within one series is an error.
func ReadTrajectories(rec arrow.RecordBatch) (*TrajectorySet, error) {
	rows, err := Trajectories.Read(rec)
	if err != nil {
		return nil, fmt.Errorf("trajectory table: %w", err)
	}
	dim, _ := StateDim(rec.Schema())
	t := &TrajectorySet{Series: map[string][]*Series{}, Dim: dim, Meta: SystemsMetadata(rec.Schema())}
	type key struct {
		sys  string
		traj int64
	}
	byKey := map[key]*Series{}
	for i, r := range rows {
		k := key{r.System, r.Trajectory}
		s := byKey[k]
		if s == nil {
			s = &Series{System: r.System, Trajectory: r.Trajectory}
			byKey[k] = s
			if _, seen := t.Series[r.System]; !seen {
				t.Order = append(t.Order, r.System)
			}
			t.Series[r.System] = append(t.Series[r.System], s)
		}
		s.Steps = append(s.Steps, r.Step)
		s.Times = append(s.Times, r.Time)
		s.X = append(s.X, r.State)
		s.Rows = append(s.Rows, i)
	}
	for _, name := range t.Order {
		list := t.Series[name]
		slices.SortStableFunc(list, func(a, b *Series) int { return cmp.Compare(a.Trajectory, b.Trajectory) })
		for _, s := range list {
			if err := s.sortBySteps(); err != nil {
				return nil, fmt.Errorf("%s trajectory %d: %w", name, s.Trajectory, err)
			}
		}
	}
	return t, nil
}

func (s *Series) sortBySteps() error {
	idx := make([]int, len(s.Steps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(s.Steps[a], s.Steps[b]) })
	steps := make([]int64, len(idx))
	times := make([]float64, len(idx))
	x := make([][]float64, len(idx))
	rows := make([]int, len(idx))
	for i, j := range idx {
		steps[i], times[i], x[i], rows[i] = s.Steps[j], s.Times[j], s.X[j], s.Rows[j]
		if i > 0 && steps[i] == steps[i-1] {
			return fmt.Errorf("duplicate step %d", steps[i])
		}
	}
	s.Steps, s.Times, s.X, s.Rows = steps, times, x, rows
	return nil
}
