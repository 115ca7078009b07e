package systems

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/chaos-runner/runner/internal/suggest"
)

// Info is the dysts metadata of one system. Values dysts does not give are
// NaN (scalars) or nil (slices).
type Info struct {
	// Name is the catalog name: the dysts class name, except that the
	// Duffing map is called DuffingMap (dysts has a Duffing flow too).
	Name string
	// Upstream is the dysts class, "dysts.flows.Lorenz" or "dysts.maps.Henon".
	Upstream string
	Kind     Kind
	// Dim is the dysts embedding_dimension: the length of IC, Mean and Std
	// and the number of columns of a stored trajectory.
	Dim int
	// StateDim is the length of the state the equations act on: Dim for
	// flows and maps, 1 for the scalar delay systems, whose Dim columns are
	// delay coordinates x(t - k·tau/(Dim-1)), k = 0..Dim-1, as in dysts.
	StateDim int
	// ParamNames lists the keys of Params, sorted. Array parameters are
	// flattened: "w[0][1]".
	ParamNames []string
	Params     map[string]float64
	// IC is the dysts initial condition (on the attractor). Delay systems
	// use IC[0] as the constant history, as dysts does.
	IC []float64
	// Dt is the dysts integration step and Period the dominant period (both
	// 1 for maps).
	Dt, Period float64

	// LyapunovMax is dysts' two-trajectory estimate of the largest
	// exponent; LyapunovSpectrum its (different, rougher) QR estimate.
	LyapunovMax          float64
	LyapunovSpectrum     []float64
	CorrelationDimension float64
	KaplanYorkeDimension float64
	PesinEntropy         float64
	MultiscaleEntropy    float64
	// Mean and Std are per-coordinate statistics of the dysts trajectory.
	Mean, Std []float64

	Delay, Hamiltonian, Nonautonomous bool
	// UnboundedIndices lists coordinates that grow without bound (phases).
	UnboundedIndices []int
	Citation         string
	Description      string
	// Tags, sorted: "flow", "ode", "delay", "map", "<n>d", "nonautonomous",
	// "hamiltonian", "hyperchaotic" (at least two estimated exponents above
	// 0.05, and a system that can be hyperchaotic).
	Tags []string
}

// System is one catalog entry: metadata and equations.
type System struct {
	Info
	Eq Equations
}

// Bound is a system ready to integrate or iterate, with its parameters
// fixed. Exactly one of F, DF and G is set, by Kind.
type Bound struct {
	Info // Params hold the values after overrides
	F    Func
	DF   DelayFunc
	// Tau is the delay of a delay system.
	Tau float64
	G   MapFunc
	// Jac is the Jacobian of F or G: analytic when AnalyticJac, else a
	// NumericalJacobian (which owns scratch space: not safe for concurrent
	// use; Bind once per goroutine). Nil for delay systems without one.
	Jac         JacFunc
	AnalyticJac bool
	// Postprocess is dysts' mapping of unbounded phases and angles to
	// bounded coordinates (Equations.Postprocess), nil for the systems
	// dysts does not postprocess.
	Postprocess PostFunc
}

// All returns every system of the catalog (flows, delay systems and maps),
// sorted by name. The result is a fresh copy the caller may modify.
func All() []System {
	loadCatalog()
	out := make([]System, len(catalog))
	for i, s := range catalog {
		out[i] = s.clone()
	}
	return out
}

// Names returns the names of all systems, sorted.
func Names() []string {
	loadCatalog()
	out := make([]string, len(catalog))
	for i, s := range catalog {
		out[i] = s.Name
	}
	return out
}

// Lookup returns the system called name (case-sensitive). An unknown name
// gives an error that suggests close names.
func Lookup(name string) (System, error) {
	loadCatalog()
	if catalogErr != nil {
		return System{}, catalogErr
	}
	i, ok := catalogIdx[name]
	if !ok {
		return System{}, fmt.Errorf("systems: unknown system %q%s", name, suggest.DidYouMean(name, Names()))
	}
	return catalog[i].clone(), nil
}

// Select resolves a system selector to sorted, de-duplicated names:
//
//	flows        every continuous-time system (ODEs and delay systems)
//	ode          flows without delay
//	delay        delay systems
//	maps         discrete maps
//	all          everything
//	tag:<t>      systems carrying tag t (see Info.Tags)
//	A,B,...      a comma-separated list whose items are names or any of the above
//
// Names keep the order in which they are given; keyword items expand to
// sorted names. Duplicates are dropped. An unknown item is an error.
func Select(selector string) ([]string, error) {
	loadCatalog()
	if catalogErr != nil {
		return nil, catalogErr
	}
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	items := strings.Split(selector, ",")
	for _, item := range items {
		item = strings.TrimSpace(item)
		var keep func(*System) bool
		switch {
		case item == "":
			if len(items) == 1 {
				return nil, fmt.Errorf("systems: empty selector")
			}
			return nil, fmt.Errorf("systems: empty item in selector %q", selector)
		case item == "all":
			keep = func(*System) bool { return true }
		case item == "flows":
			keep = func(s *System) bool { return s.Kind != Map }
		case item == "ode":
			keep = func(s *System) bool { return s.Kind == Flow }
		case item == "delay":
			keep = func(s *System) bool { return s.Kind == Delay }
		case item == "maps":
			keep = func(s *System) bool { return s.Kind == Map }
		case strings.HasPrefix(item, "tag:"):
			tag := strings.TrimPrefix(item, "tag:")
			if !knownTag(tag) {
				return nil, fmt.Errorf("systems: unknown tag %q%s", tag, suggest.DidYouMean(tag, allTags()))
			}
			keep = func(s *System) bool { return slices.Contains(s.Tags, tag) }
		default:
			if _, ok := catalogIdx[item]; !ok {
				kw := append([]string{"all", "flows", "ode", "delay", "maps"}, Names()...)
				return nil, fmt.Errorf("systems: unknown system %q%s", item, suggest.DidYouMean(item, kw))
			}
			add(item)
			continue
		}
		for i := range catalog {
			if keep(&catalog[i]) {
				add(catalog[i].Name)
			}
		}
	}
	return out, nil
}

// Bind fixes the parameters of s, with overrides applied, and builds its
// closures. An override must name an existing parameter (see ParamNames);
// IC must have Dim entries.
//
// A dimension parameter (Equations.DimParam, Lorenz96's N) set to another
// value than Dim resizes the bound system: Dim and StateDim become N, IC
// becomes Equations.ResizedIC (unless s.IC already has N entries), and the
// dysts estimates, which describe the dysts dimension, are cleared (Mean,
// Std and LyapunovSpectrum nil, the other estimates NaN). Dt and Period,
// the time scales, are kept.
func (s System) Bind(overrides map[string]float64) (Bound, error) {
	b := Bound{Info: s.clone().Info}
	for _, k := range sortedKeys(overrides) {
		if _, ok := b.Params[k]; !ok {
			return Bound{}, fmt.Errorf("systems: %s has no parameter %q%s (parameters: %s)",
				s.Name, k, suggest.DidYouMean(k, b.ParamNames), strings.Join(b.ParamNames, ", "))
		}
		b.Params[k] = overrides[k]
	}
	var unknown []string
	p := Params(func(name string) float64 {
		v, ok := b.Params[name]
		if !ok {
			unknown = append(unknown, name)
			return math.NaN()
		}
		return v
	})
	if err := b.resize(s.Eq, p); err != nil {
		return Bound{}, err
	}
	if len(b.IC) != b.Dim {
		return Bound{}, fmt.Errorf("systems: %s: initial condition has %d entries, want %d", s.Name, len(b.IC), b.Dim)
	}
	if s.Eq.Postprocess != nil {
		b.Postprocess = s.Eq.Postprocess(p)
	}
	missing := fmt.Errorf("systems: %s: no equations", s.Name)
	switch s.Kind {
	case Flow:
		if s.Eq.Flow == nil {
			return Bound{}, missing
		}
		b.F = s.Eq.Flow(p)
		if s.Eq.Jac != nil {
			b.Jac, b.AnalyticJac = s.Eq.Jac(p), true
		} else {
			b.Jac = NumericalJacobian(b.F, b.StateDim)
		}
	case Delay:
		if s.Eq.Delay == nil {
			return Bound{}, missing
		}
		b.DF = s.Eq.Delay(p)
		if s.Eq.DelayParam == "" {
			return Bound{}, fmt.Errorf("systems: %s: equations name no delay parameter", s.Name)
		}
		b.Tau = p(s.Eq.DelayParam)
		if s.Eq.Jac != nil {
			b.Jac, b.AnalyticJac = s.Eq.Jac(p), true
		}
	case Map:
		if s.Eq.Map == nil {
			return Bound{}, missing
		}
		b.G = s.Eq.Map(p)
		if s.Eq.Jac != nil {
			b.Jac, b.AnalyticJac = s.Eq.Jac(p), true
		} else {
			g := b.G
			b.Jac = NumericalJacobian(func(_ float64, x, dx []float64) { g(x, dx) }, b.StateDim)
		}
	default:
		return Bound{}, fmt.Errorf("systems: %s: unknown kind %v", s.Name, s.Kind)
	}
	if len(unknown) > 0 {
		return Bound{}, fmt.Errorf("systems: %s: equations read unknown parameters %s", s.Name, strings.Join(unknown, ", "))
	}
	return b, nil
}

// resize applies a dimension parameter (see Bind).
func (b *Bound) resize(eq Equations, p Params) error {
	if eq.DimParam == "" {
		return nil
	}
	v, ok := b.Params[eq.DimParam]
	if !ok {
		return fmt.Errorf("systems: %s: no dimension parameter %q", b.Name, eq.DimParam)
	}
	n := int(v)
	if float64(n) != v || n < eq.MinDim || n > MaxDim {
		return fmt.Errorf("systems: %s: parameter %s = %g must be an integer in [%d, %d] (the dimension)",
			b.Name, eq.DimParam, v, eq.MinDim, MaxDim)
	}
	if n == b.Dim {
		return nil
	}
	if len(b.IC) != n {
		if eq.ResizedIC == nil {
			return fmt.Errorf("systems: %s: no initial condition at %s = %d", b.Name, eq.DimParam, n)
		}
		b.IC = eq.ResizedIC(p, n)
	}
	b.Dim, b.StateDim = n, n
	nan := math.NaN()
	b.Mean, b.Std, b.LyapunovSpectrum = nil, nil, nil
	b.LyapunovMax, b.CorrelationDimension, b.KaplanYorkeDimension = nan, nan, nan
	b.PesinEntropy, b.MultiscaleEntropy = nan, nan
	b.Tags = tags(&b.Info)
	return nil
}

// clone deep-copies the slices and map of s.
func (s System) clone() System {
	s.ParamNames = slices.Clone(s.ParamNames)
	s.Params = cloneMap(s.Params)
	s.IC = slices.Clone(s.IC)
	s.LyapunovSpectrum = slices.Clone(s.LyapunovSpectrum)
	s.Mean = slices.Clone(s.Mean)
	s.Std = slices.Clone(s.Std)
	s.UnboundedIndices = slices.Clone(s.UnboundedIndices)
	s.Tags = slices.Clone(s.Tags)
	return s
}

func cloneMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func knownTag(tag string) bool { return slices.Contains(allTags(), tag) }

// allTags lists every tag used in the catalog, sorted.
func allTags() []string {
	set := map[string]bool{}
	for _, s := range catalog {
		for _, t := range s.Tags {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
