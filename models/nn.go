package models

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// This file holds the small neural-network toolkit shared by the mlp and
// neural_ode families: fully connected layers with a flat parameter vector,
// batched forward and reverse-mode (backpropagation) passes, Glorot
// initialisation and the Adam optimiser. Everything is written out by hand
// so that gradients can be checked against finite differences and results
// are bitwise reproducible from a seed.

// nnAct is a hidden-layer activation function.
type nnAct int

const (
	nnTanh nnAct = iota // hyperbolic tangent
	nnGELU              // Gaussian error linear unit (Hendrycks & Gimpel 2016), exact erf form
)

// nnActFromHyper maps the "activation" hyperparameter (0 tanh, 1 GELU).
func nnActFromHyper(v float64) (nnAct, bool) {
	switch v {
	case 0:
		return nnTanh, true
	case 1:
		return nnGELU, true
	}
	return 0, false
}

// nnNet is a multilayer perceptron with layer widths sizes[0] (input) …
// sizes[L] (output), activation act on every hidden layer and a linear
// output layer. All weights live in theta: for each layer l the weight
// matrix W_l (sizes[l+1]×sizes[l], row-major) followed by the bias b_l.
type nnNet struct {
	sizes []int
	act   nnAct
	theta []float64
	offW  []int // offset of W_l in theta
	offB  []int // offset of b_l in theta
}

// newNNNet lays out a network; the parameters are zero.
func newNNNet(sizes []int, act nnAct) *nnNet {
	n := &nnNet{sizes: append([]int(nil), sizes...), act: act}
	off := 0
	for l := 0; l+1 < len(sizes); l++ {
		n.offW = append(n.offW, off)
		off += sizes[l] * sizes[l+1]
		n.offB = append(n.offB, off)
		off += sizes[l+1]
	}
	n.theta = make([]float64, off)
	return n
}

// initGlorot draws every weight from the Glorot–Bengio (2010) uniform
// distribution U(−a, a), a = √(6/(fan_in+fan_out)), scaled by gain, and
// sets the biases to zero.
func (n *nnNet) initGlorot(rng *rand.Rand, gain float64) {
	for l := range n.offW {
		in, out := n.sizes[l], n.sizes[l+1]
		a := gain * math.Sqrt(6/float64(in+out))
		w := n.theta[n.offW[l] : n.offW[l]+in*out]
		for i := range w {
			w[i] = a * (2*rng.Float64() - 1)
		}
		b := n.theta[n.offB[l] : n.offB[l]+out]
		for i := range b {
			b[i] = 0
		}
	}
}

// layers is the number of weight layers.
func (n *nnNet) layers() int { return len(n.offW) }

// in and out are the input and output widths.
func (n *nnNet) in() int  { return n.sizes[0] }
func (n *nnNet) out() int { return n.sizes[len(n.sizes)-1] }

// weightMask reports, per parameter, whether it is a weight (true) or a
// bias (false); weight decay applies to weights only.
func (n *nnNet) weightMask() []bool {
	m := make([]bool, len(n.theta))
	for l := range n.offW {
		for i := n.offW[l]; i < n.offB[l]; i++ {
			m[i] = true
		}
	}
	return m
}

func (n *nnNet) w(l int) []float64 {
	return n.theta[n.offW[l]:n.offB[l]]
}

func (n *nnNet) b(l int) []float64 {
	return n.theta[n.offB[l] : n.offB[l]+n.sizes[l+1]]
}

func (n *nnNet) maxWidth() int {
	m := 0
	for _, s := range n.sizes {
		m = max(m, s)
	}
	return m
}

func nnActivate(act nnAct, z float64) float64 {
	if act == nnGELU {
		return 0.5 * z * (1 + math.Erf(z/math.Sqrt2))
	}
	return math.Tanh(z)
}

// nnActDeriv is the derivative of the activation given the pre-activation z
// and the activation value a.
func nnActDeriv(act nnAct, z, a float64) float64 {
	if act == nnGELU {
		phi := math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi)
		return 0.5*(1+math.Erf(z/math.Sqrt2)) + z*phi
	}
	return 1 - a*a
}

// nnTape holds the intermediate values of one batched forward pass, which
// the reverse pass needs: a[l] is the input of layer l (a[0] the network
// input, a[L] the output) and z[l] the pre-activation of hidden layer l
// (z[0] unused). All are batch×width, row-major.
type nnTape struct {
	batch int
	a     [][]float64
	z     [][]float64
	d0    []float64 // scratch for reverse pass
	d1    []float64
}

func (n *nnNet) newTape(batch int) *nnTape {
	t := &nnTape{batch: batch}
	t.a = make([][]float64, len(n.sizes))
	t.z = make([][]float64, len(n.sizes))
	for l, s := range n.sizes {
		t.a[l] = make([]float64, batch*s)
		if l > 0 && l < len(n.sizes)-1 {
			t.z[l] = make([]float64, batch*s)
		}
	}
	t.d0 = make([]float64, batch*n.maxWidth())
	t.d1 = make([]float64, batch*n.maxWidth())
	return t
}

func nnGeneral(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// forward evaluates the network on the batch x (batch×in, row-major),
// recording intermediates in t, and returns the output (batch×out), which
// is owned by t.
func (n *nnNet) forward(t *nnTape, x []float64) []float64 {
	B := t.batch
	copy(t.a[0], x[:B*n.in()])
	L := n.layers()
	for l := 0; l < L; l++ {
		in, out := n.sizes[l], n.sizes[l+1]
		dst := t.a[l+1]
		if l < L-1 {
			dst = t.z[l+1]
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, nnGeneral(B, in, t.a[l]), nnGeneral(out, in, n.w(l)), 0, nnGeneral(B, out, dst))
		bias := n.b(l)
		for r := 0; r < B; r++ {
			row := dst[r*out : (r+1)*out]
			for j := range row {
				row[j] += bias[j]
			}
		}
		if l < L-1 {
			a := t.a[l+1]
			for i, z := range dst {
				a[i] = nnActivate(n.act, z)
			}
		}
	}
	return t.a[L]
}

// backward runs the reverse pass for the forward pass recorded in t, given
// dy = ∂loss/∂output (batch×out). It adds ∂loss/∂θ to grad (if non-nil)
// and, if dx is non-nil, writes ∂loss/∂input (batch×in) to dx.
func (n *nnNet) backward(t *nnTape, dy []float64, grad []float64, dx []float64) {
	B := t.batch
	L := n.layers()
	cur := t.d0[:B*n.out()]
	copy(cur, dy[:B*n.out()])
	other := t.d1
	for l := L - 1; l >= 0; l-- {
		in, out := n.sizes[l], n.sizes[l+1]
		dZ := nnGeneral(B, out, cur)
		if grad != nil {
			gw := grad[n.offW[l]:n.offB[l]]
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, dZ, nnGeneral(B, in, t.a[l]), 1, nnGeneral(out, in, gw))
			gb := grad[n.offB[l] : n.offB[l]+out]
			for r := 0; r < B; r++ {
				row := cur[r*out : (r+1)*out]
				for j, v := range row {
					gb[j] += v
				}
			}
		}
		if l == 0 && dx == nil {
			break
		}
		var dst []float64
		if l == 0 {
			dst = dx[:B*in]
		} else {
			dst = other[:B*in]
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, dZ, nnGeneral(out, in, n.w(l)), 0, nnGeneral(B, in, dst))
		if l == 0 {
			break
		}
		z, a := t.z[l], t.a[l]
		for i := range dst {
			dst[i] *= nnActDeriv(n.act, z[i], a[i])
		}
		cur, other = dst, cur[:cap(cur)]
	}
}

// apply evaluates the network on one input x into y without allocating;
// scratch must hold 2·maxWidth values. The arithmetic matches forward with
// a batch of one up to the summation order inside the dot products, which
// is fixed, so results are reproducible.
func (n *nnNet) apply(x, y, scratch []float64) {
	w := n.maxWidth()
	cur, next := scratch[:w], scratch[w:2*w]
	copy(cur, x[:n.in()])
	L := n.layers()
	for l := 0; l < L; l++ {
		in, out := n.sizes[l], n.sizes[l+1]
		W, bias := n.w(l), n.b(l)
		for j := 0; j < out; j++ {
			s := bias[j]
			row := W[j*in : (j+1)*in]
			for k, v := range row {
				s += v * cur[k]
			}
			if l < L-1 {
				s = nnActivate(n.act, s)
			}
			next[j] = s
		}
		cur, next = next[:out], cur[:cap(cur)]
	}
	copy(y, cur[:n.out()])
}

// nnAdam is the Adam optimiser (Kingma & Ba, "Adam: a method for
// stochastic optimization", ICLR 2015) with decoupled weight decay on the
// weights (AdamW; Loshchilov & Hutter, ICLR 2019).
type nnAdam struct {
	lr, beta1, beta2, eps, decay float64
	mask                         []bool // which parameters are decayed
	m, v                         []float64
	t                            int
}

func newNNAdam(n int, lr, decay float64, mask []bool) *nnAdam {
	return &nnAdam{lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: decay, mask: mask,
		m: make([]float64, n), v: make([]float64, n)}
}

// step updates theta in place from the gradient grad.
func (o *nnAdam) step(theta, grad []float64) {
	o.t++
	c1 := 1 - math.Pow(o.beta1, float64(o.t))
	c2 := 1 - math.Pow(o.beta2, float64(o.t))
	for i, g := range grad {
		o.m[i] = o.beta1*o.m[i] + (1-o.beta1)*g
		o.v[i] = o.beta2*o.v[i] + (1-o.beta2)*g*g
		mh := o.m[i] / c1
		vh := o.v[i] / c2
		upd := mh / (math.Sqrt(vh) + o.eps)
		if o.decay > 0 && o.mask[i] {
			upd += o.decay * theta[i]
		}
		theta[i] -= o.lr * upd
	}
}
