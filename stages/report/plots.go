package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// figure is a plot with its legend drawn outside the data, to the right.
type figure struct {
	Name    string // file base name, such as "system_Lorenz_trajectory"
	Caption string
	plot    *plot.Plot
	legend  plot.Legend
	labels  []string
	W, H    vg.Length
}

func newFigure(name, caption, title, xlabel, ylabel string) *figure {
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = xlabel
	pl.Y.Label.Text = ylabel
	pl.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	return &figure{Name: name, Caption: caption, plot: pl, legend: leg, W: 7.5 * vg.Inch, H: 3.6 * vg.Inch}
}

func (f *figure) add(label string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(label, thumbs...)
	f.labels = append(f.labels, label)
}

// legendWidth is the room the legend needs at the right.
func (f *figure) legendWidth() vg.Length {
	if len(f.labels) == 0 {
		return 0
	}
	w := vg.Length(0)
	for _, l := range f.labels {
		w = max(w, f.legend.TextStyle.Width(l))
	}
	return w + f.legend.ThumbnailWidth + 18
}

func (f *figure) draw(c draw.Canvas) {
	lw := f.legendWidth()
	f.plot.Draw(draw.Crop(c, 0, -lw, 0, 0))
	if lw > 0 {
		lc := draw.Crop(c, c.Size().X-lw+6, 0, 0, -vg.Points(24))
		f.legend.Draw(lc)
	}
}

// png renders the figure at 96 dpi.
func (f *figure) png() ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(f.W, f.H), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figure %s: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

func (f *figure) svg() ([]byte, error) {
	c := vgsvg.New(f.W, f.H)
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figure %s: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// palette is Tableau 10.
var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

func colour(i int) color.Color { return palette[i%len(palette)] }

// line adds a line (and markers when marks) to f.
func (f *figure) line(label string, i int, xys plotter.XYs, marks bool, dashed bool) {
	xys = finite(xys, f.plot.X.Scale, f.plot.Y.Scale)
	if len(xys) == 0 {
		return
	}
	if marks {
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return
		}
		l.Color, s.Color = colour(i), colour(i)
		l.Width = vg.Points(1.5)
		s.Shape = plotutil.Shape(i)
		f.plot.Add(l, s)
		f.add(label, l, s)
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return
	}
	l.Color = colour(i)
	l.Width = vg.Points(1.2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	f.plot.Add(l)
	f.add(label, l)
}

// finite drops points that are not finite, or not positive on a log axis.
func finite(xys plotter.XYs, xs, ys plot.Normalizer) plotter.XYs {
	_, xlog := xs.(plot.LogScale)
	_, ylog := ys.(plot.LogScale)
	out := make(plotter.XYs, 0, len(xys))
	for _, p := range xys {
		if math.IsNaN(p.X) || math.IsInf(p.X, 0) || math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			continue
		}
		if (xlog && p.X <= 0) || (ylog && p.Y <= 0) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// logY sets a log y axis when the positive finite values span more than
// two decades.
func logIfDecades(ax *plot.Axis, vals []float64) {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi > 0 && hi/lo > 100 {
		ax.Scale = plot.LogScale{}
		ax.Tick.Marker = plot.LogTicks{Prec: -1}
	}
}
