package spec

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chaos-runner/runner/internal/suggest"
)

// axis is a matrix axis while building.
type axis struct {
	name   string
	pos    Pos
	values []string
	index  map[string]int     // value -> position in values
	origin map[string]*Origin // value -> where it is written, shared by every node it replaces
	ok     bool               // false when the axis had problems: stages using it are not expanded
}

// combo is one combination exclude: cells matching every pair are removed.
type combo struct {
	axes   []*axis
	values []string
}

// stage is a stage of the file while building.
type stage struct {
	id        string
	index     int // file order
	pos       Pos
	kind      string
	kindPos   Pos
	foreach   []*axis
	params    *Node
	inputs    []*input
	timeout   time.Duration
	retries   int
	batch     int
	resources Resources
	// publish and publishPos: the publish folder and its position.
	publish    string
	publishPos Pos
	deps       []*stage // producers, deduplicated, in first-use order
	broken     bool     // do not expand: a problem was already reported
	// foreachBad tells that foreach had problems: checks that depend on
	// the list of axes are skipped, so errors do not cascade.
	foreachBad bool

	expanded bool
	cells    []Cell
	tuples   []string                    // cell key: values joined by \x00
	lookup   map[string]map[string][]int // mask -> key of the concrete values -> cell indices
	all      map[string][]Source         // port -> every cell, for [*]
	inst     []*Instance
}

// sep joins values into cell keys; axis values never contain it.
const sep = "\x00"

// forbidden lists what axis values must not contain, so they can appear in
// selectors and instance IDs.
const forbidden = ",[]=*${}\x00\n\r\t"

// checkValue validates one axis value.
func checkValue(v string) string {
	if v == "" {
		return "an axis value must not be empty"
	}
	if i := strings.IndexAny(v, forbidden); i >= 0 {
		return fmt.Sprintf("axis value %q must not contain %q (values appear in selectors and instance ids)", v, v[i:i+1])
	}
	if strings.TrimSpace(v) != v {
		return fmt.Sprintf("axis value %q must not start or end with spaces", v)
	}
	return ""
}

// matrix reads the matrix map.
func (b *builder) matrix(m *Node) {
	b.axisByID = map[string]*axis{}
	if m == nil || isNull(m) {
		return
	}
	if m.Kind != MapNode {
		b.errorf(m.Pos, "matrix", "expected a map of axes, got %s", describe(m))
		return
	}
	var exclude *Node
	for _, e := range m.Entries {
		if e.Key == "exclude" {
			exclude = e.Value
			continue
		}
		path := "matrix." + e.Key
		a := &axis{name: e.Key, pos: e.KeyPos, index: map[string]int{}, origin: map[string]*Origin{}, ok: true}
		if !identRE.MatchString(e.Key) {
			b.errorf(e.KeyPos, "matrix", "invalid axis name %q: use lowercase letters, digits and _, starting with a letter", e.Key)
			a.ok = false
		}
		before := len(b.ds)
		b.axisValues(a, e.Value, path)
		if len(b.ds) > before {
			a.ok = false
		}
		if a.ok && len(a.values) == 0 {
			b.errorf(e.KeyPos, path, "axis %q has no values", e.Key)
			a.ok = false
		}
		b.axes = append(b.axes, a)
		b.axisByID[a.name] = a
		b.p.Axes = append(b.p.Axes, Axis{Name: a.name, Values: a.values, Pos: a.pos})
	}
	if exclude != nil {
		b.combos(exclude)
	}
}

// add appends value v to a, reporting duplicates and invalid values at p.
func (b *builder) add(a *axis, v string, p Pos, path string) {
	if msg := checkValue(v); msg != "" {
		b.errorf(p, path, "%s", msg)
		return
	}
	if _, dup := a.index[v]; dup {
		b.errorf(p, path, "duplicate value %q in axis %q", v, a.name)
		return
	}
	a.index[v] = len(a.values)
	a.values = append(a.values, v)
	a.origin[v] = &Origin{Pos: p, Path: path}
}

// scalarList adds the scalars of a list node to a.
func (b *builder) scalarList(a *axis, n *Node, path string, each func(v string, p Pos, path string)) {
	if n.Kind != SeqNode {
		b.errorf(n.Pos, path, "expected a list of values, got %s", describe(n))
		return
	}
	for i, it := range n.Items {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if it.Kind != ScalarNode || it.Tag == "!!null" {
			b.errorf(it.Pos, ipath, "expected a plain value, got %s", describe(it))
			continue
		}
		each(it.Value, it.Pos, ipath)
	}
}

func (b *builder) axisValues(a *axis, n *Node, path string) {
	addTo := func(v string, p Pos, path string) { b.add(a, v, p, path) }
	switch n.Kind {
	case SeqNode:
		b.scalarList(a, n, path, addTo)
		return
	case ScalarNode:
		b.errorf(n.Pos, path, "expected a list of values or a map such as {catalog: flows}, got %s", describe(n))
		return
	}
	var source *Entry
	var include, exclude *Node
	sourceOK := true
	for i := range n.Entries {
		e := &n.Entries[i]
		switch e.Key {
		case "include":
			include = e.Value
			continue
		case "exclude":
			exclude = e.Value
			continue
		}
		if source != nil {
			b.errorf(e.KeyPos, path, "axis %q takes its values from one source, got both %q and %q", a.name, source.Key, e.Key)
			continue
		}
		source = e
	}
	switch {
	case source == nil && include == nil:
		b.errorf(n.Pos, path, "axis %q needs values: a list, {values: [...]}, or a named selection such as {catalog: flows}", a.name)
		sourceOK = false
	case source == nil:
		// Only include: the values are the included ones.
	case source.Key == "values":
		b.scalarList(a, source.Value, path+".values", addTo)
	case b.opts.Resolve == nil:
		b.errorf(source.KeyPos, path, "cannot resolve the named selection %q here (no resolver)", source.Key)
		sourceOK = false
	default:
		vals, err := b.opts.Resolve(source.Key, source.Value)
		if err != nil {
			b.errorf(source.Value.Pos, path+"."+source.Key, "%s: %v", source.Key, err)
			sourceOK = false
			break
		}
		for _, v := range vals {
			b.add(a, v, source.Value.Pos, path+"."+source.Key)
		}
	}
	if include != nil {
		b.scalarList(a, include, path+".include", addTo)
	}
	if exclude != nil {
		var drop []string
		b.scalarList(a, exclude, path+".exclude", func(v string, p Pos, ipath string) {
			if _, ok := a.index[v]; !ok {
				if sourceOK {
					b.errorf(p, ipath, "cannot exclude %q: it is not a value of axis %q%s", v, a.name, suggest.DidYouMean(v, a.values))
				}
				return
			}
			if contains(drop, v) {
				b.errorf(p, ipath, "%q is excluded twice", v)
				return
			}
			drop = append(drop, v)
		})
		if len(drop) > 0 {
			kept := a.values[:0:0]
			a.index = map[string]int{}
			for _, v := range a.values {
				if !contains(drop, v) {
					a.index[v] = len(kept)
					kept = append(kept, v)
				}
			}
			a.values = kept
		}
	}
}

// combos reads matrix.exclude: a list of partial cells.
func (b *builder) combos(n *Node) {
	const path = "matrix.exclude"
	if n.Kind != SeqNode {
		b.errorf(n.Pos, path, "expected a list of partial cells such as [{system: Lorenz, model: esn}], got %s", describe(n))
		return
	}
	names := b.axisNames()
	for i, it := range n.Items {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if it.Kind != MapNode || len(it.Entries) == 0 {
			b.errorf(it.Pos, ipath, "expected a map of axis: value such as {system: Lorenz, model: esn}, got %s", describe(it))
			continue
		}
		c := combo{}
		good := true
		for _, e := range it.Entries {
			a := b.axisByID[e.Key]
			if a == nil {
				b.errorf(e.KeyPos, ipath, "unknown matrix axis %q%s", e.Key, suggest.DidYouMean(e.Key, names))
				good = false
				continue
			}
			v := e.Value
			if v.Kind != ScalarNode || v.Tag == "!!null" {
				b.errorf(v.Pos, ipath+"."+e.Key, "expected a value of axis %q, got %s", a.name, describe(v))
				good = false
				continue
			}
			if _, ok := a.index[v.Value]; !ok {
				if a.ok {
					b.errorf(v.Pos, ipath+"."+e.Key, "%q is not a value of axis %q%s", v.Value, a.name, suggest.DidYouMean(v.Value, a.values))
				}
				good = false
				continue
			}
			c.axes = append(c.axes, a)
			c.values = append(c.values, v.Value)
		}
		if good {
			b.excludes = append(b.excludes, c)
		}
	}
}

// maxCells returns the expansion limit: the file's max_instances, else
// Options.MaxCells, else DefaultMaxCells.
func (b *builder) maxCells() int {
	if b.maxInstances > 0 {
		return b.maxInstances
	}
	if b.opts.MaxCells > 0 {
		return b.opts.MaxCells
	}
	return DefaultMaxCells
}

// rule is a combination exclude as positions in one stage's foreach.
type rule struct {
	pos    []int
	values []string
}

// rulesFor returns the combination excludes that apply to st: all their
// axes are in its foreach.
func (b *builder) rulesFor(st *stage) []rule {
	var rules []rule
	for _, c := range b.excludes {
		r := rule{values: c.values}
		for _, a := range c.axes {
			p := -1
			for i, f := range st.foreach {
				if f == a {
					p = i
				}
			}
			if p < 0 {
				r.pos = nil
				break
			}
			r.pos = append(r.pos, p)
		}
		if len(r.pos) == len(c.axes) {
			rules = append(rules, r)
		}
	}
	return rules
}

// excluded reports whether the cell at odometer position idx matches a rule.
func excluded(st *stage, rules []rule, idx []int) bool {
	for _, r := range rules {
		match := true
		for j, p := range r.pos {
			if st.foreach[p].values[idx[p]] != r.values[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// countCells returns how many cells st has, without building any: the
// product of its axes' lengths minus the combination excludes. When that
// exceeds room it may return a lower bound still above room (atLeast);
// math.MaxInt stands for a product that overflows.
func (b *builder) countCells(st *stage, room int) (n int, atLeast bool) {
	size := 1
	for _, a := range st.foreach {
		if size > math.MaxInt/len(a.values) {
			return math.MaxInt, true
		}
		size *= len(a.values)
	}
	rules := b.rulesFor(st)
	if len(rules) == 0 {
		return size, false
	}
	// Each rule fixes one value of some axes, so it removes at most the
	// product of the other axes: a lower bound decides most cases at once.
	lower := size
	for _, r := range rules {
		removed := size
		for _, p := range r.pos {
			removed /= len(st.foreach[p].values)
		}
		lower -= removed
	}
	if lower > room {
		// With one rule the bound is exact; with more, rules may overlap.
		return lower, len(rules) > 1
	}
	// Count exactly: an odometer walk without allocating cells.
	k := len(st.foreach)
	idx := make([]int, k)
	n = 0
	for {
		if !excluded(st, rules, idx) {
			n++
		}
		i := k - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(st.foreach[i].values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return n, false
		}
	}
}

// expand computes the cells of every stage that can be expanded. The cells
// of every stage are counted first: a file over the limit is rejected
// before any cell is built, at the stage that brings it over.
func (b *builder) expand() {
	limit := b.maxCells()
	total := 0
	counts := make([]int, len(b.stages))
	for i, st := range b.stages {
		if st.broken {
			continue
		}
		n, atLeast := b.countCells(st, limit-total)
		counts[i] = n
		if n > limit-total {
			sizes := make([]string, len(st.foreach))
			names := make([]string, len(st.foreach))
			for i, a := range st.foreach {
				sizes[i] = fmt.Sprint(len(a.values))
				names[i] = a.name
			}
			count := fmt.Sprint(n)
			switch {
			case n == math.MaxInt:
				count = "more than " + fmt.Sprint(limit)
			case atLeast:
				count = "at least " + count
			}
			if len(st.foreach) == 0 {
				b.errorf(st.pos, "stages."+st.id, "stage %q brings the pipeline over the limit of %d cells (max_instances)", st.id, limit)
				return
			}
			b.errorf(st.pos, "stages."+st.id, "matrix expansion of stage %q gives %s cells (foreach [%s]: %s), bringing the pipeline over the limit of %d cells (max_instances)",
				st.id, count, strings.Join(names, ", "), strings.Join(sizes, " x "), limit)
			return
		}
		total += n
	}
	for i, st := range b.stages {
		if st.broken {
			continue
		}
		b.cellsOf(st, counts[i])
		if len(st.cells) == 0 {
			b.errorf(st.pos, "stages."+st.id, "every cell of stage %q is removed by matrix.exclude", st.id)
			st.broken = true
			continue
		}
		st.expanded = true
	}
}

// cellsOf fills st.cells with the cartesian product of its foreach axes
// (last axis varying fastest) minus the combination excludes; size is
// their number.
func (b *builder) cellsOf(st *stage, size int) {
	k := len(st.foreach)
	if k == 0 {
		st.cells = []Cell{nil}
		st.tuples = []string{""}
		return
	}
	rules := b.rulesFor(st)
	st.cells = make([]Cell, 0, size)
	st.tuples = make([]string, 0, size)
	idx := make([]int, k)
	flat := make([]AxisValue, 0, size*k)
	var key strings.Builder
	for {
		if !excluded(st, rules, idx) {
			start := len(flat)
			key.Reset()
			for i, a := range st.foreach {
				v := a.values[idx[i]]
				flat = append(flat, AxisValue{Axis: a.name, Value: v})
				if i > 0 {
					key.WriteString(sep)
				}
				key.WriteString(v)
			}
			st.cells = append(st.cells, Cell(flat[start:len(flat):len(flat)]))
			st.tuples = append(st.tuples, key.String())
		}
		// Advance the odometer.
		i := k - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(st.foreach[i].values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// instanceID names a stage instance: "fit[Lorenz,nvar]" or "leaderboard".
func instanceID(st *stage, c Cell) string {
	if len(st.foreach) == 0 {
		return st.id
	}
	var b strings.Builder
	b.WriteString(st.id)
	b.WriteByte('[')
	for i, av := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(av.Value)
	}
	b.WriteByte(']')
	return b.String()
}
