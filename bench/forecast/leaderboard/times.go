package main

import (
	"fmt"
	"slices"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/stages/forecast"
	"github.com/chaos-runner/runner/stages/leaderboard"
)

// taskModel names one row of the leaderboard.
type taskModel struct{ task, model string }

// wallTimes are the recorded wall times of the fits and forecasts behind a
// row, in seconds.
type wallTimes struct{ fit, forecast []float64 }

// times reads the wall times of the train and forecast entries behind each
// (task, model) row of the leaderboard node n from their manifests. They
// are not in the leaderboard table itself because a wall time differs from
// run to run and the table must be bitwise reproducible; the manifest is
// where the store keeps them.
//
// The walk follows the plan: leaderboard → metrics → forecast → train, and
// names the row as the leaderboard stage does (its task, plus _<value> of
// each split_by axis; the model by the fit's label, else its family).
func times(store *artifacts.Store, n *runner.Node) map[taskModel]*wallTimes {
	out := map[taskModel]*wallTimes{}
	seen := map[artifacts.Key]bool{}
	wall := func(k artifacts.Key) (float64, bool) {
		m, err := store.Lookup(k)
		if err != nil {
			return 0, false
		}
		return m.WallSeconds, true
	}
	var boards []*runner.Node
	var collectBoards func(*runner.Node)
	collectBoards = func(x *runner.Node) {
		if x.Kind.Name() == "leaderboard" {
			boards = append(boards, x)
			return
		}
		for _, d := range x.Deps {
			collectBoards(d)
		}
	}
	collectBoards(n)
	for _, b := range boards {
		p, ok := b.Params.Value.(leaderboard.Params)
		if !ok {
			continue
		}
		for _, score := range b.Deps {
			task := p.Task
			for _, axis := range p.SplitBy {
				if v, ok := score.Cell.Get(axis); ok {
					task += "_" + v
				}
			}
			for _, pred := range score.Deps {
				if pred.Kind.Name() != "forecast" {
					continue
				}
				for _, fit := range pred.Deps {
					tp, ok := fit.Params.Value.(forecast.TrainParams)
					if fit.Kind.Name() != "train" || !ok {
						continue
					}
					label := tp.Label
					if label == "" {
						label = tp.Model
					}
					row := taskModel{task, label}
					t := out[row]
					if t == nil {
						t = &wallTimes{}
						out[row] = t
					}
					if s, ok := wall(fit.Key); ok && !seen[fit.Key] {
						t.fit = append(t.fit, s)
					}
					seen[fit.Key] = true
					if s, ok := wall(pred.Key); ok && !seen[pred.Key] {
						t.forecast = append(t.forecast, s)
					}
					seen[pred.Key] = true
				}
			}
		}
	}
	return out
}

// seconds formats the median of wall times xs with three significant
// digits, or "" when there are none.
func seconds(xs []float64) string {
	if len(xs) == 0 {
		return ""
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return fmt.Sprintf("%.3g", m)
}
