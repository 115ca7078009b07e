package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/invariants"
	"github.com/chaos-runner/runner/stages/leaderboard"
	"github.com/chaos-runner/runner/stages/scoring"
	"github.com/chaos-runner/runner/stages/solvereval"
)

// source is one input table, for provenance.
type source struct {
	Port, Stage, Key string
	Rows             int64
	Missing          bool // the producer failed or was skipped
}

// run is one forecast series of one model on one system, with its truth.
type run struct {
	System, Model string
	Cell          stages.Cell
	Forecast      *schemas.Series
	Truth         *schemas.Series
	Meta          schemas.SystemMeta
	Failed        bool // a row flagged diverged
}

// data is everything the report draws, decoded.
type data struct {
	Sources    []source
	Board      []leaderboard.Row
	VPTRule    string // leaderboard's vpt metadata ("" unknown)
	Metrics    []scoring.MetricRow
	MetricCell []stages.Cell // cell of each Metrics row's producer
	Runs       map[string][]*run
	Invariants []invariants.Row
	Clusters   []scoring.ClusterRow
	Solvers    []solvereval.Row
}

func read(all stages.Inputs, p Params) (*data, error) {
	d := &data{Runs: map[string][]*run{}}
	in := make(stages.Inputs, len(all))
	for _, port := range []string{"leaderboard", "metrics", "forecasts", "truth", "invariants", "clusters", "solvers"} {
		var present []stages.Item
		for _, it := range all[port] {
			if it.Missing || it.Record == nil {
				d.Sources = append(d.Sources, source{Port: port, Stage: it.Stage, Missing: true})
				continue
			}
			d.Sources = append(d.Sources, source{Port: port, Stage: it.Stage, Key: it.Key, Rows: it.Record.NumRows()})
			present = append(present, it)
		}
		// The rest reads what exists.
		in[port] = present
	}
	for _, it := range in["leaderboard"] {
		rows, err := leaderboard.Table.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("leaderboard from %s: %w", it.Stage, err)
		}
		if v, ok := it.Record.Schema().Metadata().GetValue("vpt"); ok && d.VPTRule == "" {
			d.VPTRule = v
		}
		d.Board = append(d.Board, rows...)
	}
	for _, it := range in["metrics"] {
		rows, err := scoring.MetricsTable.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("metrics from %s: %w", it.Stage, err)
		}
		d.Metrics = append(d.Metrics, rows...)
		for range rows {
			d.MetricCell = append(d.MetricCell, it.Cell)
		}
	}
	for _, it := range in["invariants"] {
		rows, err := invariants.Table.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("invariants from %s: %w", it.Stage, err)
		}
		d.Invariants = append(d.Invariants, rows...)
	}
	for _, it := range in["clusters"] {
		rows, err := scoring.ClustersTable.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("clusters from %s: %w", it.Stage, err)
		}
		d.Clusters = append(d.Clusters, rows...)
	}
	for _, it := range in["solvers"] {
		rows, err := solvereval.ResultsTable.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("solvers from %s: %w", it.Stage, err)
		}
		d.Solvers = append(d.Solvers, rows...)
	}
	if err := d.readRuns(in, p); err != nil {
		return nil, err
	}
	return d, nil
}

type truthTable struct {
	cell stages.Cell
	set  *schemas.TrajectorySet
}

// readRuns pairs each forecast series (trajectory p.Trajectory) with its
// truth: the truth table whose producer cell agrees with the forecast's
// cell on every axis the truth has (system, start, ...), else the first
// truth table that has the system.
func (d *data) readRuns(in stages.Inputs, p Params) error {
	var truths []truthTable
	for _, it := range in["truth"] {
		set, err := schemas.ReadTrajectories(it.Record)
		if err != nil {
			return fmt.Errorf("truth from %s: %w", it.Stage, err)
		}
		truths = append(truths, truthTable{it.Cell, set})
	}
	seen := map[[2]string]bool{}
	for _, it := range in["forecasts"] {
		set, err := schemas.ReadTrajectories(it.Record)
		if err != nil {
			return fmt.Errorf("forecasts from %s: %w", it.Stage, err)
		}
		labels := seriesLabels(it)
		diverged := divergedRows(it)
		for _, sys := range set.Order {
			fc := set.Find(sys, p.Trajectory)
			if fc == nil {
				continue
			}
			model := labels[sys]
			if model == "" {
				model, _ = it.Cell.Get("model")
			}
			if model == "" {
				model = it.Stage
			}
			// The first replicate cell of each (system, model) is drawn.
			if seen[[2]string{sys, model}] {
				continue
			}
			var tr *schemas.Series
			for _, t := range truths {
				if matches(t.cell, it.Cell) {
					if tr = t.set.Find(sys, p.Trajectory); tr != nil {
						break
					}
				}
			}
			if tr == nil {
				continue
			}
			seen[[2]string{sys, model}] = true
			r := &run{System: sys, Model: model, Cell: it.Cell, Forecast: fc, Truth: tr, Meta: set.Meta[sys]}
			for _, row := range fc.Rows {
				if diverged != nil && diverged[row] {
					r.Failed = true
					break
				}
			}
			d.Runs[sys] = append(d.Runs[sys], r)
		}
	}
	for _, rs := range d.Runs {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Model < rs[j].Model })
	}
	return nil
}

// matches reports whether every axis of truth has the same value in fc
// (true when either has no cell: stage tests, hand-made tables).
func matches(truth, fc stages.Cell) bool {
	if len(truth) == 0 || len(fc) == 0 {
		return true
	}
	for _, av := range truth {
		if v, ok := fc.Get(av.Axis); ok && v != av.Value {
			return false
		}
	}
	return true
}

// seriesLabels reads the per-system model labels of a forecast table
// (schema metadata "systems": [{system, label, family}, ...]), falling
// back to the table's family.
func seriesLabels(it stages.Item) map[string]string {
	out := map[string]string{}
	md := it.Record.Schema().Metadata()
	family, _ := md.GetValue("family")
	if v, ok := md.GetValue("systems"); ok {
		var list []struct {
			System string `json:"system"`
			Label  string `json:"label"`
			Family string `json:"family"`
		}
		if json.Unmarshal([]byte(v), &list) == nil {
			for _, e := range list {
				switch {
				case e.Label != "":
					out[e.System] = e.Label
				case e.Family != "":
					out[e.System] = e.Family
				case family != "":
					out[e.System] = family
				}
			}
		}
	}
	return out
}

// divergedRows returns the forecast's diverged column, or nil.
func divergedRows(it stages.Item) []bool {
	sch := it.Record.Schema()
	idx := sch.FieldIndices("diverged")
	if len(idx) != 1 {
		return nil
	}
	type row struct {
		Diverged bool `arrow:"diverged"`
	}
	rows, err := schemas.NewTable[row]().Read(it.Record)
	if err != nil {
		return nil
	}
	out := make([]bool, len(rows))
	for i, r := range rows {
		out[i] = r.Diverged
	}
	return out
}

// systemNames lists every system the report knows of, sorted.
func (d *data) systemNames() []string {
	set := map[string]bool{}
	for s := range d.Runs {
		set[s] = true
	}
	for _, r := range d.Invariants {
		set[r.System] = true
	}
	for _, r := range d.Metrics {
		set[r.System] = true
	}
	names := make([]string, 0, len(set))
	for s := range set {
		names = append(names, s)
	}
	slices.Sort(names)
	return names
}
