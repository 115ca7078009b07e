package runner

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/chaos-runner/runner/artifacts"
)

// Timings files: written by Apply beside a published report (see
// writeTimings).
const (
	TimingsHTML = "timings.html"
	TimingsMD   = "timings.md"
)

// TaskModel names one row of a leaderboard: its task and model.
type TaskModel struct{ Task, Model string }

// Times are the recorded wall times of the fits and forecasts behind one
// leaderboard row: the median of one entry in seconds (NaN when there are
// none) and how many entries the median is over.
type Times struct {
	Fit, Forecast   float64
	Fits, Forecasts int
}

// LeaderboardTimes reads, from their manifests, the wall times of the
// train and forecast entries behind each (task, model) row of every
// leaderboard node at or above n (n may be a leaderboard, or a report
// reading leaderboards). They are not in the leaderboard table because a
// wall time differs from run to run and the table must be bitwise
// reproducible; the manifest is where the store keeps them. Entries not in
// the store are left out of the counts.
//
// The walk follows the plan: leaderboard → metrics → forecast → train, and
// names the row as the leaderboard stage does: the score cell's task axis,
// else the leaderboard's task param, plus _<value> of each split_by axis;
// the model by the fit's label, else its family.
func LeaderboardTimes(store *artifacts.Store, n *Node) map[TaskModel]Times {
	type walls struct{ fit, forecast []float64 }
	rows := map[TaskModel]*walls{}
	seen := map[artifacts.Key]bool{}
	// wall returns k's wall time the first time k is met.
	wall := func(k artifacts.Key) (float64, bool) {
		if seen[k] {
			return 0, false
		}
		seen[k] = true
		m, err := store.Lookup(k)
		if err != nil {
			return 0, false
		}
		return m.WallSeconds, true
	}
	for _, b := range leaderboardNodes(n) {
		var bp struct {
			Task    string   `json:"task"`
			SplitBy []string `json:"split_by"`
		}
		_ = json.Unmarshal(b.Params.Canonical, &bp)
		for _, score := range b.Deps {
			task := bp.Task
			if t, ok := score.Cell.Get("task"); ok {
				task = t
			}
			for _, axis := range bp.SplitBy {
				if v, ok := score.Cell.Get(axis); ok {
					task += "_" + v
				}
			}
			for _, pred := range score.Deps {
				if pred.Kind.Name() != "forecast" {
					continue
				}
				for _, fit := range pred.Deps {
					if fit.Kind.Name() != "train" {
						continue
					}
					var tp struct {
						Model string `json:"model"`
						Label string `json:"label"`
					}
					_ = json.Unmarshal(fit.Params.Canonical, &tp)
					label := tp.Label
					if label == "" {
						label = tp.Model
					}
					row := TaskModel{task, label}
					w := rows[row]
					if w == nil {
						w = &walls{}
						rows[row] = w
					}
					if s, ok := wall(fit.Key); ok {
						w.fit = append(w.fit, s)
					}
					if s, ok := wall(pred.Key); ok {
						w.forecast = append(w.forecast, s)
					}
				}
			}
		}
	}
	out := make(map[TaskModel]Times, len(rows))
	for k, w := range rows {
		out[k] = Times{Fit: median(w.fit), Forecast: median(w.forecast), Fits: len(w.fit), Forecasts: len(w.forecast)}
	}
	return out
}

// leaderboardNodes lists the leaderboard nodes at or above n, in plan
// order, each once.
func leaderboardNodes(n *Node) []*Node {
	var out []*Node
	seen := map[int]bool{}
	var visit func(x *Node)
	visit = func(x *Node) {
		if seen[x.Index] {
			return
		}
		seen[x.Index] = true
		if x.Kind != nil && x.Kind.Name() == "leaderboard" {
			out = append(out, x)
			return
		}
		for _, d := range x.Deps {
			visit(d)
		}
	}
	visit(n)
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return m
}

// FormatSeconds formats a median wall time with three significant digits,
// "" for NaN (no entry).
func FormatSeconds(s float64) string {
	if math.IsNaN(s) {
		return ""
	}
	return fmt.Sprintf("%.3g", s)
}

// timingsRows returns t's rows sorted by task, then model.
func timingsRows(t map[TaskModel]Times) []TaskModel {
	keys := make([]TaskModel, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Task != keys[j].Task {
			return keys[i].Task < keys[j].Task
		}
		return keys[i].Model < keys[j].Model
	})
	return keys
}

const timingsNote = "Wall times recorded in the store's manifests (wall_seconds) when each entry was computed, " +
	"cached or not in this run: they depend on the machine and its load, and are not part of the cached report, " +
	"which stays bitwise reproducible."

// renderTimings returns timings.html (self-contained: inline CSS, no
// scripts) and timings.md for the stage stage.
func renderTimings(stage string, t map[TaskModel]Times) (htmlDoc, md []byte) {
	var h, m strings.Builder
	h.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Fit and forecast times</title>\n")
	h.WriteString("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}" +
		"table{border-collapse:collapse}th,td{padding:.25em .75em;border-bottom:1px solid #ddd}" +
		"th{text-align:left;background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>\n</head>\n<body>\n")
	fmt.Fprintf(&h, "<h1>Fit and forecast times</h1>\n<p>%s Per task and model of the leaderboards behind %s: the median wall time of one fit and of one forecast, in seconds, and how many entries each median is over. <a href=\"report.html\">Back to the report</a>.</p>\n",
		html.EscapeString(timingsNote), html.EscapeString(stage))
	fmt.Fprintf(&m, "# Fit and forecast times\n\n%s Per task and model of the leaderboards behind %s: the median wall time of one fit and of one forecast, in seconds, and how many entries each median is over.\n\n", timingsNote, stage)
	h.WriteString("<table class=\"timings\">\n<thead><tr><th>task</th><th>model</th><th>median fit (s)</th><th>fits</th><th>median forecast (s)</th><th>forecasts</th></tr></thead>\n<tbody>\n")
	m.WriteString("| task | model | median fit (s) | fits | median forecast (s) | forecasts |\n| --- | --- | ---: | ---: | ---: | ---: |\n")
	for _, k := range timingsRows(t) {
		v := t[k]
		fmt.Fprintf(&h, "<tr><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%d</td></tr>\n",
			html.EscapeString(k.Task), html.EscapeString(k.Model), FormatSeconds(v.Fit), v.Fits, FormatSeconds(v.Forecast), v.Forecasts)
		fmt.Fprintf(&m, "| %s | %s | %s | %d | %s | %d |\n", k.Task, k.Model, FormatSeconds(v.Fit), v.Fits, FormatSeconds(v.Forecast), v.Forecasts)
	}
	h.WriteString("</tbody>\n</table>\n</body>\n</html>\n")
	return []byte(h.String()), []byte(m.String())
}

// writeTimings writes timings.html and timings.md for the report node n
// into dir when force is set (something was published) or a file is
// missing or differs from what it would be now. Each file is replaced
// through a temporary name and a rename. It returns how many it wrote.
func (a *applier) writeTimings(n *Node, dir string, force bool) (int, error) {
	h, m := renderTimings(n.ID(), LeaderboardTimes(a.store, n))
	count := 0
	for _, f := range []struct {
		name string
		data []byte
	}{{TimingsHTML, h}, {TimingsMD, m}} {
		path := filepath.Join(dir, f.name)
		if !force {
			if old, err := os.ReadFile(path); err == nil && string(old) == string(f.data) {
				continue
			}
		}
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.publish-%d", f.name, os.Getpid()))
		if err := os.WriteFile(tmp, f.data, 0o644); err != nil {
			_ = os.Remove(tmp)
			return count, err
		}
		if err := os.Rename(tmp, path); err != nil {
			_ = os.Remove(tmp)
			return count, err
		}
		count++
	}
	return count, nil
}
