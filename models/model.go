package models

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Model is a fitted forecaster of a multivariate time series sampled at a
// fixed step. Rows of a matrix are time points, columns are state variables.
type Model interface {
	// Family returns the registered family name, such as "nvar".
	Family() string
	// Context is how many past points Forecast needs in history.
	Context() int
	// Forecast rolls the model out autoregressively for steps points after
	// the last row of history. On divergence (non-finite or exploding state)
	// it returns the rows computed so far (steps rows, the rest NaN) and a
	// *DivergenceError; it never panics.
	Forecast(history *mat.Dense, steps int) (*mat.Dense, error)
	// Snapshot exports everything needed to rebuild the model with Load.
	Snapshot() Snapshot
}

// Hyper holds a family's numeric hyperparameters by name.
type Hyper map[string]float64

// Array is one named weight tensor, flattened row-major.
type Array struct {
	Name  string
	Shape []int
	Data  []float64
}

// Snapshot is a fitted model in a serialisable form: its family, the
// hyperparameters it was trained with, and its weights.
type Snapshot struct {
	Family string
	Hyper  Hyper
	Arrays []Array
}

// Array returns the named array or nil.
func (s Snapshot) Array(name string) *Array {
	for i := range s.Arrays {
		if s.Arrays[i].Name == name {
			return &s.Arrays[i]
		}
	}
	return nil
}

// TrainConfig is what every family's Fit receives besides the data.
type TrainConfig struct {
	Dt    float64 // sampling step of the series
	Hyper Hyper   // defaults already merged in
	Seed  uint64  // the only source of randomness
}

// Family describes and builds one kind of model.
type Family struct {
	Name    string
	Summary string
	// Defaults lists every hyperparameter the family accepts, with its default.
	Defaults Hyper
	// Docs describes each hyperparameter, by name.
	Docs map[string]string
	// Fit trains on train (rows = time points) and returns the fitted model.
	Fit func(train *mat.Dense, cfg TrainConfig) (Model, error)
	// Load rebuilds a fitted model from its snapshot.
	Load func(s Snapshot) (Model, error)
}

// DivergenceError reports that a forecast left the finite, bounded range.
type DivergenceError struct {
	Step   int // first step (0-based) whose state is invalid
	Reason string
}

func (e *DivergenceError) Error() string {
	return fmt.Sprintf("forecast diverged at step %d: %s", e.Step, e.Reason)
}

var families = map[string]Family{}

// register adds a family from an init function; a duplicate is a programming error.
func register(f Family) {
	if _, dup := families[f.Name]; dup {
		panic("models: duplicate family " + f.Name)
	}
	families[f.Name] = f
}

// Lookup returns the named family.
func Lookup(name string) (Family, bool) {
	f, ok := families[name]
	return f, ok
}

// Names lists the registered families in sorted order.
func Names() []string {
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MergeHyper returns defaults overridden by given; unknown names are an error.
func MergeHyper(f Family, given Hyper) (Hyper, error) {
	out := Hyper{}
	for k, v := range f.Defaults {
		out[k] = v
	}
	for k, v := range given {
		if _, ok := f.Defaults[k]; !ok {
			return nil, fmt.Errorf("model %s: unknown hyperparameter %q", f.Name, k)
		}
		out[k] = v
	}
	return out, nil
}
