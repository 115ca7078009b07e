package report

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/invariants"
	"github.com/chaos-runner/runner/stages/leaderboard"
	"github.com/chaos-runner/runner/stages/scoring"
	"github.com/chaos-runner/runner/stages/solvereval"
	"github.com/chaos-runner/runner/systems"
)

// renderer builds the page and the summary section by section.
type renderer struct {
	p     Params
	env   stages.Env
	d     *data
	h, md strings.Builder
	files []stages.File // figures/*.svg
	nav   [][2]string   // anchor, title
	body  strings.Builder
}

func newRenderer(p Params, env stages.Env, d *data) *renderer {
	return &renderer{p: p, env: env, d: d}
}

func esc(s string) string { return html.EscapeString(s) }

// num formats a value for tables: 4 significant digits, "–" for NaN.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "−∞"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func (r *renderer) section(id, title string) {
	r.nav = append(r.nav, [2]string{id, title})
	fmt.Fprintf(&r.body, "<section id=\"%s\">\n<h2>%s</h2>\n", esc(id), esc(title))
	fmt.Fprintf(&r.md, "\n## %s\n\n", title)
}

func (r *renderer) endSection() { r.body.WriteString("</section>\n") }

// fig renders f as an embedded PNG and an SVG file.
func (r *renderer) fig(f *figure) error {
	png, err := f.png()
	if err != nil {
		return err
	}
	svg, err := f.svg()
	if err != nil {
		return err
	}
	name := "figures/" + safe(f.Name) + ".svg"
	r.files = append(r.files, stages.File{Name: name, MediaType: "image/svg+xml", Data: svg})
	fmt.Fprintf(&r.body, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s (<a href=\"%s\">SVG</a>)</figcaption></figure>\n",
		esc(f.Caption), base64.StdEncoding.EncodeToString(png), esc(f.Caption), esc(name))
	fmt.Fprintf(&r.md, "![%s](%s)\n\n", f.Caption, name)
	return nil
}

func safe(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' {
			return c
		}
		return '_'
	}, s)
}

// table writes an HTML table and its Markdown twin.
func (r *renderer) table(class string, head []string, rows [][]string) {
	fmt.Fprintf(&r.body, "<table class=\"%s\"><thead><tr>", class)
	for _, h := range head {
		fmt.Fprintf(&r.body, "<th>%s</th>", esc(h))
	}
	r.body.WriteString("</tr></thead><tbody>\n")
	for _, row := range rows {
		r.body.WriteString("<tr>")
		for _, c := range row {
			if numeric(c) {
				fmt.Fprintf(&r.body, "<td class=\"n\">%s</td>", esc(c))
			} else {
				fmt.Fprintf(&r.body, "<td>%s</td>", esc(c))
			}
		}
		r.body.WriteString("</tr>\n")
	}
	r.body.WriteString("</tbody></table>\n")
	r.md.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for range head {
		r.md.WriteString(" --- |")
	}
	r.md.WriteString("\n")
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = strings.ReplaceAll(c, "|", "\\|")
		}
		r.md.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	r.md.WriteString("\n")
}

// numeric reports whether a cell reads as a number (right-aligned): a
// number, optionally followed by a bracket or parenthesis, or a ratio n/m.
func numeric(c string) bool {
	head, _, _ := strings.Cut(c, " ")
	if a, b, ok := strings.Cut(head, "/"); ok {
		_, e1 := strconv.Atoi(a)
		_, e2 := strconv.Atoi(b)
		return e1 == nil && e2 == nil
	}
	if head == "–" || head == "∞" {
		return true
	}
	_, err := strconv.ParseFloat(head, 64)
	return err == nil
}

func (r *renderer) para(text string) {
	fmt.Fprintf(&r.body, "<p>%s</p>\n", esc(text))
	r.md.WriteString(text + "\n\n")
}

func (r *renderer) render(ctx context.Context) ([]stages.File, error) {
	steps := []func() error{r.leaderboards, r.dataLimited, r.longHorizon}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := r.systemSections(ctx); err != nil {
		return nil, err
	}
	for _, step := range []func() error{r.solvers, r.clustering, r.failures, r.provenance} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := step(); err != nil {
			return nil, err
		}
	}
	var page strings.Builder
	page.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	page.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n")
	fmt.Fprintf(&page, "<title>%s</title>\n<style>%s</style></head><body>\n", esc(r.p.Title), css)
	fmt.Fprintf(&page, "<header><h1>%s</h1>\n<p class=\"sub\">%s</p>\n<nav>", esc(r.p.Title), esc(r.summary()))
	for _, n := range r.nav {
		fmt.Fprintf(&page, "<a href=\"#%s\">%s</a> ", esc(n[0]), esc(n[1]))
	}
	page.WriteString("</nav></header>\n<main>\n")
	page.WriteString(r.body.String())
	page.WriteString("</main>\n</body></html>\n")
	md := "# " + r.p.Title + "\n\n" + r.summary() + "\n" + r.md.String()
	files := []stages.File{
		{Name: "report.html", MediaType: "text/html", Data: []byte(page.String())},
		{Name: "report.md", MediaType: "text/markdown", Data: []byte(md)},
	}
	return append(files, r.files...), nil
}

func (r *renderer) summary() string {
	models := map[string]bool{}
	tasks := map[string]bool{}
	for _, b := range r.d.Board {
		models[b.Model], tasks[b.Task] = true, true
	}
	return fmt.Sprintf("%d systems, %d models, %d tasks, %d input tables. Per-run provenance (run id, host, what ran): run.json beside this file.",
		len(r.d.systemNames()), len(models), len(tasks), len(r.d.Sources))
}

const css = `body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;background:#fff}
header{background:#1f3a5f;color:#fff;padding:14px 24px}header h1{margin:0 0 4px;font-size:24px}
.sub{margin:0 0 8px;opacity:.9}nav a{color:#cfe3ff;margin-right:12px;text-decoration:none}nav a:hover{text-decoration:underline}
main{padding:8px 24px 40px;max-width:1280px}section{border-bottom:1px solid #ddd;padding-bottom:12px}
h2{margin-top:28px;color:#1f3a5f}h3{margin-bottom:4px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}td.n{text-align:right;font-variant-numeric:tabular-nums}tbody tr:nth-child(even){background:#fafafa}
figure{margin:10px 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:13px;color:#555}
.figs{display:flex;flex-wrap:wrap;gap:0 16px;align-items:flex-start}.systems{display:flex;flex-wrap:wrap;gap:4px 12px}.note{color:#555;font-size:13px}`

// ---- leaderboards -------------------------------------------------------

func isLimited(task string) (int, bool) {
	rest, ok := strings.CutPrefix(task, "data_limited_")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// tasks lists the tasks of the leaderboard in first-seen order.
func (r *renderer) tasks() []string {
	var out []string
	for _, b := range r.d.Board {
		if !slices.Contains(out, b.Task) {
			out = append(out, b.Task)
		}
	}
	return out
}

func (r *renderer) taskRows(task string) []leaderboard.Row {
	var rows []leaderboard.Row
	for _, b := range r.d.Board {
		if b.Task == task {
			rows = append(rows, b)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Rank < rows[j].Rank })
	return rows
}

// vptRanks ranks rows by median VPT, highest first (NaN last, ties by name).
func vptRanks(rows []leaderboard.Row) map[string]int {
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	key := func(v float64) float64 {
		if math.IsNaN(v) {
			return math.Inf(-1)
		}
		return v
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := key(rows[idx[a]].VPTMedian), key(rows[idx[b]].VPTMedian)
		if x != y {
			return x > y
		}
		return rows[idx[a]].Model < rows[idx[b]].Model
	})
	out := map[string]int{}
	for rank, i := range idx {
		out[rows[i].Model] = rank + 1
	}
	return out
}

func (r *renderer) leaderboards() error {
	if len(r.d.Board) == 0 {
		return nil
	}
	r.section("leaderboard", "Leaderboard")
	rule := r.d.VPTRule
	if rule == "" {
		rule = "the leaderboard's rule"
	}
	r.para("Models ranked per task by the mean sMAPE (0-200) over every run (system × replicate), failed forecasts " +
		"counted at the worst value; the rank by median valid prediction time (VPT, " + rule + " rule, in Lyapunov " +
		"times; censored runs count at the horizon, a lower bound) is beside it. Spread: standard deviation over " +
		"replicates of the per-replicate mean. Published: Gilpin 2023 (Phys. Rev. Research 5, 043252), for the " +
		"published configurations (labels ending in _gilpin) only. Fit and forecast wall times would break the " +
		"report's determinism: runner apply writes them from the store's manifests beside this file.")
	r.body.WriteString("<p><a href=\"timings.html\">fit and forecast times</a> (timings.html, wall times from the manifests)</p>\n")
	r.md.WriteString("[fit and forecast times](timings.md) (timings.md, wall times from the manifests)\n\n")
	for _, task := range r.tasks() {
		if _, ok := isLimited(task); ok {
			continue
		}
		rows := r.taskRows(task)
		vr := vptRanks(rows)
		fmt.Fprintf(&r.body, "<h3 id=\"task-%s\">Task %s</h3>\n", esc(safe(task)), esc(task))
		fmt.Fprintf(&r.md, "### Task %s\n\n", task)
		var cells [][]string
		for _, b := range rows {
			pub, diff := "", ""
			if b.PublishedStatistic != "" {
				pub = num(b.Published) + " (" + b.PublishedStatistic + ")"
				diff = num(b.Difference)
			}
			cells = append(cells, []string{strconv.Itoa(b.Rank), b.Model, strconv.Itoa(vr[b.Model]),
				fmt.Sprintf("%d/%d", b.Systems, b.Runs), strconv.Itoa(b.Failures), num(b.Mean), num(b.Median),
				num(b.ReplicateSpread), fmt.Sprintf("%s [%s, %s]", num(b.VPTMedian), num(b.VPTQ1), num(b.VPTQ3)),
				strconv.Itoa(b.VPTCensored), pub, diff})
		}
		r.table("board", []string{"rank (sMAPE)", "model", "rank (VPT)", "systems/runs", "failures", "mean sMAPE",
			"median sMAPE", "spread", "median VPT [q1, q3] (Lyapunov times)", "VPT censored", "published", "ours − published"}, cells)
		if err := r.vptFigure(task, rows); err != nil {
			return err
		}
	}
	r.endSection()
	return nil
}

func (r *renderer) vptFigure(task string, rows []leaderboard.Row) error {
	sorted := slices.Clone(rows)
	vr := vptRanks(rows)
	sort.SliceStable(sorted, func(i, j int) bool { return vr[sorted[i].Model] < vr[sorted[j].Model] })
	f := newFigure("vpt_"+task, "Task "+task+": median VPT per model, bars from the first to the third quartile",
		"Task "+task+": valid prediction time", "model (best first)", "VPT (Lyapunov times)")
	var names []string
	pts := plotter.XYs{}
	var errs plotter.YErrors
	for i, b := range sorted {
		names = append(names, b.Model)
		if math.IsNaN(b.VPTMedian) {
			continue
		}
		pts = append(pts, plotter.XY{X: float64(i), Y: b.VPTMedian})
		errs = append(errs, struct{ Low, High float64 }{b.VPTMedian - b.VPTQ1, b.VPTQ3 - b.VPTMedian})
	}
	if len(pts) == 0 {
		return nil
	}
	f.plot.NominalX(names...)
	f.plot.X.Tick.Label.Rotation = math.Pi / 4
	f.plot.X.Tick.Label.XAlign, f.plot.X.Tick.Label.YAlign = -1, -0.5
	f.plot.X.Tick.Label.XAlign = -0.8
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil
	}
	s.Color = colour(0)
	s.Shape = draw.CircleGlyph{}
	s.Radius = vg.Points(4)
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err == nil {
		eb.Color = colour(0)
		f.plot.Add(eb)
	}
	f.plot.Add(s)
	f.add("median (bars: q1 – q3)", s)
	f.plot.Y.Min = 0
	f.H = 4 * vg.Inch
	return r.fig(f)
}

// ---- data-limited curve -------------------------------------------------

func (r *renderer) dataLimited() error {
	type pt struct {
		n    int
		mean float64
		med  float64
		pub  float64
	}
	curves := map[string][]pt{}
	var models []string
	for _, b := range r.d.Board {
		n, ok := isLimited(b.Task)
		if !ok {
			continue
		}
		if _, seen := curves[b.Model]; !seen {
			models = append(models, b.Model)
		}
		pub := math.NaN()
		if b.PublishedStatistic == "median" {
			pub = b.Published
		}
		curves[b.Model] = append(curves[b.Model], pt{n, b.Mean, b.Median, pub})
	}
	if len(models) == 0 {
		return nil
	}
	slices.Sort(models)
	r.section("data-limited", "Data-limited task")
	r.para("sMAPE (0-200, failures counted) of each model against the number of training points (the most recent points of the training series), median over runs; published medians (Gilpin 2023) where given, as crosses.")
	f := newFigure("data_limited", "Median sMAPE against training points per model", "Data-limited task", "training points (log scale)", "median sMAPE (0-200)")
	f.plot.X.Scale = plot.LogScale{}
	f.plot.X.Tick.Marker = plot.LogTicks{Prec: -1}
	var all []float64
	var points []int
	for i, m := range models {
		pts := curves[m]
		sort.Slice(pts, func(a, b int) bool { return pts[a].n < pts[b].n })
		var xys plotter.XYs
		for _, q := range pts {
			xys = append(xys, plotter.XY{X: float64(q.n), Y: q.med})
			all = append(all, q.med)
			if !slices.Contains(points, q.n) {
				points = append(points, q.n)
			}
			if !math.IsNaN(q.pub) {
				if s, err := plotter.NewScatter(plotter.XYs{{X: float64(q.n), Y: q.pub}}); err == nil {
					s.Color = colour(i)
					s.Shape = draw.CrossGlyph{}
					s.Radius = vg.Points(5)
					f.plot.Add(s)
				}
			}
		}
		f.line(m, i, xys, true, false)
	}
	logIfDecades(&f.plot.Y, all)
	slices.Sort(points)
	var ticks []plot.Tick
	for _, n := range points {
		ticks = append(ticks, plot.Tick{Value: float64(n), Label: strconv.Itoa(n)})
	}
	f.plot.X.Tick.Marker = plot.ConstantTicks(ticks)
	if err := r.fig(f); err != nil {
		return err
	}
	head := []string{"model"}
	for _, n := range points {
		head = append(head, strconv.Itoa(n)+" pts")
	}
	var rows [][]string
	for _, m := range models {
		row := []string{m}
		for _, n := range points {
			cell := ""
			for _, q := range curves[m] {
				if q.n == n {
					cell = num(q.med)
					if !math.IsNaN(q.pub) {
						cell += " (pub. " + num(q.pub) + ")"
					}
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	r.table("limited", head, rows)
	r.endSection()
	return nil
}

// ---- long horizon ---------------------------------------------------------

func (r *renderer) longHorizon() error {
	std, long := r.taskRows("standard"), r.taskRows("long")
	if len(long) == 0 {
		return nil
	}
	r.section("long-horizon", "Long-horizon comparison")
	r.para("The same fitted models forecasting the standard horizon and the long one: mean sMAPE (failures counted) and median VPT in Lyapunov times. A VPT that reaches the standard horizon is censored there; the long task shows how far it goes.")
	byModel := map[string]leaderboard.Row{}
	for _, b := range std {
		byModel[b.Model] = b
	}
	var rows [][]string
	for _, l := range long {
		s, ok := byModel[l.Model]
		sm, sv := "", ""
		if ok {
			sm, sv = num(s.Mean), num(s.VPTMedian)
		}
		rows = append(rows, []string{l.Model, sm, num(l.Mean), sv, num(l.VPTMedian), strconv.Itoa(l.Failures), strconv.Itoa(l.Rank)})
	}
	r.table("long", []string{"model", "standard: mean sMAPE", "long: mean sMAPE", "standard: median VPT", "long: median VPT", "long: failures", "long: rank"}, rows)
	r.endSection()
	return nil
}

// ---- systems ------------------------------------------------------------------

// bestModels returns the models ranked best on task, in rank order.
func (r *renderer) bestModels() []string {
	var out []string
	for _, b := range r.taskRows(r.p.Task) {
		out = append(out, b.Model)
	}
	return out
}

func lyapunovTime(sys string, m float64) float64 {
	if m > 0 {
		return m
	}
	if s, err := systems.Lookup(sys); err == nil && s.LyapunovMax > 0 {
		return 1 / s.LyapunovMax
	}
	return math.NaN()
}

func (r *renderer) systemSections(ctx context.Context) error {
	names := r.d.systemNames()
	if len(names) == 0 {
		return nil
	}
	if r.p.MaxSystems > 0 && len(names) > r.p.MaxSystems {
		names = names[:r.p.MaxSystems]
	}
	r.section("systems", "Systems")
	r.body.WriteString("<div class=\"systems\">")
	for _, s := range names {
		fmt.Fprintf(&r.body, "<a href=\"#sys-%s\">%s</a>", esc(safe(s)), esc(s))
	}
	r.body.WriteString("</div>\n")
	r.endSection()
	best := r.bestModels()
	inv := map[string]invariants.Row{}
	for _, row := range r.d.Invariants {
		inv[row.System] = row
	}
	for _, sys := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		fmt.Fprintf(&r.body, "<section id=\"sys-%s\" class=\"system\">\n<h2>%s</h2>\n", esc(safe(sys)), esc(sys))
		fmt.Fprintf(&r.md, "\n### %s\n\n", sys)
		runs := r.pick(r.d.Runs[sys], best)
		if len(runs) > 0 {
			r.body.WriteString("<div class=\"figs\">\n")
			if err := r.systemFigures(sys, runs); err != nil {
				return err
			}
			r.body.WriteString("</div>\n")
		}
		r.systemMetrics(sys)
		if row, ok := inv[sys]; ok {
			r.invariantsTable(row)
		}
		r.body.WriteString("</section>\n")
	}
	return nil
}

// pick chooses the runs drawn: the best p.Best ranked models that have a
// run, then the baselines; without a ranking, the first p.Best runs.
func (r *renderer) pick(runs []*run, best []string) []*run {
	var out []*run
	has := func(m string) *run {
		for _, x := range runs {
			if x.Model == m {
				return x
			}
		}
		return nil
	}
	for _, m := range best {
		if len(out) >= r.p.Best {
			break
		}
		if slices.Contains(r.p.Baselines, m) {
			continue
		}
		if x := has(m); x != nil {
			out = append(out, x)
		}
	}
	if len(best) == 0 {
		for _, x := range runs {
			if len(out) < r.p.Best && !slices.Contains(r.p.Baselines, x.Model) {
				out = append(out, x)
			}
		}
	}
	for _, m := range r.p.Baselines {
		if x := has(m); x != nil {
			out = append(out, x)
		}
	}
	return out
}

func (r *renderer) systemFigures(sys string, runs []*run) error {
	tr := runs[0].Truth
	lt := lyapunovTime(sys, runs[0].Meta.LyapunovTime)
	unit, scale := "Lyapunov times", lt
	if math.IsNaN(lt) {
		unit, scale = "time units", 1
	}
	// The truth is drawn a little past the longest forecast.
	longest := 0
	for _, x := range runs {
		longest = max(longest, x.Forecast.Len())
	}
	n := min(tr.Len(), r.p.MaxPoints, longest+longest/4)
	t0 := tr.Times[0]
	dim := 0
	for _, x := range tr.X[0] {
		if !math.IsNaN(x) {
			dim++
		}
	}
	// Trajectories: x0 against time.
	f := newFigure("system_"+sys+"_trajectory", sys+": x0 of the truth and of the forecasts", sys+": truth against forecasts",
		"time since forecast start ("+unit+")", "x0 (state units)")
	xy := func(s interface {
		Len() int
	}, times []float64, xs [][]float64, k int) plotter.XYs {
		m := min(len(times), n)
		out := make(plotter.XYs, m)
		for i := 0; i < m; i++ {
			out[i] = plotter.XY{X: (times[i] - t0) / scale, Y: xs[i][k]}
		}
		return out
	}
	truthLine := xy(tr, tr.Times, tr.X, 0)
	l, err := plotter.NewLine(finite(truthLine, f.plot.X.Scale, f.plot.Y.Scale))
	if err == nil {
		l.Width = vg.Points(2)
		f.plot.Add(l)
		f.add("truth", l)
	}
	for i, x := range runs {
		label := x.Model
		if x.Failed {
			label += " (diverged)"
		}
		f.line(label, i, xy(x.Forecast, x.Forecast.Times, x.Forecast.X, 0), false, slices.Contains(r.p.Baselines, x.Model))
	}
	if err := r.fig(f); err != nil {
		return err
	}
	// Attractor projection.
	if dim >= 2 {
		b := 1
		if dim >= 3 {
			b = 2
		}
		f := newFigure("system_"+sys+"_attractor", fmt.Sprintf("%s: projection on (x0, x%d) of the truth and of the best model's forecast", sys, b),
			sys+": attractor projection", "x0 (state units)", fmt.Sprintf("x%d (state units)", b))
		f.W, f.H = 6*vg.Inch, 4.2*vg.Inch
		proj := func(xs [][]float64) plotter.XYs {
			m := min(len(xs), n)
			out := make(plotter.XYs, m)
			for i := 0; i < m; i++ {
				out[i] = plotter.XY{X: xs[i][0], Y: xs[i][b]}
			}
			return out
		}
		l, err := plotter.NewLine(finite(proj(tr.X), f.plot.X.Scale, f.plot.Y.Scale))
		if err == nil {
			l.Color = colour(7)
			f.plot.Add(l)
			f.add("truth", l)
		}
		f.line(runs[0].Model, 0, proj(runs[0].Forecast.X), false, false)
		if err := r.fig(f); err != nil {
			return err
		}
	}
	// Error against horizon: RMS over coordinates of the error divided by
	// the truth's per-coordinate standard deviation.
	std := make([]float64, dim)
	for k := 0; k < dim; k++ {
		var s, s2 float64
		for i := 0; i < tr.Len(); i++ {
			s += tr.X[i][k]
			s2 += tr.X[i][k] * tr.X[i][k]
		}
		mean := s / float64(tr.Len())
		std[k] = math.Sqrt(max(s2/float64(tr.Len())-mean*mean, 1e-300))
	}
	f = newFigure("system_"+sys+"_error", sys+": normalised error against horizon (log scale)", sys+": error against horizon",
		"horizon ("+unit+")", "RMS error / attractor std")
	f.plot.Y.Scale = plot.LogScale{}
	f.plot.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	for i, x := range runs {
		m := min(x.Forecast.Len(), tr.Len(), n)
		var xys plotter.XYs
		for j := 0; j < m; j++ {
			var e float64
			for k := 0; k < dim; k++ {
				d := (x.Forecast.X[j][k] - tr.X[j][k]) / std[k]
				e += d * d
			}
			xys = append(xys, plotter.XY{X: (tr.Times[j] - t0) / scale, Y: math.Sqrt(e / float64(dim))})
		}
		f.line(x.Model, i, xys, false, slices.Contains(r.p.Baselines, x.Model))
	}
	return r.fig(f)
}

func (r *renderer) vptMetric() string {
	if r.d.VPTRule != "" {
		return "vpt_" + r.d.VPTRule
	}
	return "vpt_smape"
}

// systemMetrics tabulates every model's metrics on sys, over its runs.
func (r *renderer) systemMetrics(sys string) {
	type acc struct {
		smape, vpt   []float64
		runs, failed int
		status       string
	}
	by := map[string]*acc{}
	var models []string
	vm := r.vptMetric()
	for _, m := range r.d.Metrics {
		if m.System != sys {
			continue
		}
		a := by[m.Model]
		if a == nil {
			a = &acc{}
			by[m.Model] = a
			models = append(models, m.Model)
		}
		switch m.Metric {
		case "smape":
			a.smape = append(a.smape, m.Value)
			a.runs++
			if m.Failed {
				a.failed++
				if a.status == "" {
					a.status = m.Status
				}
			}
		case vm:
			a.vpt = append(a.vpt, m.Value)
		}
	}
	if len(models) == 0 {
		return
	}
	slices.Sort(models)
	var rows [][]string
	for _, m := range models {
		a := by[m]
		rows = append(rows, []string{m, num(mean(a.smape)), num(median(a.vpt)), fmt.Sprintf("%d/%d", a.failed, a.runs), a.status})
	}
	r.body.WriteString("<h3>Metrics</h3>\n")
	r.table("metrics", []string{"model", "mean sMAPE", "median VPT (Lyapunov times)", "failed/runs", "failure"}, rows)
}

func (r *renderer) invariantsTable(row invariants.Row) {
	r.body.WriteString("<h3>Invariants</h3>\n")
	pm := func(v, e float64) string {
		if math.IsNaN(e) || e == 0 {
			return num(v)
		}
		return num(v) + " ± " + num(e)
	}
	rows := [][]string{
		{"largest Lyapunov exponent (1/time unit)", pm(row.LyapunovMax, row.LyapunovMaxErr), num(row.DystsLyapunovMax), num(row.LyapunovMaxRelDiff)},
		{"Kaplan-Yorke dimension", num(row.KaplanYorke), num(row.DystsKaplanYorke), num(row.KaplanYorkeRelDiff)},
		{"correlation dimension", pm(row.CorrelationDimension, row.CorrelationDimensionErr), num(row.DystsCorrelationDimension), num(row.CorrelationDimensionRelDiff)},
		{"multiscale entropy (nats)", num(row.MultiscaleEntropy), num(row.DystsMultiscaleEntropy), ""},
		{"permutation entropy", num(row.PermutationEntropy), "", ""},
	}
	r.table("invariants", []string{"invariant", "ours", "dysts", "relative difference"}, rows)
	if row.Status != "ok" || row.Notes != "" {
		r.para("Status: " + row.Status + ". " + row.Notes)
	}
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ---- solvers ----------------------------------------------------------------

func (r *renderer) solvers() error {
	if len(r.d.Solvers) == 0 {
		return nil
	}
	r.section("solvers", "Solvers: work-precision and ranking")
	p := solvereval.PlotDefaults
	p.Formats, p.PerSystem = []string{"png"}, false
	files, err := solvereval.Render(context.Background(), p, r.d.Solvers, nil)
	if err != nil {
		return fmt.Errorf("solver diagrams: %w", err)
	}
	for _, f := range files {
		if f.Name == "catalog_rhs.png" {
			fmt.Fprintf(&r.body, "<figure><img alt=\"work-precision diagram\" src=\"data:image/png;base64,%s\"><figcaption>Median final error (RMS of error / attractor std) against median RHS evaluations over the systems, log-log, one line per solver</figcaption></figure>\n",
				base64.StdEncoding.EncodeToString(f.Data))
		}
	}
	ps := p
	ps.Formats = []string{"svg"}
	if svgs, err := solvereval.Render(context.Background(), ps, r.d.Solvers, nil); err == nil {
		for _, f := range svgs {
			if f.Name == "catalog_rhs.svg" {
				r.files = append(r.files, stages.File{Name: "figures/solvers_workprecision.svg", MediaType: "image/svg+xml", Data: f.Data})
				r.md.WriteString("![work-precision](figures/solvers_workprecision.svg)\n\n")
			}
		}
	}
	rank := solvereval.Rank(r.d.Solvers, p.Error, p.Bands)
	var rows [][]string
	for _, x := range rank {
		rows = append(rows, []string{num(x.Band), strconv.Itoa(x.Rank), x.Method, num(x.MedianRatio), num(x.MedianWork), fmt.Sprintf("%d/%d", x.Reached, x.Systems), strconv.Itoa(x.Wins)})
	}
	r.para("Ranking by work at matched error: for each target error, the RHS evaluations each solver needs on each system (interpolated log-log along its sweep) over the least work of any solver on that system; score: the median ratio over all systems, unreached systems counting as infinite.")
	r.table("solvers", []string{"target error", "rank", "method", "median work ratio", "median RHS evals", "reached", "wins"}, rows)
	r.endSection()
	return nil
}

// ---- clustering -------------------------------------------------------------

var clusterFeatures = []string{"lyapunov_max", "kaplan_yorke_dimension", "correlation_dimension", "rosenstein", "permutation_entropy", "multiscale_entropy"}

func features(row invariants.Row) []float64 {
	return []float64{row.LyapunovMax, row.KaplanYorke, row.CorrelationDimension, row.Rosenstein, row.PermutationEntropy, row.MultiscaleEntropy}
}

func (r *renderer) clustering() error {
	if len(r.d.Clusters) == 0 || len(r.d.Invariants) == 0 {
		return nil
	}
	inv := map[string]invariants.Row{}
	for _, row := range r.d.Invariants {
		inv[row.System] = row
	}
	var ids []string
	var cl []scoring.ClusterRow
	for _, c := range r.d.Clusters {
		if _, ok := inv[c.ID]; ok && c.Cluster >= 0 {
			ids = append(ids, c.ID)
			cl = append(cl, c)
		}
	}
	if len(ids) < 3 {
		return nil
	}
	nf := len(clusterFeatures)
	x := mat.NewDense(len(ids), nf, nil)
	for j := 0; j < nf; j++ {
		// A non-finite value is replaced by the column's median over the
		// finite ones (the cluster stage's nan: median), then z-scored.
		var fin []float64
		for _, id := range ids {
			if v := features(inv[id])[j]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				fin = append(fin, v)
			}
		}
		med := 0.0
		if len(fin) > 0 {
			med = median(fin)
		}
		col := make([]float64, len(ids))
		var s, s2 float64
		for i, id := range ids {
			v := features(inv[id])[j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = med
			}
			col[i] = v
			s, s2 = s+v, s2+v*v
		}
		m := s / float64(len(ids))
		sd := math.Sqrt(max(s2/float64(len(ids))-m*m, 0))
		if !(sd > 0) {
			sd = 1
		}
		for i, v := range col {
			x.Set(i, j, (v-m)/sd)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThin) {
		return nil
	}
	var v mat.Dense
	svd.VTo(&v)
	var proj mat.Dense
	proj.Mul(x, v.Slice(0, nf, 0, 2))
	r.section("clustering", "Clustering of systems by invariants")
	r.para(fmt.Sprintf("k-medoids clusters of the systems (cluster stage), drawn on the first two principal components of the standardised invariants (%s; a missing value at the column median). Medoids are named.", strings.Join(clusterFeatures, ", ")))
	f := newFigure("clustering", "Systems on the first two principal components, coloured by cluster; medoids named", "Systems by invariants",
		"principal component 1 (standardised units)", "principal component 2 (standardised units)")
	f.W, f.H = 7.5*vg.Inch, 5*vg.Inch
	byCluster := map[int]plotter.XYs{}
	var ks []int
	var medoids plotter.XYLabels
	for i, c := range cl {
		pt := plotter.XY{X: proj.At(i, 0), Y: proj.At(i, 1)}
		if _, ok := byCluster[c.Cluster]; !ok {
			ks = append(ks, c.Cluster)
		}
		byCluster[c.Cluster] = append(byCluster[c.Cluster], pt)
		if c.IsMedoid {
			medoids.XYs = append(medoids.XYs, pt)
			medoids.Labels = append(medoids.Labels, c.ID)
		}
	}
	slices.Sort(ks)
	var rows [][]string
	for _, k := range ks {
		s, err := plotter.NewScatter(byCluster[k])
		if err != nil {
			continue
		}
		s.Color = colour(k)
		s.Shape = plotutil.Shape(k)
		s.Radius = vg.Points(3.5)
		f.plot.Add(s)
		f.add(fmt.Sprintf("cluster %d (%d)", k, len(byCluster[k])), s)
		var members []string
		medoid := ""
		for _, c := range cl {
			if c.Cluster == k {
				members = append(members, c.ID)
				if c.IsMedoid {
					medoid = c.ID
				}
			}
		}
		rows = append(rows, []string{strconv.Itoa(k), medoid, strconv.Itoa(len(members)), strings.Join(members, ", ")})
	}
	if len(medoids.XYs) > 0 {
		if lb, err := plotter.NewLabels(medoids); err == nil {
			lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
			f.plot.Add(lb)
		}
	}
	if err := r.fig(f); err != nil {
		return err
	}
	r.table("clusters", []string{"cluster", "medoid", "systems", "members"}, rows)
	r.endSection()
	return nil
}

// ---- failures ----------------------------------------------------------------

func (r *renderer) failures() error {
	type fail struct{ sys, model, cell, status string }
	var list []fail
	runs := 0
	for i, m := range r.d.Metrics {
		if m.Metric != "smape" {
			continue
		}
		runs++
		if m.Failed {
			cell := ""
			if i < len(r.d.MetricCell) {
				cell = r.d.MetricCell[i].String()
			}
			list = append(list, fail{m.System, m.Model, cell + fmt.Sprintf(" trajectory=%d", m.Trajectory), m.Status})
		}
	}
	var invFailed [][]string
	for _, row := range r.d.Invariants {
		if row.Status != "ok" {
			invFailed = append(invFailed, []string{row.System, row.Status})
		}
	}
	var missing [][]string
	for _, s := range r.d.Sources {
		if s.Missing {
			missing = append(missing, []string{s.Stage, s.Port})
		}
	}
	if len(r.d.Metrics) == 0 && len(r.d.Invariants) == 0 && len(missing) == 0 {
		return nil
	}
	r.section("failures", "Failures")
	if len(missing) > 0 {
		r.para(fmt.Sprintf("%d input tables are missing: their stage instance failed or was skipped in the run that made this report (the errors are in run.json beside this file). Everything below is computed from the tables that exist.", len(missing)))
		r.table("missing", []string{"missing table (producer instance)", "input"}, missing)
	}
	r.para(fmt.Sprintf("%d of %d scored forecasts failed (a failed fit, a diverged or non-finite forecast); they are counted in the leaderboard at the worst value. Stage instances that failed outright in the run are listed in run.json beside this file.", len(list), runs))
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].sys != list[j].sys {
			return list[i].sys < list[j].sys
		}
		return list[i].model < list[j].model
	})
	var rows [][]string
	for i, f := range list {
		if i >= r.p.MaxListed {
			r.para(fmt.Sprintf("… and %d more (see the metrics tables, failed = true).", len(list)-i))
			break
		}
		rows = append(rows, []string{f.sys, f.model, strings.TrimSpace(f.cell), f.status})
	}
	if len(rows) > 0 {
		r.table("failures", []string{"system", "model", "run", "reason"}, rows)
	}
	if len(invFailed) > 0 {
		r.para(fmt.Sprintf("%d systems whose invariants could not be computed:", len(invFailed)))
		r.table("failures", []string{"system", "status"}, invFailed)
	}
	r.endSection()
	return nil
}

// ---- provenance ----------------------------------------------------------------

func (r *renderer) provenance() error {
	r.section("provenance", "Provenance")
	p := r.p
	params := fmt.Sprintf("title %q, task %s, best %d, baselines %v, trajectory %d, max_systems %d, max_points %d, max_listed %d",
		p.Title, p.Task, p.Best, p.Baselines, p.Trajectory, p.MaxSystems, p.MaxPoints, p.MaxListed)
	r.para(fmt.Sprintf("This report: stage %s, seed %d, params: %s. The cache key of every input table is below: it fixes the table's whole recipe (kinds, versions, params, seeds and upstream keys), so the same keys give the same report, byte for byte.", r.env.ID, r.env.Seed, params))
	r.para("What changes from run to run — the pipeline file and its SHA-256, the root seed, the run id, the runner version, the host, which stages were cached and which ran, and the stage failures of the run — is in run.json, written beside this file by runner apply when it publishes.")
	fmt.Fprintf(&r.body, "<p><a href=\"run.json\">run.json</a></p>\n")
	var rows [][]string
	for _, s := range r.d.Sources {
		key := s.Key
		switch {
		case s.Missing:
			key = "missing: the instance failed or was skipped"
		case key == "":
			key = "(not from a store)"
		}
		rows = append(rows, []string{s.Port, s.Stage, key, strconv.FormatInt(s.Rows, 10)})
	}
	r.table("provenance", []string{"input", "table (producer instance)", "key", "rows"}, rows)
	r.endSection()
	return nil
}
