package models

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Parrot is context parroting (Y. Zhang and W. Gilpin, "Context parroting:
// a simple but tough-to-beat baseline for foundation models in scientific
// machine learning", arXiv:2505.11349, 2025): it finds the stretch of the
// context that best matches the last dim points and copies what followed
// it. Unlike analog, which looks up one step at a time and averages
// neighbours, the whole forecast is one copied continuation.
//
// The context is the training series (in a pipeline, the same points the
// forecast's history ends with). With the query q = the last dim rows of the
// history, the match is the window end t < n−1 of the context x_0..x_{n−1}
// that minimises Σ_{i<dim} ‖x_{t−i} − q_{dim−1−i}‖² on the raw state (ties
// go to the earlier t), and the forecast is x_{t+1}, x_{t+2}, ...: when the
// copy reaches the end of the context it starts over at x_{t+1}, which is
// what copying on from the forecast appended to the context gives when the
// history is the context's tail.
type Parrot struct {
	hyper Hyper
	dim   int
	train *mat.Dense
}

func init() {
	register(Family{
		Name:    "parrot",
		Summary: "context parroting: copy the continuation of the best match of the last points in the context (Zhang & Gilpin 2025)",
		Defaults: Hyper{
			"dim": 10,
		},
		Docs: map[string]string{
			"dim": "length of the matched window, in samples (the embedding dimension D of Zhang & Gilpin 2025)",
		},
		Fit:  fitParrot,
		Load: loadParrot,
	})
}

func fitParrot(train *mat.Dense, cfg TrainConfig) (Model, error) {
	dim, err := nnInt(cfg.Hyper, "dim", 1)
	if err != nil {
		return nil, fmt.Errorf("parrot: %w", err)
	}
	// One window and one point after it at the least.
	if err := nnCheckSeries(train, dim+1, "parrot: training series"); err != nil {
		return nil, err
	}
	return &Parrot{hyper: copyHyper(cfg.Hyper), dim: dim, train: mat.DenseCopyOf(train)}, nil
}

func loadParrot(s Snapshot) (Model, error) {
	dim, err := nnInt(s.Hyper, "dim", 1)
	if err != nil {
		return nil, fmt.Errorf("parrot: %w", err)
	}
	a := s.Array("train")
	if a == nil || len(a.Shape) != 2 || a.Shape[0]*a.Shape[1] != len(a.Data) || a.Shape[1] == 0 {
		return nil, fmt.Errorf("parrot: snapshot lacks a valid train array")
	}
	if a.Shape[0] < dim+1 {
		return nil, fmt.Errorf("parrot: snapshot train array has %d rows, need %d", a.Shape[0], dim+1)
	}
	return &Parrot{hyper: copyHyper(s.Hyper), dim: dim,
		train: mat.NewDense(a.Shape[0], a.Shape[1], append([]float64(nil), a.Data...))}, nil
}

// Family implements Model.
func (m *Parrot) Family() string { return "parrot" }

// Context implements Model: the matched window.
func (m *Parrot) Context() int { return m.dim }

// Snapshot implements Model: the context is the model.
func (m *Parrot) Snapshot() Snapshot {
	r, d := m.train.Dims()
	return Snapshot{Family: "parrot", Hyper: copyHyper(m.hyper),
		Arrays: []Array{{Name: "train", Shape: []int{r, d}, Data: append([]float64(nil), m.train.RawMatrix().Data...)}}}
}

// match returns the end index of the context window nearest to q (dim
// rows, row-major).
func (m *Parrot) match(q []float64) int {
	n, d := m.train.Dims()
	ctx := m.train.RawMatrix()
	best, bestDist := -1, math.Inf(1)
	for t := m.dim - 1; t < n-1; t++ {
		var s float64
		win := ctx.Data[(t-m.dim+1)*ctx.Stride:]
		for i := 0; i < m.dim && s < bestDist; i++ {
			row, qr := win[i*ctx.Stride:i*ctx.Stride+d], q[i*d:(i+1)*d]
			for j, x := range row {
				e := x - qr[j]
				s += e * e
			}
		}
		if s < bestDist {
			best, bestDist = t, s
		}
	}
	return best
}

// Forecast implements Model.
func (m *Parrot) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	n, d := m.train.Dims()
	if err := nnForecastArgs(history, steps, m.dim, d); err != nil {
		return nil, fmt.Errorf("parrot: %w", err)
	}
	out := nnNaN(steps, d)
	if steps == 0 {
		return out, nil
	}
	hr, _ := history.Dims()
	q := make([]float64, m.dim*d)
	for i := 0; i < m.dim; i++ {
		copy(q[i*d:(i+1)*d], history.RawRowView(hr-m.dim+i))
	}
	t := m.match(q)
	period := n - 1 - t
	for s := 0; s < steps; s++ {
		out.SetRow(s, m.train.RawRowView(t+1+s%period))
	}
	return out, nil
}
