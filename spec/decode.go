package spec

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/chaos-runner/runner/internal/suggest"
)

// Field describes one decodable field of a struct type. Decode and the JSON
// Schema generator both use Fields, so they share one rule set.
type Field struct {
	Name     string       // key in the YAML map: the yaml tag name, or the snake_case Go name
	Index    []int        // index sequence for reflect.Value.FieldByIndex
	Type     reflect.Type // the Go type of the field
	Required bool         // true exactly when the yaml tag lacks ",omitempty"
	Doc      string       // from the `doc:"..."` struct tag
}

var fieldCache sync.Map // reflect.Type -> []Field

// Fields describes the decodable fields of struct type t (or of the struct t
// points to), in declaration order. Unexported fields and fields tagged
// `yaml:"-"` are skipped; fields tagged ",inline" and untagged embedded
// structs contribute their own fields. It returns nil for non-struct types.
func Fields(t reflect.Type) []Field {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	if f, ok := fieldCache.Load(t); ok {
		return f.([]Field)
	}
	fs := collectFields(t, nil, 0)
	fieldCache.Store(t, fs)
	return fs
}

func collectFields(t reflect.Type, prefix []int, depth int) []Field {
	var fs []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, hasTag := sf.Tag.Lookup("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		inline := hasOpt(opts, "inline") || (sf.Anonymous && !hasTag)
		index := append(append([]int(nil), prefix...), i)
		if inline && sf.Type.Kind() == reflect.Struct && depth < 16 {
			fs = append(fs, collectFields(sf.Type, index, depth+1)...)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = snakeCase(sf.Name)
		}
		fs = append(fs, Field{
			Name:     name,
			Index:    index,
			Type:     sf.Type,
			Required: !hasOpt(opts, "omitempty"),
			Doc:      sf.Tag.Get("doc"),
		})
	}
	return fs
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// snakeCase converts a Go identifier such as PtsPerPeriod or HTTPPort to
// pts_per_period or http_port.
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	nodeType     = reflect.TypeFor[Node]()
	nodePtrType  = reflect.TypeFor[*Node]()
	durationType = reflect.TypeFor[time.Duration]()
)

// Decode strictly decodes n into the value v points to. v already holds
// defaults, which stay when a key is absent (or null). Struct keys follow the
// rules of Fields: unknown keys, missing required fields and values of the
// wrong type are diagnostics, and all of them are reported. Supported types
// are string, bool, the integer and float kinds, time.Duration (written as
// "30s"), slices, maps with string keys, structs, pointers to those, any,
// and Node or *Node (kept raw). path is the dotted prefix of diagnostic paths,
// such as "stages.fit.params".
func Decode(n *Node, path string, v any) Diagnostics {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		p := Pos{}
		if n != nil {
			p = n.Pos
		}
		return Diagnostics{{Pos: p, Path: path, Message: fmt.Sprintf("internal error: Decode needs a non-nil pointer, got %T", v)}}
	}
	if n == nil {
		n = &Node{Kind: ScalarNode, Tag: "!!null"}
	}
	d := &decoder{}
	d.value(n, path, rv.Elem(), true)
	d.ds.Sort()
	return d.ds
}

type decoder struct {
	ds Diagnostics
}

func (d *decoder) errorf(p Pos, path, format string, args ...any) {
	d.ds = append(d.ds, Diagnostic{Pos: p, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) wrongType(n *Node, path, want string) {
	d.errorf(n.Pos, path, "expected %s, got %s", want, describe(n))
}

// describe renders a node for messages: string "abc", int 3, a map, a list, null.
func describe(n *Node) string {
	switch n.Kind {
	case MapNode:
		return "a map"
	case SeqNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!int":
		return "int " + v
	case "!!float":
		return "float " + v
	case "!!bool":
		return "bool " + v
	}
	return "string " + strconv.Quote(v)
}

func isNull(n *Node) bool { return n.Kind == ScalarNode && n.Tag == "!!null" }

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value decodes n into rv; required tells whether a null may keep the default.
func (d *decoder) value(n *Node, path string, rv reflect.Value, required bool) {
	t := rv.Type()
	switch t {
	case nodePtrType:
		rv.Set(reflect.ValueOf(n))
		return
	case nodeType:
		rv.Set(reflect.ValueOf(*n))
		return
	case durationType:
		d.duration(n, path, rv, required)
		return
	}
	if t.Kind() == reflect.Pointer {
		if isNull(n) {
			rv.SetZero()
			return
		}
		if rv.IsNil() {
			rv.Set(reflect.New(t.Elem()))
		}
		d.value(n, path, rv.Elem(), required)
		return
	}
	if isNull(n) {
		switch t.Kind() {
		case reflect.Struct:
			if required { // report the missing fields inside
				d.structure(&Node{Kind: MapNode, Pos: n.Pos}, path, rv)
			}
		case reflect.Interface:
			rv.SetZero()
		case reflect.Slice, reflect.Map:
			// An empty value keeps the default.
		default:
			if required {
				d.wrongType(n, path, expectation(t))
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		if n.Kind != ScalarNode {
			d.wrongType(n, path, "a string")
			return
		}
		rv.SetString(n.Value)
	case reflect.Bool:
		b, ok := parseBool(n)
		if !ok {
			d.wrongType(n, path, "a boolean (true or false)")
			return
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := d.integer(n, path, t)
		if ok {
			rv.SetInt(i)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, ok := d.unsigned(n, path, t)
		if ok {
			rv.SetUint(u)
		}
	case reflect.Float32, reflect.Float64:
		f, ok := parseFloat(n)
		if !ok {
			d.wrongType(n, path, "a number")
			return
		}
		if t.Kind() == reflect.Float32 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			d.errorf(n.Pos, path, "number %s out of range for float32", n.Value)
			return
		}
		rv.SetFloat(f)
	case reflect.Slice:
		if n.Kind != SeqNode {
			d.wrongType(n, path, "a list")
			return
		}
		s := reflect.MakeSlice(t, len(n.Items), len(n.Items))
		for i, it := range n.Items {
			d.value(it, fmt.Sprintf("%s[%d]", path, i), s.Index(i), true)
		}
		rv.Set(s)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			d.errorf(n.Pos, path, "internal error: unsupported map key type %s", t.Key())
			return
		}
		if n.Kind != MapNode {
			d.wrongType(n, path, "a map")
			return
		}
		m := reflect.MakeMapWithSize(t, len(n.Entries))
		if !rv.IsNil() { // start from a copy of the defaults
			iter := rv.MapRange()
			for iter.Next() {
				m.SetMapIndex(iter.Key(), iter.Value())
			}
		}
		for _, e := range n.Entries {
			k := reflect.ValueOf(e.Key).Convert(t.Key())
			ev := reflect.New(t.Elem()).Elem()
			if old := m.MapIndex(k); old.IsValid() {
				ev.Set(old)
			}
			d.value(e.Value, joinPath(path, e.Key), ev, true)
			m.SetMapIndex(k, ev)
		}
		rv.Set(m)
	case reflect.Struct:
		if n.Kind != MapNode {
			d.wrongType(n, path, "a map")
			return
		}
		d.structure(n, path, rv)
	case reflect.Interface:
		if t.NumMethod() != 0 {
			d.errorf(n.Pos, path, "internal error: unsupported field type %s", t)
			return
		}
		rv.Set(reflect.ValueOf(n.Generic()))
	default:
		d.errorf(n.Pos, path, "internal error: unsupported field type %s", t)
	}
}

func expectation(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a value"
}

func (d *decoder) structure(n *Node, path string, rv reflect.Value) {
	fields := Fields(rv.Type())
	seen := make([]bool, len(fields))
	for _, e := range n.Entries {
		fi := -1
		for i := range fields {
			if fields[i].Name == e.Key {
				fi = i
				break
			}
		}
		if fi < 0 {
			names := make([]string, len(fields))
			for i, f := range fields {
				names[i] = f.Name
			}
			d.errorf(e.KeyPos, path, "unknown field %q%s", e.Key, suggest.DidYouMean(e.Key, names))
			continue
		}
		seen[fi] = true
		f := fields[fi]
		d.value(e.Value, joinPath(path, e.Key), rv.FieldByIndex(f.Index), f.Required)
	}
	for i, f := range fields {
		if f.Required && !seen[i] {
			d.errorf(n.Pos, path, "missing required field %q", f.Name)
		}
	}
}

func (d *decoder) duration(n *Node, path string, rv reflect.Value, required bool) {
	if isNull(n) {
		if required {
			d.wrongType(n, path, `a duration such as "30s"`)
		}
		return
	}
	if n.Kind == ScalarNode {
		if n.Tag == "!!str" {
			if dur, err := time.ParseDuration(strings.TrimSpace(n.Value)); err == nil {
				rv.SetInt(int64(dur))
				return
			}
		}
		if n.Tag == "!!int" && n.Value == "0" {
			rv.SetInt(0)
			return
		}
	}
	d.wrongType(n, path, `a duration such as "30s" or "1h30m"`)
}

func (d *decoder) integer(n *Node, path string, t reflect.Type) (int64, bool) {
	if n.Kind != ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		d.wrongType(n, path, "a number")
		return 0, false
	}
	bits := t.Bits()
	lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
	if n.Tag == "!!int" {
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			if _, ok := parseFloat(n); ok {
				d.errorf(n.Pos, path, "number %s out of range for %s", n.Value, t.Kind())
			} else {
				d.wrongType(n, path, "a number")
			}
			return 0, false
		}
		if i < lo || i > hi {
			d.errorf(n.Pos, path, "number %s out of range for %s", n.Value, t.Kind())
			return 0, false
		}
		return i, true
	}
	f, ok := parseFloat(n)
	if !ok {
		d.wrongType(n, path, "a number")
		return 0, false
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		d.wrongType(n, path, "an integer")
		return 0, false
	}
	if f < float64(lo) || f >= -float64(lo) || int64(f) > hi {
		d.errorf(n.Pos, path, "number %s out of range for %s", n.Value, t.Kind())
		return 0, false
	}
	return int64(f), true
}

func (d *decoder) unsigned(n *Node, path string, t reflect.Type) (uint64, bool) {
	if n.Kind != ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		d.wrongType(n, path, "a number")
		return 0, false
	}
	var hi uint64 = math.MaxUint64 >> (64 - t.Bits())
	if strings.HasPrefix(strings.TrimSpace(n.Value), "-") {
		if f, ok := parseFloat(n); ok && f == 0 {
			return 0, true
		}
		d.wrongType(n, path, "a non-negative integer")
		return 0, false
	}
	if n.Tag == "!!int" {
		u, err := strconv.ParseUint(strings.TrimPrefix(n.Value, "+"), 0, 64)
		if err != nil || u > hi {
			if _, ok := parseFloat(n); ok {
				d.errorf(n.Pos, path, "number %s out of range for %s", n.Value, t.Kind())
			} else {
				d.wrongType(n, path, "a number")
			}
			return 0, false
		}
		return u, true
	}
	f, ok := parseFloat(n)
	if !ok {
		d.wrongType(n, path, "a number")
		return 0, false
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		d.wrongType(n, path, "an integer")
		return 0, false
	}
	if f >= 18446744073709551616.0 || uint64(f) > hi {
		d.errorf(n.Pos, path, "number %s out of range for %s", n.Value, t.Kind())
		return 0, false
	}
	return uint64(f), true
}

// parseFloat reads an !!int or !!float scalar as a float64, accepting the
// YAML spellings .inf, -.inf and .nan.
func parseFloat(n *Node) (float64, bool) {
	if n.Kind != ScalarNode {
		return 0, false
	}
	s := strings.TrimSpace(n.Value)
	switch n.Tag {
	case "!!int":
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return float64(i), true
		}
		if u, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 0, 64); err == nil {
			return float64(u), true
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		return f, err == nil || isRangeErr(err)
	case "!!float":
		switch strings.ToLower(strings.TrimPrefix(s, "+")) {
		case ".inf":
			return math.Inf(1), true
		case "-.inf":
			return math.Inf(-1), true
		case ".nan":
			return math.NaN(), true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func parseBool(n *Node) (bool, bool) {
	if n.Kind != ScalarNode || n.Tag != "!!bool" {
		return false, false
	}
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	return false, false
}

// Generic converts n to plain Go values: map[string]any, []any, string,
// int64 (or uint64 when too large), float64, bool or nil.
func (n *Node) Generic() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case MapNode:
		m := make(map[string]any, len(n.Entries))
		for _, e := range n.Entries {
			m[e.Key] = e.Value.Generic()
		}
		return m
	case SeqNode:
		s := make([]any, len(n.Items))
		for i, it := range n.Items {
			s[i] = it.Generic()
		}
		return s
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		if b, ok := parseBool(n); ok {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(strings.TrimPrefix(n.Value, "+"), 0, 64); err == nil {
			return u
		}
		if f, ok := parseFloat(n); ok {
			return f
		}
	case "!!float":
		if f, ok := parseFloat(n); ok {
			return f
		}
	}
	return n.Value
}
