package scoring

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/systems"
)

// Column names of forecast tables (stages/forecast) read here.
const (
	colDiverged    = "diverged"
	colFailureStep = "failure_step"
)

// forecastStatusRow is the part of a forecast table (stages/forecast) beyond
// the trajectory columns: where the forecast diverged. Truth tables have
// neither column.
type forecastStatusRow struct {
	Diverged    bool  `arrow:"diverged" doc:"the row is at or after the forecast's failure step"`
	FailureStep int64 `arrow:"failure_step" doc:"step at which the forecast failed, -1 if it did not"`
}

var forecastStatus = schemas.NewTable[forecastStatusRow]()

// series is one (system, trajectory) of a trajectory or forecast table,
// sorted by step, with the forecast's divergence status.
type series struct {
	*schemas.Series
	diverged []bool // per sample; nil when the table has no forecast status
	failStep int64  // -1 when none
}

// head is the series cut to its first n samples.
func (s *series) head(n int) *series {
	c := *s.Series
	c.Steps, c.Times, c.X, c.Rows = c.Steps[:n], c.Times[:n], c.X[:n], c.Rows[:n]
	out := &series{Series: &c, failStep: s.failStep}
	if s.diverged != nil {
		out.diverged = s.diverged[:n]
	}
	return out
}

// table is a trajectory or forecast table grouped into series.
type table struct {
	*schemas.TrajectorySet
	series map[string][]*series // per system, by increasing trajectory index
	family string               // table-level model family ("" when absent)
	labels map[string]string    // per-system model label (systems metadata key "label")
	// reasons holds why a forecast failed (the forecast stage's failures
	// metadata), by system and trajectory.
	reasons map[sysTraj]string
}

type sysTraj struct {
	sys  string
	traj int64
}

func (t *table) find(sys string, traj int64) *series {
	for _, s := range t.series[sys] {
		if s.Trajectory == traj {
			return s
		}
	}
	return nil
}

// readTable decodes a trajectory table (schemas.Trajectories) and, when it
// has them, the forecast status columns diverged and failure_step.
func readTable(rec arrow.RecordBatch) (*table, error) {
	set, err := schemas.ReadTrajectories(rec)
	if err != nil {
		return nil, err
	}
	sch := rec.Schema()
	var status []forecastStatusRow
	var failNull func(int) bool // a null failure_step: not known
	if sch.HasField(colDiverged) || sch.HasField(colFailureStep) {
		if status, err = forecastStatus.Read(rec); err != nil {
			return nil, fmt.Errorf("forecast status: %w", err)
		}
		// The declared table reads a null int64 as 0, which is a valid
		// step; a table collected from parts with and without the column
		// has nulls, which say nothing about a failure.
		col := rec.Column(sch.FieldIndices(colFailureStep)[0])
		failNull = col.IsNull
	}
	t := &table{TrajectorySet: set, series: map[string][]*series{}}
	t.family, _ = sch.Metadata().GetValue("family")
	t.labels, t.reasons = readLabelsAndFailures(sch.Metadata())
	for _, name := range set.Order {
		for _, ss := range set.Series[name] {
			s := &series{Series: ss, failStep: -1}
			if status != nil {
				s.diverged = make([]bool, ss.Len())
				last := -1 // the failure step of the last such row in table order counts
				for i, r := range ss.Rows {
					s.diverged[i] = status[r].Diverged
					if fs := status[r].FailureStep; fs >= 0 && !failNull(r) && r > last {
						s.failStep, last = fs, r
					}
				}
			}
			t.series[name] = append(t.series[name], s)
		}
	}
	return t, nil
}

// readLabelsAndFailures reads the per-system "label" of the systems
// metadata (written by train and carried by forecast) and the reasons of the
// forecast stage's failures metadata (a JSON list of system, trajectory,
// step, reason). Unparseable metadata is ignored: it only names and
// explains.
func readLabelsAndFailures(md arrow.Metadata) (map[string]string, map[sysTraj]string) {
	labels, reasons := map[string]string{}, map[sysTraj]string{}
	if v, ok := md.GetValue("systems"); ok {
		var list []struct {
			System string `json:"system"`
			Label  string `json:"label"`
		}
		if json.Unmarshal([]byte(v), &list) == nil {
			for _, e := range list {
				if e.System != "" && e.Label != "" {
					labels[e.System] = e.Label
				}
			}
		}
	}
	if v, ok := md.GetValue("failures"); ok {
		var list []struct {
			System     string `json:"system"`
			Trajectory int64  `json:"trajectory"`
			Reason     string `json:"reason"`
		}
		if json.Unmarshal([]byte(v), &list) == nil {
			for _, e := range list {
				if e.Reason != "" {
					reasons[sysTraj{e.System, e.Trajectory}] = e.Reason
				}
			}
		}
	}
	return labels, reasons
}

// lyapunovTime finds a system's Lyapunov time: forecast metadata, then truth
// metadata, then the catalog (1/λmax). NaN if none.
func lyapunovTime(sys string, tables ...*table) (float64, string) {
	for _, t := range tables {
		if m := t.Meta[sys]; m.LyapunovTime > 0 {
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
		if m := t.Meta[sys]; m.SampleDt > 0 {
			return m.SampleDt
		}
	}
	var d []float64
	for i := 1; i < len(truth.Times); i++ {
		if ds := truth.Steps[i] - truth.Steps[i-1]; ds > 0 {
			v := (truth.Times[i] - truth.Times[i-1]) / float64(ds)
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
