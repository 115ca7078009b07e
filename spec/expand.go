package spec

import (
	"fmt"
	"strings"
)

// substNode returns a copy of n with templates substituted for cell c.
func (b *builder) substNode(n *Node, c Cell, a *arena) *Node {
	out := a.node()
	*out = *n
	switch n.Kind {
	case ScalarNode:
		if n.Tag == "!!str" && strings.Contains(n.Value, "$") {
			v, whole, _ := substitute(n.Value, cellLookup(c))
			out.Value = v
			if whole {
				out.Tag = scalarTag(v)
				if ax := b.axisByID[strings.TrimSpace(n.Value[2:len(n.Value)-1])]; ax != nil {
					out.Origin = ax.origin[v]
				}
			}
		}
	case MapNode:
		if n.Entries != nil {
			out.Entries = a.entrySlice(len(n.Entries))
			for i, e := range n.Entries {
				out.Entries[i] = Entry{Key: e.Key, KeyPos: e.KeyPos, Value: b.substNode(e.Value, c, a)}
			}
		}
	case SeqNode:
		if n.Items != nil {
			out.Items = a.itemSlice(len(n.Items))
			for i, it := range n.Items {
				out.Items[i] = b.substNode(it, c, a)
			}
		}
	}
	return out
}

// hasTemplate reports whether a string under n holds a "$" (a template).
func hasTemplate(n *Node) bool {
	switch n.Kind {
	case ScalarNode:
		return n.Tag == "!!str" && strings.Contains(n.Value, "$")
	case MapNode:
		for _, e := range n.Entries {
			if hasTemplate(e.Value) {
				return true
			}
		}
	case SeqNode:
		for _, it := range n.Items {
			if hasTemplate(it) {
				return true
			}
		}
	}
	return false
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
		// Params without ${axis} are one read-only node shared by every
		// cell: a million-cell stage does not copy them a million times.
		shared := !hasTemplate(st.params)
		for i, c := range st.cells {
			params := st.params
			if !shared {
				params = b.substNode(st.params, c, &a)
			}
			insts[i] = Instance{
				ID:        instanceID(st, c),
				Stage:     st.id,
				Cell:      c,
				Kind:      st.kind,
				Pos:       st.pos,
				KindPos:   st.kindPos,
				Params:    params,
				Inputs:    inputs[i*k : i*k : (i+1)*k],
				Timeout:   st.timeout,
				Retries:   st.retries,
				Batch:     st.batch,
				Resources: st.resources,
			}
			insts[i].Publish, insts[i].PublishPos = st.publish, st.publishPos
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
