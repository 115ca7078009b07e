package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// input is one input port of a stage while building.
type input struct {
	port     string
	pos      Pos
	path     string
	raw      string
	sel      selector
	producer *stage
	ok       bool // parsed and checked; cells can be matched
	fanIn    bool
	missed   bool // some cell matched nothing (reported)
}

// selector is a parsed input selector: stage.port or stage[elems].port.
type selector struct {
	stage   string
	bracket bool
	all     bool // [*]
	elems   []elem
	port    string
}

// elem is one element of a selector's brackets.
type elem struct {
	name string // "system" in "system=Lorenz"; "" when positional
	text string // the value or template
	wild bool   // "*"
	tmpl bool   // text contains "${"
}

const selectorHelp = `expected stage.port or stage[SEL].port, such as data[${system}].train or fit[*].model`

// parseSelector parses an input selector; it returns a reason when malformed.
func parseSelector(s string) (selector, string) {
	var sel selector
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "[.")
	if i < 0 {
		return sel, "no output port (missing \".port\")"
	}
	sel.stage = s[:i]
	if sel.stage == "" {
		return sel, "no stage id"
	}
	if !identRE.MatchString(sel.stage) {
		return sel, fmt.Sprintf("%q is not a stage id", sel.stage)
	}
	rest := s[i:]
	if rest[0] == '[' {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return sel, "missing \"]\""
		}
		sel.bracket = true
		inner := strings.TrimSpace(rest[1:j])
		rest = rest[j+1:]
		switch {
		case inner == "":
			return sel, "empty brackets (use [*] for every cell)"
		case inner == "*":
			sel.all = true
		default:
			for _, part := range strings.Split(inner, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					return sel, "empty element between commas"
				}
				var e elem
				if name, val, ok := strings.Cut(part, "="); ok {
					e.name, part = strings.TrimSpace(name), strings.TrimSpace(val)
					if !identRE.MatchString(e.name) {
						return sel, fmt.Sprintf("%q is not an axis name", e.name)
					}
					if part == "" {
						return sel, fmt.Sprintf("no value after %q", e.name+"=")
					}
				}
				if strings.ContainsAny(part, "[]") {
					return sel, fmt.Sprintf("unexpected bracket in element %q", part)
				}
				e.text = part
				e.wild = part == "*"
				e.tmpl = strings.Contains(part, "${")
				sel.elems = append(sel.elems, e)
			}
		}
		if rest == "" || rest[0] != '.' {
			return sel, "expected \".port\" after \"]\""
		}
	}
	sel.port = rest[1:]
	if sel.port == "" {
		return sel, "empty output port after \".\""
	}
	if !portRE.MatchString(sel.port) {
		return sel, fmt.Sprintf("%q is not a port name", sel.port)
	}
	return sel, ""
}

// parseInputs reads the inputs map of a stage (without resolving producers).
func (b *builder) parseInputs(st *stage, n *Node, path string) {
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != MapNode {
		b.errorf(n.Pos, path, "expected a map of port: selector, got %s", describe(n))
		return
	}
	for _, e := range n.Entries {
		ipath := path + "." + e.Key
		v := e.Value
		// A port takes one selector, or a list of them whose matches are
		// concatenated in list order (a fan-in from several stages).
		items := []*Node{v}
		if v.Kind == SeqNode && len(v.Items) > 0 {
			items = v.Items
		}
		for _, it := range items {
			if it.Kind != ScalarNode || it.Tag != "!!str" {
				b.errorf(it.Pos, ipath, "expected an input selector such as data[${system}].train, or a list of them, got %s", describe(it))
				continue
			}
			in := &input{port: e.Key, pos: it.Pos, path: ipath, raw: it.Value, fanIn: len(items) > 1}
			sel, why := parseSelector(it.Value)
			if why != "" {
				b.errorf(it.Pos, ipath, "malformed input selector %q: %s; %s", it.Value, why, selectorHelp)
				continue
			}
			in.sel = sel
			in.ok = true
			st.inputs = append(st.inputs, in)
		}
	}
	sort.SliceStable(st.inputs, func(i, j int) bool { return st.inputs[i].port < st.inputs[j].port })
}

// checkInputs checks params templates and input selectors of every stage,
// and records the dependencies between stages.
func (b *builder) checkInputs() {
	ids := make([]string, len(b.stages))
	for i, s := range b.stages {
		ids[i] = s.id
	}
	for _, st := range b.stages {
		if st.params != nil && st.params.Kind == MapNode && !b.checkParams(st, st.params, "stages."+st.id+".params") {
			st.broken = true
		}
		for _, in := range st.inputs {
			prod := b.stageBy[in.sel.stage]
			switch {
			case prod == nil:
				b.errorf(in.pos, in.path, "unknown stage %q in input selector %q%s", in.sel.stage, in.raw, DidYouMean(in.sel.stage, ids))
				in.ok = false
				continue
			case prod == st:
				b.errorf(in.pos, in.path, "stage %q cannot read its own output (%q)", st.id, in.raw)
				in.ok = false
				continue
			}
			in.producer = prod
			if !containsStage(st.deps, prod) {
				st.deps = append(st.deps, prod)
			}
			if !b.checkSelector(st, in) {
				in.ok = false
			}
		}
	}
}

func containsStage(list []*stage, s *stage) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkSelector checks a selector against its producer; it reports problems
// and returns false when there were any.
func (b *builder) checkSelector(st *stage, in *input) bool {
	prod, sel := in.producer, in.sel
	if prod.foreachBad {
		return false
	}
	if len(prod.foreach) == 0 {
		if sel.bracket {
			b.errorf(in.pos, in.path, "stage %q has no foreach, so it has no cells to select; write %s.%s", prod.id, prod.id, sel.port)
			return false
		}
		return true
	}
	names := make([]string, len(prod.foreach))
	for i, a := range prod.foreach {
		names[i] = a.name
	}
	if !sel.bracket {
		b.errorf(in.pos, in.path, "stage %q has foreach [%s]; select its cells as %s[...].%s (%s[*].%s for all of them)",
			prod.id, strings.Join(names, ", "), prod.id, sel.port, prod.id, sel.port)
		return false
	}
	if sel.all {
		in.fanIn = true
		return true
	}
	if len(sel.elems) != len(prod.foreach) {
		b.errorf(in.pos, in.path, "selector %q has %s but stage %q has %s [%s]",
			in.raw, plural(len(sel.elems), "element", "elements"), prod.id,
			plural(len(prod.foreach), "foreach axis", "foreach axes"), strings.Join(names, ", "))
		return false
	}
	ok := true
	for i, e := range sel.elems {
		a := prod.foreach[i]
		if e.name != "" && e.name != a.name {
			b.errorf(in.pos, in.path, "element %d of %q names axis %q, but axis %d of stage %q is %q",
				i+1, in.raw, e.name, i+1, prod.id, a.name)
			ok = false
			continue
		}
		switch {
		case e.wild:
			in.fanIn = true
		case e.tmpl:
			if !b.checkTemplate(st, e.text, in.pos, in.path) {
				ok = false
			}
		default:
			if _, found := a.index[e.text]; !found {
				if a.ok {
					b.errorf(in.pos, in.path, "%q is not a value of axis %q%s", e.text, a.name, DidYouMean(e.text, a.values))
				}
				ok = false
			}
		}
	}
	return ok
}

// checkParams checks the ${axis} templates in every string of params.
func (b *builder) checkParams(st *stage, n *Node, path string) bool {
	ok := true
	switch n.Kind {
	case ScalarNode:
		if n.Tag == "!!str" && strings.Contains(n.Value, "$") {
			ok = b.checkTemplate(st, n.Value, n.Pos, path)
		}
	case MapNode:
		for _, e := range n.Entries {
			if !b.checkParams(st, e.Value, joinPath(path, e.Key)) {
				ok = false
			}
		}
	case SeqNode:
		for i, it := range n.Items {
			if !b.checkParams(st, it, fmt.Sprintf("%s[%d]", path, i)) {
				ok = false
			}
		}
	}
	return ok
}

// checkTemplate checks the ${axis} references of s against st's foreach.
func (b *builder) checkTemplate(st *stage, s string, p Pos, path string) bool {
	if st.foreachBad {
		return false
	}
	ok := true
	names := make([]string, len(st.foreach))
	for i, a := range st.foreach {
		names[i] = a.name
	}
	_, _, err := substitute(s, func(name string) (string, bool) {
		if contains(names, name) {
			return "", true
		}
		ok = false
		switch {
		case name == "":
			b.errorf(p, path, "empty \"${}\" in %q", s)
		case b.axisByID[name] != nil:
			b.errorf(p, path, "\"${%s}\": axis %q is not in the foreach of stage %q", name, name, st.id)
		default:
			b.errorf(p, path, "\"${%s}\": unknown matrix axis %q%s", name, name, DidYouMean(name, append(names, b.axisNames()...)))
		}
		return "", true
	})
	if err != "" {
		b.errorf(p, path, "%s in %q", err, s)
		ok = false
	}
	return ok
}

// substitute replaces each ${name} in s by lookup(name); "$${" writes a
// literal "${". whole reports that s is exactly one reference. A non-empty
// problem describes a malformed template.
func substitute(s string, lookup func(string) (string, bool)) (out string, whole bool, problem string) {
	if !strings.Contains(s, "$") {
		return s, false, ""
	}
	var sb strings.Builder
	refs := 0
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			sb.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return s, false, `unterminated "${" (write "$${" for a literal "${")`
			}
			name := strings.TrimSpace(s[i+2 : i+2+end])
			v, _ := lookup(name)
			sb.WriteString(v)
			refs++
			if i == 0 && i+3+end == len(s) {
				whole = true
			}
			i += 3 + end
		default:
			sb.WriteByte(s[i])
			i++
		}
	}
	return sb.String(), whole && refs == 1, ""
}

// cellLookup returns a template lookup over the values of c.
func cellLookup(c Cell) func(string) (string, bool) {
	return func(name string) (string, bool) { return c.Get(name) }
}

// scalarTag returns the tag a substituted value gets when a scalar is
// exactly one "${axis}" reference: decimal integers become !!int, other
// decimal numbers !!float, true and false !!bool, anything else !!str.
func scalarTag(v string) string {
	switch {
	case v == "true" || v == "false":
		return "!!bool"
	case v == "" || !strings.ContainsAny(v[:1], "+-.0123456789"):
		return "!!str"
	}
	digits, dot, exp := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && digits && !exp && i+1 < len(v):
			exp, digits = true, false
			if v[i+1] == '+' || v[i+1] == '-' {
				i++
			}
		case (c == '+' || c == '-') && i == 0:
		default:
			return "!!str"
		}
	}
	switch {
	case !digits:
		return "!!str"
	case !dot && !exp:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return "!!int"
		}
	}
	return "!!float"
}

// arena hands out Nodes, Entries and Items from shared blocks, so expanding
// thousands of cells does not allocate every node separately.
type arena struct {
	nodes   []Node
	entries []Entry
	items   []*Node
}

const arenaBlock = 1024

func (a *arena) node() *Node {
	if len(a.nodes) == 0 {
		a.nodes = make([]Node, arenaBlock)
	}
	n := &a.nodes[0]
	a.nodes = a.nodes[1:]
	return n
}

func (a *arena) entrySlice(k int) []Entry {
	if k > arenaBlock/4 {
		return make([]Entry, k)
	}
	if len(a.entries) < k {
		a.entries = make([]Entry, arenaBlock)
	}
	s := a.entries[:k:k]
	a.entries = a.entries[k:]
	return s
}

func (a *arena) itemSlice(k int) []*Node {
	if k > arenaBlock/4 {
		return make([]*Node, k)
	}
	if len(a.items) < k {
		a.items = make([]*Node, arenaBlock)
	}
	s := a.items[:k:k]
	a.items = a.items[k:]
	return s
}

// substNode returns a copy of n with templates substituted for cell c.
func substNode(n *Node, c Cell, a *arena) *Node {
	out := a.node()
	*out = *n
	switch n.Kind {
	case ScalarNode:
		if n.Tag == "!!str" && strings.Contains(n.Value, "$") {
			v, whole, _ := substitute(n.Value, cellLookup(c))
			out.Value = v
			if whole {
				out.Tag = scalarTag(v)
			}
		}
	case MapNode:
		if n.Entries != nil {
			out.Entries = a.entrySlice(len(n.Entries))
			for i, e := range n.Entries {
				out.Entries[i] = Entry{Key: e.Key, KeyPos: e.KeyPos, Value: substNode(e.Value, c, a)}
			}
		}
	case SeqNode:
		if n.Items != nil {
			out.Items = a.itemSlice(len(n.Items))
			for i, it := range n.Items {
				out.Items[i] = substNode(it, c, a)
			}
		}
	}
	return out
}

// makeInstances creates the instances of every expanded stage and resolves
// their inputs.
func (b *builder) makeInstances() {
	var a arena
	for _, st := range b.stages {
		if !st.expanded {
			continue
		}
		insts := make([]Instance, len(st.cells))
		inputs := make([]Input, 0, len(st.cells)*len(st.inputs))
		st.inst = make([]*Instance, len(st.cells))
		k := len(st.inputs)
		for i, c := range st.cells {
			insts[i] = Instance{
				ID:      instanceID(st, c),
				Stage:   st.id,
				Cell:    c,
				Kind:    st.kind,
				Pos:     st.pos,
				KindPos: st.kindPos,
				Params:  substNode(st.params, c, &a),
				Inputs:  inputs[i*k : i*k : (i+1)*k],
				Timeout: st.timeout,
				Retries: st.retries,
			}
			st.inst[i] = &insts[i]
		}
	}
	for _, st := range b.stages {
		if !st.expanded {
			continue
		}
		for _, in := range st.inputs {
			if in.ok && in.producer.expanded {
				b.resolve(st, in)
			}
		}
		for _, inst := range st.inst {
			inst.Inputs = mergePorts(inst.Inputs)
		}
	}
}

// mergePorts joins the adjacent inputs of one port (a list of selectors)
// into one, sources in list order.
func mergePorts(ins []Input) []Input {
	out := ins[:0]
	for _, in := range ins {
		if n := len(out); n > 0 && out[n-1].Port == in.Port {
			last := &out[n-1]
			last.Sources = append(append(make([]Source, 0, len(last.Sources)+len(in.Sources)), last.Sources...), in.Sources...)
			last.FanIn = true
			continue
		}
		out = append(out, in)
	}
	return out
}

// sources returns one Source per cell of st for port, cached.
func (st *stage) sources(port string) []Source {
	if s, ok := st.all[port]; ok {
		return s
	}
	if st.all == nil {
		st.all = map[string][]Source{}
	}
	s := make([]Source, len(st.cells))
	for i, c := range st.cells {
		s[i] = Source{Instance: st.inst[i].ID, Stage: st.id, Port: port, Cell: c}
	}
	st.all[port] = s
	return s
}

// match returns the cells of st whose values at the positions where mask is
// '1' join (with sep) to key. The index for each mask is built once, so
// matching is linear in the number of cells overall.
func (st *stage) match(mask, key string) []int {
	if st.lookup == nil {
		st.lookup = map[string]map[string][]int{}
	}
	idx, ok := st.lookup[mask]
	if !ok {
		idx = make(map[string][]int)
		var sb strings.Builder
		for ci, c := range st.cells {
			sb.Reset()
			first := true
			for p, av := range c {
				if mask[p] != '1' {
					continue
				}
				if !first {
					sb.WriteString(sep)
				}
				first = false
				sb.WriteString(av.Value)
			}
			k := sb.String()
			idx[k] = append(idx[k], ci)
		}
		st.lookup[mask] = idx
	}
	return idx[key]
}

// resolve fills the Input of every instance of st for in.
func (b *builder) resolve(st *stage, in *input) {
	prod, sel := in.producer, in.sel
	all := prod.sources(sel.port)
	var misses int
	var firstMiss, firstSel string
	mask := make([]byte, len(sel.elems))
	vals := make([]string, 0, len(sel.elems))
	for ci, c := range st.cells {
		var srcs []Source
		if len(prod.foreach) == 0 || sel.all {
			srcs = all
		} else {
			vals = vals[:0]
			for p, e := range sel.elems {
				if e.wild {
					mask[p] = '0'
					continue
				}
				mask[p] = '1'
				v := e.text
				if e.tmpl {
					v, _, _ = substitute(v, cellLookup(c))
				}
				vals = append(vals, v)
			}
			hits := prod.match(string(mask), strings.Join(vals, sep))
			switch {
			case len(hits) == 0:
				if misses == 0 {
					firstMiss = instanceID(st, c)
					firstSel = b.resolvedSelector(sel, c)
				}
				misses++
			case len(hits) == 1:
				srcs = all[hits[0] : hits[0]+1 : hits[0]+1]
			default:
				srcs = make([]Source, len(hits))
				for i, h := range hits {
					srcs[i] = all[h]
				}
			}
		}
		st.inst[ci].Inputs = append(st.inst[ci].Inputs, Input{Port: in.port, Pos: in.pos, Sources: srcs, FanIn: in.fanIn})
	}
	if misses > 0 {
		in.missed = true
		more := ""
		if misses > 1 {
			more = fmt.Sprintf(" (and for %d more cells)", misses-1)
		}
		b.errorf(in.pos, in.path, "input selector %q matched no cell of stage %q for %s: %s selects nothing%s",
			in.raw, prod.id, firstMiss, firstSel, more)
	}
}

// resolvedSelector renders sel with the templates of cell c substituted.
func (b *builder) resolvedSelector(sel selector, c Cell) string {
	parts := make([]string, len(sel.elems))
	for i, e := range sel.elems {
		v := e.text
		if e.tmpl {
			v, _, _ = substitute(v, cellLookup(c))
		}
		if e.name != "" {
			v = e.name + "=" + v
		}
		parts[i] = v
	}
	return fmt.Sprintf("%s[%s].%s", sel.stage, strings.Join(parts, ","), sel.port)
}

// instances assembles the pipeline's instances in stage topological order.
func (b *builder) instances(order []*stage) {
	n := 0
	for _, st := range order {
		n += len(st.inst)
	}
	b.p.Instances = make([]*Instance, 0, n)
	for _, st := range order {
		b.p.Instances = append(b.p.Instances, st.inst...)
	}
}

// plural renders "1 element" or "3 elements".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
