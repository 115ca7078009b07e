package stages

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"

	"github.com/chaos-runner/runner/spec"
)

// nonFinite lists every NaN or infinite number in a decoded params value, as
// a field path relative to the params map ("noise", "params.sigma",
// "grid.rho[2]"), in declaration order (map keys sorted). Canonical refuses
// such numbers too, but stops at the first; the plan reports them all.
func nonFinite(v reflect.Value, path string, out *[]nonFiniteField) {
	if !v.IsValid() {
		return
	}
	if v.Type() == durationType || v.Type() == nodeType {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			nonFinite(v.Elem(), path, out)
		}
	case reflect.Struct:
		for _, f := range spec.Fields(v.Type()) {
			nonFinite(v.FieldByIndex(f.Index), joinPath(path, f.Name), out)
		}
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		byKey := map[string]reflect.Value{}
		for _, k := range v.MapKeys() {
			s := fmt.Sprint(k.Interface())
			keys = append(keys, s)
			byKey[s] = v.MapIndex(k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			nonFinite(byKey[k], joinPath(path, k), out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			nonFinite(v.Index(i), path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			*out = append(*out, nonFiniteField{path: path, value: f})
		}
	}
}

type nonFiniteField struct {
	path  string
	value float64
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// nonFiniteDiagnostics reports each non-finite number of p at its own
// position in the params node n, skipping fields that already have a problem.
func nonFiniteDiagnostics(p any, n *spec.Node, path string, have spec.Diagnostics) spec.Diagnostics {
	var bad []nonFiniteField
	nonFinite(reflect.ValueOf(p), "", &bad)
	var ds spec.Diagnostics
	for _, b := range bad {
		full := path + "." + b.path
		if fieldHasProblem(have, full) {
			continue
		}
		ds = append(ds, spec.Diagnostic{
			Pos:     nodeAt(n, b.path).Pos,
			Path:    full,
			Message: fmt.Sprintf("must be a finite number, got %v", b.value),
		})
	}
	return ds
}

// nodeAt returns the node at a field path such as "grid.rho[2]", or the
// deepest node on the way that exists (a default has no node of its own).
func nodeAt(n *spec.Node, path string) *spec.Node {
	for path != "" && n != nil {
		var key string
		if path[0] == '[' {
			end := 1
			for end < len(path) && path[end] != ']' {
				end++
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil || n.Kind != spec.SeqNode || i < 0 || i >= len(n.Items) {
				return n
			}
			n, path = n.Items[i], path[min(end+1, len(path)):]
			if len(path) > 0 && path[0] == '.' {
				path = path[1:]
			}
			continue
		}
		end := 0
		for end < len(path) && path[end] != '.' && path[end] != '[' {
			end++
		}
		key, path = path[:end], path[end:]
		if len(path) > 0 && path[0] == '.' {
			path = path[1:]
		}
		var next *spec.Node
		if n.Kind == spec.MapNode {
			for _, e := range n.Entries {
				if e.Key == key {
					next = e.Value
				}
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}
