package stages

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/chaos-runner/runner/spec"
)

// Definition is everything that describes one stage kind. P is its params
// struct: yaml tags name the keys (snake_case), a field is required exactly
// when its tag lacks omitempty, and `doc:"..."` tags document the keys.
type Definition[P any] struct {
	Name    string
	Version int // bump when outputs change for the same params: invalidates the cache
	Summary string
	Doc     string
	// Defaults holds the value of every optional param before decoding.
	Defaults P
	// Examples are params maps in YAML; a test decodes and builds each one.
	Examples []Example
	// New builds a stage. It must be cheap and pure: plan builds every stage
	// before anything runs. Matrix cells with equal params share one decoded
	// value, so New and the stage must treat p (its slices and maps) as
	// read-only.
	New func(p P, env Env) (Stage, error)
}

// Example is one documented use of a stage kind.
type Example struct {
	Title  string
	Params string // a YAML mapping
}

// Kind is a registered stage kind, with its params type erased.
type Kind interface {
	Name() string
	Version() int
	Summary() string
	Doc() string
	Examples() []Example
	// ParamsType is the params struct type.
	ParamsType() reflect.Type
	// Defaults returns a copy of the default params value.
	Defaults() any
	// Decode strictly decodes params from a positioned node (nil: no params).
	// With problems, the returned Value holds what did decode (defaults
	// elsewhere) and Canonical is nil: it may be built only to learn ports.
	Decode(n *spec.Node, path string) (Params, spec.Diagnostics)
	// Build constructs a stage from decoded params.
	Build(p Params, env Env) (Stage, error)
}

// Params is a decoded params value with its canonical encoding.
type Params struct {
	Value any
	// Canonical is canonical JSON of every param after defaults: key order and
	// YAML formatting never change it. It feeds the cache key.
	Canonical []byte
}

type kind[P any] struct{ def Definition[P] }

func (k *kind[P]) Name() string             { return k.def.Name }
func (k *kind[P]) Version() int             { return k.def.Version }
func (k *kind[P]) Summary() string          { return k.def.Summary }
func (k *kind[P]) Doc() string              { return k.def.Doc }
func (k *kind[P]) Examples() []Example      { return k.def.Examples }
func (k *kind[P]) ParamsType() reflect.Type { return reflect.TypeFor[P]() }
func (k *kind[P]) Defaults() any            { return cloneValue(k.def.Defaults) }

func (k *kind[P]) Decode(n *spec.Node, path string) (Params, spec.Diagnostics) {
	p := cloneValue(k.def.Defaults)
	if n == nil {
		n = &spec.Node{Kind: spec.MapNode}
	}
	diags := spec.Decode(n, path, &p)
	// Validate even when some fields did not decode (an unknown key, a
	// wrong type), so one run reports every problem; only checks of a field
	// that already has a problem, or of the whole value, are skipped.
	if v, ok := any(&p).(Validator); ok {
		for _, fe := range v.Validate() {
			if len(diags) > 0 && (fe.Field == "" || fieldHasProblem(diags, path+"."+fe.Field)) {
				continue
			}
			diags = append(diags, fieldDiagnostic(n, path, fe))
		}
	}
	// Every NaN or infinity is reported at its own position (Canonical, the
	// cache key, refuses them too, but would name only the first).
	diags = append(diags, nonFiniteDiagnostics(p, n, path, diags)...)
	if len(diags) > 0 {
		// The partial value lets the plan still learn the stage's ports.
		return Params{Value: p}, diags
	}
	canon, err := Canonical(p)
	if err != nil {
		return Params{}, spec.Diagnostics{{Pos: n.Pos, Path: path, Message: err.Error()}}
	}
	return Params{Value: p, Canonical: canon}, nil
}

func (k *kind[P]) Build(p Params, env Env) (Stage, error) {
	v, ok := p.Value.(P)
	if !ok {
		return nil, fmt.Errorf("stage %s: params of type %T, want %T", k.def.Name, p.Value, v)
	}
	st, err := k.def.New(v, env)
	if err != nil {
		return nil, err
	}
	// Params that need more than the memory limit build a stage with the
	// right ports that fails alone when it runs, before it allocates.
	if _, merr := checkParamsMemory(v); merr != nil {
		return overLimit{Stage: st, err: merr}, nil
	}
	return st, nil
}

// fieldHasProblem reports whether a diagnostic sits at field or inside it.
func fieldHasProblem(diags spec.Diagnostics, field string) bool {
	for _, d := range diags {
		if d.Path == field || strings.HasPrefix(d.Path, field+".") || strings.HasPrefix(d.Path, field+"[") {
			return true
		}
	}
	return false
}

// fieldDiagnostic positions a validation error at the offending key when present.
func fieldDiagnostic(n *spec.Node, path string, fe FieldError) spec.Diagnostic {
	d := spec.Diagnostic{Pos: n.Pos, Path: path, Message: fe.Message}
	if fe.Field == "" {
		return d
	}
	d.Path = path + "." + fe.Field
	// A nested field ("hyper.k", "grid.k[2]") is placed at its own node,
	// or at the deepest one written.
	d.Pos = nodeAt(n, fe.Field).Pos
	return d
}

// cloneValue deep-copies slices and maps reachable from a params value, so
// decoding never mutates a kind's defaults.
func cloneValue[P any](v P) P {
	rv := reflect.ValueOf(&v).Elem()
	out := reflect.New(rv.Type()).Elem()
	deepCopy(out, rv)
	return out.Interface().(P)
}

func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
		for i := 0; i < src.Len(); i++ {
			deepCopy(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.MakeMapWithSize(src.Type(), src.Len()))
		for _, k := range src.MapKeys() {
			nv := reflect.New(src.Type().Elem()).Elem()
			deepCopy(nv, src.MapIndex(k))
			dst.SetMapIndex(k, nv)
		}
	case reflect.Struct:
		for i := 0; i < src.NumField(); i++ {
			if dst.Field(i).CanSet() {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		if src.Type().Elem() == reflect.TypeFor[spec.Node]() {
			dst.Set(src) // raw nodes are immutable once parsed
			return
		}
		p := reflect.New(src.Type().Elem())
		deepCopy(p.Elem(), src.Elem())
		dst.Set(p)
	default:
		dst.Set(src)
	}
}

// Selection resolves a named matrix selection, such as `{catalog: flows}`.
type Selection struct {
	Name string
	Doc  string
	// Resolve turns the selection's argument into axis values.
	Resolve func(arg string) ([]string, error)
}

// Registry holds stage kinds and named matrix selections.
type Registry struct {
	mu         sync.RWMutex
	kinds      map[string]Kind
	selections map[string]Selection
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{kinds: map[string]Kind{}, selections: map[string]Selection{}}
}

// Default is the registry that stage families register into from init.
var Default = NewRegistry()

// Register adds a stage kind. A duplicate or incomplete definition is a
// programming error and panics at init time.
func Register[P any](r *Registry, d Definition[P]) {
	if d.Name == "" || d.New == nil || d.Version < 1 || d.Summary == "" {
		panic(fmt.Sprintf("stages: incomplete definition %q", d.Name))
	}
	if reflect.TypeFor[P]().Kind() != reflect.Struct {
		panic(fmt.Sprintf("stages: %s: params must be a struct", d.Name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[d.Name]; dup {
		panic("stages: duplicate kind " + d.Name)
	}
	r.kinds[d.Name] = &kind[P]{def: d}
}

// RegisterSelection adds a named matrix selection.
func (r *Registry) RegisterSelection(s Selection) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.selections[s.Name]; dup {
		panic("stages: duplicate selection " + s.Name)
	}
	r.selections[s.Name] = s
}

// Lookup returns the named kind.
func (r *Registry) Lookup(name string) (Kind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[name]
	return k, ok
}

// Kinds returns every kind sorted by name.
func (r *Registry) Kinds() []Kind {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Names returns every kind name, sorted.
func (r *Registry) Names() []string {
	ks := r.Kinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Name()
	}
	return names
}

// Selections returns every named selection sorted by name.
func (r *Registry) Selections() []Selection {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Selection, 0, len(r.selections))
	for _, s := range r.selections {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resolve implements spec.Options.Resolve from the registered selections.
func (r *Registry) Resolve(selector string, arg *spec.Node) ([]string, error) {
	r.mu.RLock()
	s, ok := r.selections[selector]
	r.mu.RUnlock()
	if !ok {
		names := []string{}
		for _, s := range r.Selections() {
			names = append(names, s.Name)
		}
		return nil, fmt.Errorf("unknown selection %q (known: %v)", selector, names)
	}
	if arg == nil || arg.Kind != spec.ScalarNode {
		return nil, fmt.Errorf("selection %q takes a single value", selector)
	}
	return s.Resolve(arg.Value)
}
