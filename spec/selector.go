package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chaos-runner/runner/internal/suggest"
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
				b.errorf(in.pos, in.path, "unknown stage %q in input selector %q%s", in.sel.stage, in.raw, suggest.DidYouMean(in.sel.stage, ids))
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
					b.errorf(in.pos, in.path, "%q is not a value of axis %q%s", e.text, a.name, suggest.DidYouMean(e.text, a.values))
				}
				ok = false
			}
		}
	}
	return ok
}

// plural renders "1 element" or "3 elements".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
