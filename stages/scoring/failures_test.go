package scoring_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/scoring"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// failing builds a truth of 4 trajectories of 10 rows, all at (1, 2), and
// forecasts whose good rows are (1.5, 2): per row sMAPE 200·mean(0.5/2.5, 0)
// = 20 and squared error mean(0.25, 0) = 0.125. Trajectory 0 diverges at
// row 4 (flagged, NaN); 1 never fails; 2 is short (6 rows); 3 is a failed fit
// as stages/forecast writes it (every row NaN and flagged, failure_step the
// first step, a reason in the failures metadata). dt 0.1, Lyapunov time 2.
func failing(t *testing.T) stages.Inputs {
	var truth, fc []row
	for traj := int64(0); traj < 4; traj++ {
		for step := int64(0); step < 10; step++ {
			truth = append(truth, newRow("Lorenz", traj, step, []float64{1, 2}))
			f := newRow("Lorenz", traj, step, []float64{1.5, 2})
			switch {
			case traj == 0:
				f.FailureStep = 4
				if step >= 4 {
					f.State, f.Diverged = []float64{math.NaN(), math.NaN()}, true
				}
			case traj == 2 && step >= 6:
				continue
			case traj == 3:
				f.FailureStep = 0
				f.State, f.Diverged = []float64{math.NaN(), math.NaN()}, true
			}
			fc = append(fc, f)
		}
	}
	return stages.Inputs{
		"truth": {{Record: buildTable(t, truth, false, map[string]string{"system": "Lorenz", "lyapunov_time": "2", "sample_dt": "0.1"})}},
		"forecast": {{Record: buildTable(t, fc, true, map[string]string{"family": "nvar",
			"systems":  `[{"system":"Lorenz","family":"nvar","label":"nvar_gilpin","lyapunov_time":2,"sample_dt":0.1}]`,
			"failures": `[{"system":"Lorenz","trajectory":0,"step":4,"reason":"non-finite forecast value"},{"system":"Lorenz","trajectory":3,"step":0,"reason":"fit failed: singular matrix"}]`})}},
	}
}

func TestMetricsFailedForecasts(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		params string
		traj   int64
		metric string
		want   float64
		points int
	}{
		// Default = penalize: (4·20 + 6·200)/10 = 128; unbounded errors +Inf,
		// r2 −Inf, a correlation −1, the Hellinger distance 1.
		{"", 0, "smape", 128, 10},
		{"", 0, "mse", inf, 10},
		{"", 0, "r2_score", math.Inf(-1), 10},
		{"", 0, "pearson", -1, 10},
		{"", 0, "hellinger_distance", 1, 10},
		{"diverged: penalize", 0, "smape", 128, 10},
		// 0–100 scale: (4·10 + 6·100)/10.
		{"smape_scale: 100", 0, "smape", 64, 10},
		{"diverged: truncate", 0, "smape", 20, 4},
		{"diverged: truncate", 0, "mse", 0.125, 4},
		{"diverged: nan", 0, "smape", nan, 0},
		// Not failed: the same in every mode.
		{"", 1, "smape", 20, 10},
		{"diverged: truncate", 1, "mse", 0.125, 10},
		// Short forecast: (6·20 + 4·200)/10 = 92.
		{"", 2, "smape", 92, 10},
		{"diverged: truncate", 2, "smape", 20, 6},
		// Failed fit: every row at the worst value.
		{"", 3, "smape", 200, 10},
		{"", 3, "mse", inf, 10},
		{"diverged: truncate", 3, "smape", nan, 0},
		// A window of the first 6 truth rows: the short forecast covers it,
		// trajectory 0 fails at its row 4: (4·20 + 2·200)/6 = 80.
		{"horizon: 6", 2, "smape", 20, 6},
		{"horizon: 6", 0, "smape", 80, 6},
		{"horizon: 6", 1, "mse", 0.125, 6},
	}
	outs := map[string]metricsOut{}
	for _, c := range cases {
		m, ok := outs[c.params]
		if !ok {
			m = readMetrics(t, runKind(t, "metrics", failing(t), c.params+"\n")["metrics"])
			outs[c.params] = m
		}
		r := m.row(t, c.traj, c.metric)
		same := r.Value == c.want || math.Abs(r.Value-c.want) < 1e-9 || (math.IsNaN(r.Value) && math.IsNaN(c.want))
		if !same || r.Points != c.points {
			t.Errorf("%q trajectory %d %s = %v over %d points (%s), want %v over %d",
				c.params, c.traj, c.metric, r.Value, r.Points, r.Status, c.want, c.points)
		}
	}

	m := outs[""]
	for _, c := range []struct {
		traj     int64
		failStep int
		status   string
		vpt      float64 // vpt_smape in Lyapunov times: rows·0.1/2
		censored bool
	}{
		{0, 4, "non-finite forecast value", 0.2, false},
		{1, -1, "", 0.5, true},
		{2, 6, "short forecast: 4 truth rows without a forecast row", 0.3, false},
		{3, 0, "fit failed: singular matrix", 0, false},
	} {
		for _, r := range m {
			if r.Trajectory != c.traj {
				continue
			}
			if r.Model != "nvar_gilpin" {
				t.Errorf("model %q, want the label nvar_gilpin", r.Model)
			}
			if r.Failed != (c.failStep >= 0) || r.FailureStep != c.failStep || !strings.Contains(r.Status, c.status) {
				t.Errorf("trajectory %d %s: failed %v at %d (%s), want failure step %d, status with %q",
					c.traj, r.Metric, r.Failed, r.FailureStep, r.Status, c.failStep, c.status)
			}
			if r.Censored && !strings.HasPrefix(r.Metric, "vpt_") {
				t.Errorf("trajectory %d %s censored", c.traj, r.Metric)
			}
		}
		// The cumulative sMAPE is 20 on every good row: valid until the
		// failure, or to the end of the window (censored).
		if r := m.row(t, c.traj, "vpt_smape"); math.Abs(r.Value-c.vpt) > 1e-12 || r.Censored != c.censored {
			t.Errorf("trajectory %d vpt_smape %v censored %v, want %v %v", c.traj, r.Value, r.Censored, c.vpt, c.censored)
		}
		if v := m.row(t, c.traj, "diverged").Value; v != map[bool]float64{true: 1, false: 0}[c.failStep >= 0] {
			t.Errorf("trajectory %d: diverged = %v", c.traj, v)
		}
	}
}

func TestMetricsPenalizeIsDefault(t *testing.T) {
	if scoring.MetricsDefaults.Diverged != "penalize" {
		t.Fatalf("default diverged = %q, want penalize", scoring.MetricsDefaults.Diverged)
	}
	def := runKind(t, "metrics", failing(t), "{}\n")
	pen := runKind(t, "metrics", failing(t), "diverged: penalize\n")
	if !bytes.Equal(stagetest.IPCBytes(t, def["metrics"]), stagetest.IPCBytes(t, pen["metrics"])) {
		t.Error("default output differs from diverged: penalize")
	}
}

// Curves past the failure are penalized like the metrics, NaN otherwise.
func TestMetricsFailedCurves(t *testing.T) {
	for _, c := range []struct {
		params      string
		at4, at10   float64
		short6, s10 float64
	}{
		{"", 20, 128, 20, 92},
		{"diverged: truncate\n", 20, math.NaN(), 20, math.NaN()},
	} {
		out := runKind(t, "metrics", failing(t), c.params+"horizons: [4, 6, 10]\ncurve_metrics: [smape]\n")
		curves, err := scoring.CurvesTable.Read(out["curves"])
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]int64]float64{{0, 4}: c.at4, {0, 10}: c.at10, {2, 6}: c.short6, {2, 10}: c.s10}
		for _, r := range curves {
			w, ok := want[[2]int64{r.Trajectory, int64(r.Horizon)}]
			if !ok {
				continue
			}
			if !(math.Abs(r.Value-w) < 1e-9 || (math.IsNaN(r.Value) && math.IsNaN(w))) {
				t.Errorf("%q: trajectory %d smape@%d = %v, want %v", c.params, r.Trajectory, r.Horizon, r.Value, w)
			}
		}
	}
}
