package solvereval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"image/color"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
)

// PlotParams configure workprecision_plot.
type PlotParams struct {
	Formats     []string  `yaml:"formats,omitempty" doc:"image formats: png, svg"`
	Error       string    `yaml:"error,omitempty" doc:"error column on the diagrams and in the ranking: final, l2 or dense"`
	Bands       []float64 `yaml:"bands,omitempty" doc:"target errors of the ranking bands"`
	StiffFactor float64   `yaml:"stiff_factor,omitempty" doc:"a system is stiff when the fewest explicit steps / implicit steps reaches this at some tolerance"`
	PerSystem   bool      `yaml:"per_system,omitempty" doc:"also draw one diagram per system (files systems/<System>_rhs and _time)"`
}

// PlotDefaults of workprecision_plot.
var PlotDefaults = PlotParams{
	Formats: []string{"png", "svg"}, Error: "final",
	Bands: []float64{1e-2, 1e-4, 1e-6, 1e-8}, StiffFactor: 10, PerSystem: true,
}

// Validate checks the params.
func (p *PlotParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(f, m string) { errs = append(errs, stages.FieldError{Field: f, Message: m}) }
	if len(p.Formats) == 0 {
		bad("formats", "list at least one of png, svg")
	}
	for _, f := range p.Formats {
		if f != "png" && f != "svg" {
			bad("formats", fmt.Sprintf("unknown format %q (have png, svg)", f))
		}
	}
	if p.Error != "final" && p.Error != "l2" && p.Error != "dense" {
		bad("error", fmt.Sprintf("unknown error %q (have final, l2, dense)", p.Error))
	}
	if len(p.Bands) == 0 || !positive(p.Bands) {
		bad("bands", "must be a non-empty list of positive numbers")
	}
	if !(p.StiffFactor > 1) {
		bad("stiff_factor", "must be > 1")
	}
	return errs
}

const plotDoc = "Reads solver_eval results (a fan-in: connect every cell, `eval[*].results`) and optionally " +
	"solver_timing timings, and writes into `dir` (a side effect outside the artifact store; the stage is " +
	"volatile, so it runs on every apply and the files always exist after one): `catalog_rhs.<fmt>` (catalog " +
	"median of the error per tolerance level against the median RHS evaluations, over the systems where the " +
	"setting succeeded, one line per solver, log-log), `catalog_time.<fmt>` (the same against the median of " +
	"the minimum wall time, with timings), `systems/<System>_rhs.<fmt>` and `_time.<fmt>` per system " +
	"(per_system), `ranking.md` and `ranking.csv`, `stiff.csv` and `index.html` that shows everything in a " +
	"browser. Ranking rule (work at matched error): for each band's target error, the RHS evaluations each " +
	"solver needs on each system are interpolated log-log along its sweep; divided by the least work of any " +
	"solver on that system; a solver's score is the median of the ratio over all systems, systems it never " +
	"reached counting as infinite; lower ranks first. Stiffness: per system and tolerance level, the fewest " +
	"attempted steps of a successful explicit adaptive method over the implicit method's steps (infinite when " +
	"every explicit method failed and the implicit one succeeded); the system's ratio is the largest over " +
	"levels and it is stiff when the ratio reaches `stiff_factor`. File contents are deterministic for given " +
	"results (timings change the time diagrams). The `report` table lists every file with its size and SHA-256. " +
	"Version 2: files are outputs of the stage, no longer written into a `dir` param (removed), and the stage is " +
	"no longer volatile."

func init() {
	stages.Register(stages.Default, stages.Definition[PlotParams]{
		Name:     "workprecision_plot",
		Version:  2,
		Summary:  "Work-precision diagrams (PNG, SVG), solver ranking and stiffness table from solver_eval results.",
		Doc:      plotDoc,
		Defaults: PlotDefaults,
		Examples: []stages.Example{
			{Title: "Default report directory, PNG and SVG", Params: "{}\n"},
			{Title: "Only the catalog diagrams, SVG, ranked by the L2 error", Params: "formats: [svg]\nerror: l2\nper_system: false\n"},
		},
		New: func(p PlotParams, _ stages.Env) (stages.Stage, error) { return &plotStage{p: p}, nil },
	})
}

// reportRow is one line of workprecision_plot's report table: one file
// written.
type reportRow struct {
	File   string `arrow:"file" doc:"path of the file relative to dir, slash-separated"`
	Bytes  int    `arrow:"bytes" unit:"bytes" doc:"size of the file"`
	SHA256 string `arrow:"sha256" doc:"hex SHA-256 of the file contents"`
}

// reportTable declares the report table (no schema metadata).
var reportTable = schemas.NewTable[reportRow]()

type plotStage struct{ p PlotParams }

// PlotMediaTypes are the media types of workprecision_plot's files.
var PlotMediaTypes = []string{"image/png", "image/svg+xml", "text/markdown", "text/csv", "text/html"}

func (s *plotStage) Ports() (in, out []stages.Port) {
	results := stages.TablePort("results", "solver_eval results (one or many tables).", resultsTable)
	results.Many = true
	timings := stages.TablePort("timings", "solver_timing timings (optional).", timingsTable)
	timings.Many, timings.Optional = true, true
	return []stages.Port{results, timings},
		[]stages.Port{stages.TablePort("report", "files output on `files`, with size and SHA-256.", reportTable),
			stages.FilePort("files", "the diagrams, ranking and stiffness tables and index.html.", PlotMediaTypes...)}
}

func (s *plotStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	var rows []Row
	for _, it := range in["results"] {
		rs, err := resultsTable.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("results from %s: %w", it.Stage, err)
		}
		rows = append(rows, rs...)
	}
	var ts []Timing
	for _, it := range in["timings"] {
		t, err := timingsTable.Read(it.Record)
		if err != nil {
			return nil, fmt.Errorf("timings from %s: %w", it.Stage, err)
		}
		ts = append(ts, t...)
	}
	files, err := Render(ctx, s.p, rows, ts)
	if err != nil {
		return nil, err
	}
	report := make([]reportRow, len(files))
	for i, f := range files {
		sum := sha256.Sum256(f.Data)
		report[i] = reportRow{File: f.Name, Bytes: len(f.Data), SHA256: hex.EncodeToString(sum[:])}
	}
	rec, err := stages.FilesRecord(files, PlotMediaTypes...)
	if err != nil {
		return nil, err
	}
	return stages.Outputs{"report": reportTable.Record(report, nil), "files": rec}, nil
}

// mediaType maps a file name's extension to its media type.
func mediaType(name string) string {
	switch path.Ext(name) {
	case ".png":
		return "image/png"
	case ".svg":
		return "image/svg+xml"
	case ".md":
		return "text/markdown"
	case ".csv":
		return "text/csv"
	case ".html":
		return "text/html"
	}
	return "application/octet-stream"
}

// Render draws the diagrams and tables, in a fixed order; the bytes are
// deterministic for given rows and timings.
func Render(ctx context.Context, p PlotParams, rows []Row, ts []Timing) ([]stages.File, error) {
	secs := map[timingKey]float64{}
	for _, t := range ts {
		if t.Status == "ok" && t.Min > 0 {
			secs[timingKey{t.System, t.Method, t.Level}] = t.Min
		}
	}
	methods, names := orderOf(rows)
	var files []stages.File
	var images []string
	add := func(name string, data []byte) {
		files = append(files, stages.File{Name: name, MediaType: mediaType(name), Data: data})
	}
	draw := func(base, title, xlabel string, lines map[string][]point) error {
		if len(lines) == 0 {
			return nil
		}
		pl := diagram(title, xlabel, errLabel(p.Error), methods, lines)
		for _, f := range p.Formats {
			data, err := renderPlot(pl, f)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", base, f, err)
			}
			add(base+"."+f, data)
		}
		images = append(images, base)
		return nil
	}
	agg := aggregate(rows, p.Error, secs)
	work, wall := map[string][]point{}, map[string][]point{}
	for m, pts := range agg {
		for _, a := range pts {
			work[m] = append(work[m], point{a.work, a.err})
			if a.sec > 0 {
				wall[m] = append(wall[m], point{a.sec, a.err})
			}
		}
	}
	if err := draw("catalog_rhs", fmt.Sprintf("%d systems: median %s error vs median RHS evaluations", len(names), p.Error), "RHS evaluations", work); err != nil {
		return nil, err
	}
	if err := draw("catalog_time", fmt.Sprintf("%d systems: median %s error vs median wall time", len(names), p.Error), "wall time (s, minimum of repeats)", wall); err != nil {
		return nil, err
	}
	if p.PerSystem {
		for _, sys := range names {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			work, wall := map[string][]point{}, map[string][]point{}
			for _, r := range rows {
				if r.System != sys || !usable(r, p.Error) {
					continue
				}
				work[r.Method] = append(work[r.Method], point{float64(r.RHSEvals), errorOf(r, p.Error)})
				if s, ok := secs[timingKey{r.System, r.Method, r.Level}]; ok {
					wall[r.Method] = append(wall[r.Method], point{s, errorOf(r, p.Error)})
				}
			}
			base := "systems/" + safeName(sys)
			if err := draw(base+"_rhs", sys+": "+p.Error+" error vs RHS evaluations", "RHS evaluations", work); err != nil {
				return nil, err
			}
			if err := draw(base+"_time", sys+": "+p.Error+" error vs wall time", "wall time (s, minimum of repeats)", wall); err != nil {
				return nil, err
			}
		}
	}
	ranking := Rank(rows, p.Error, p.Bands)
	add("ranking.csv", rankingCSV(ranking))
	add("ranking.md", rankingMarkdown(ranking, p.Error))
	stiff := DetectStiff(rows, p.StiffFactor)
	add("stiff.csv", stiffCSV(stiff))
	add("index.html", indexHTML(p, images, len(names), stiff))
	return files, nil
}

func errLabel(which string) string {
	return which + " error (RMS of error / attractor std)"
}

func safeName(s string) string {
	// File names of a file port: [A-Za-z0-9_.+-] (stages.CheckFileName).
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '+' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// diagram builds a log-log plot with one line per method, in methods order.
func diagram(title, xlabel, ylabel string, methods []string, lines map[string][]point) *plot.Plot {
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = xlabel
	pl.Y.Label.Text = ylabel
	pl.X.Scale, pl.Y.Scale = plot.LogScale{}, plot.LogScale{}
	pl.X.Tick.Marker, pl.Y.Tick.Marker = decadeTicks{}, decadeTicks{}
	// Work-precision lines run from the top left to the bottom right: the
	// bottom-left corner is free for the legend.
	pl.Legend.Top, pl.Legend.Left = false, true
	pl.Legend.XOffs, pl.Legend.YOffs = vg.Points(8), vg.Points(8)
	pl.Add(plotter.NewGrid())
	for i, m := range methods {
		pts := lines[m]
		if len(pts) == 0 {
			continue
		}
		pts = slices.Clone(pts)
		slices.SortStableFunc(pts, func(a, b point) int {
			switch {
			case a.work < b.work:
				return -1
			case a.work > b.work:
				return 1
			}
			return 0
		})
		xys := make(plotter.XYs, 0, len(pts))
		for _, q := range pts {
			if q.work > 0 && q.err > 0 && !math.IsInf(q.err, 0) && !math.IsInf(q.work, 0) {
				xys = append(xys, plotter.XY{X: q.work, Y: q.err})
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		s.Color = palette[i%len(palette)]
		s.Shape = plotutil.Shape(i)
		pl.Add(l, s)
		pl.Legend.Add(m, l, s)
	}
	return pl
}

// palette is Tableau 10: distinct colours for up to 10 solvers.
var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

// decadeTicks labels powers of ten as 1e-04 and adds unlabelled minor
// ticks at 2..9 times each power.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) {
		return nil
	}
	var ts []plot.Tick
	for k := int(math.Floor(math.Log10(lo))); k <= int(math.Ceil(math.Log10(hi))); k++ {
		base := math.Pow10(k)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = strconv.FormatFloat(base, 'e', 0, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

func renderPlot(pl *plot.Plot, format string) ([]byte, error) {
	w, err := pl.WriterTo(7*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func fmtFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "inf"
	}
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func rankingCSV(rr []RankRow) []byte {
	var b strings.Builder
	b.WriteString("band_error,rank,method,systems_reached,systems,median_work_ratio,median_rhs_evals,wins\n")
	for _, r := range rr {
		fmt.Fprintf(&b, "%s,%d,%s,%d,%d,%s,%s,%d\n", fmtFloat(r.Band), r.Rank, r.Method, r.Reached, r.Systems,
			fmtFloat(r.MedianRatio), fmtFloat(r.MedianWork), r.Wins)
	}
	return []byte(b.String())
}

func rankingMarkdown(rr []RankRow, which string) []byte {
	var b strings.Builder
	b.WriteString("# Solver ranking by work at matched error\n\n")
	fmt.Fprintf(&b, "Error: `%s` (RMS over coordinates of the error divided by the attractor std). For each target "+
		"error, the RHS evaluations each solver needs on each system are interpolated log-log along its "+
		"tolerance (or step) sweep and divided by the least work of any solver on that system. Score: the "+
		"median of that ratio over all systems, systems never reached counting as infinite. Wins: systems "+
		"where the solver needed the least work.\n", which)
	band := math.NaN()
	for _, r := range rr {
		if r.Band != band {
			band = r.Band
			fmt.Fprintf(&b, "\n## Target error %s\n\n", fmtFloat(band))
			b.WriteString("| rank | method | median work ratio | median RHS evals | reached | wins |\n")
			b.WriteString("|---:|---|---:|---:|---:|---:|\n")
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %d/%d | %d |\n", r.Rank, r.Method, fmtFloat(r.MedianRatio),
			fmtFloat(r.MedianWork), r.Reached, r.Systems, r.Wins)
	}
	return []byte(b.String())
}

func stiffCSV(ss []StiffRow) []byte {
	var b strings.Builder
	b.WriteString("system,stiff,ratio,level,rtol,explicit_method,explicit_steps,implicit_steps\n")
	for _, s := range ss {
		fmt.Fprintf(&b, "%s,%t,%s,%d,%s,%s,%d,%d\n", s.System, s.Stiff, fmtFloat(s.Ratio), s.Level, fmtFloat(s.RTol),
			s.Explicit, s.ExplicitSteps, s.ImplicitSteps)
	}
	return []byte(b.String())
}

func indexHTML(p PlotParams, images []string, nsys int, stiff []StiffRow) []byte {
	format := p.Formats[0]
	if slices.Contains(p.Formats, "svg") {
		format = "svg"
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Solver benchmark</title></head><body>\n")
	fmt.Fprintf(&b, "<h1>Solver benchmark: %d systems</h1>\n", nsys)
	b.WriteString("<p><a href=\"ranking.md\">ranking.md</a> · <a href=\"ranking.csv\">ranking.csv</a> · <a href=\"stiff.csv\">stiff.csv</a></p>\n")
	var stiffNames []string
	for _, s := range stiff {
		if s.Stiff {
			stiffNames = append(stiffNames, s.System)
		}
	}
	fmt.Fprintf(&b, "<p>Stiff systems (explicit/implicit steps &ge; %s): %s</p>\n", fmtFloat(p.StiffFactor), html.EscapeString(strings.Join(stiffNames, ", ")))
	for _, img := range images {
		fmt.Fprintf(&b, "<figure><img src=\"%s.%s\" alt=\"%s\" width=\"700\"><figcaption>%s</figcaption></figure>\n",
			html.EscapeString(img), format, html.EscapeString(img), html.EscapeString(img))
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}
