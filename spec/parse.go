package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Limits on alias expansion. An anchor may be referenced any number of times,
// but the nodes produced by resolving aliases may not exceed
// aliasBudgetBase + aliasBudgetFactor*(nodes written in the file), so an alias
// bomb ("billion laughs") is refused after a bounded amount of work.
const (
	aliasBudgetBase   = 10000
	aliasBudgetFactor = 10
)

// errAliasBudget aborts a conversion whose alias expansion is too large.
var errAliasBudget = errors.New("alias expansion too large")

// ParseNode parses one YAML document into a Node tree. Aliases are resolved
// (with an expansion budget, so an alias bomb fails fast with a diagnostic),
// merge keys ("<<") are applied, and duplicate map keys are diagnostics. An
// empty document yields a null scalar. The returned node is nil only when the
// input could not be parsed at all.
func ParseNode(file string, data []byte) (n *Node, ds Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			n = nil
			ds = append(ds, Diagnostic{Pos: Pos{File: file, Line: 1, Col: 1},
				Message: fmt.Sprintf("cannot parse YAML: internal error: %v", r)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Node{Kind: ScalarNode, Tag: "!!null", Pos: Pos{File: file, Line: 1, Col: 1}}, nil
		}
		return nil, Diagnostics{yamlErrorDiagnostic(file, data, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		ds = append(ds, Diagnostic{Pos: Pos{File: file, Line: extra.Line, Col: extra.Column},
			Message: "a pipeline file holds a single YAML document; remove the second one"})
	case !errors.Is(err, io.EOF):
		ds = append(ds, yamlErrorDiagnostic(file, data, err))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &Node{Kind: ScalarNode, Tag: "!!null", Pos: Pos{File: file, Line: 1, Col: 1}}, ds
		}
		root = root.Content[0]
	}
	c := &converter{file: file}
	c.budget = aliasBudgetBase + aliasBudgetFactor*countNodes(root, 0)
	n, err := c.convert(root, 0)
	ds = append(ds, c.ds...)
	if err != nil {
		return nil, ds
	}
	return n, ds
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems are the problems the YAML parser (as opposed to its
// scanner) reports; their line numbers come out 0-based.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// yamlErrorDiagnostic turns a YAML library error into a positioned diagnostic.
func yamlErrorDiagnostic(file string, data []byte, err error) Diagnostic {
	msg := err.Error()
	d := Diagnostic{Pos: Pos{File: file, Line: 1, Col: 1}}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		msg = m[2]
		if line, err := strconv.Atoi(m[1]); err == nil && line > 0 {
			d.Pos.Line = line
		}
		for _, p := range yamlParserProblems {
			if msg == p {
				d.Pos.Line++
				break
			}
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; d.Pos.Line > lines {
			d.Pos.Line = lines
		}
	} else {
		if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
			if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
				d.Pos = offsetPos(file, data, i)
			}
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	d.Message = "invalid YAML: " + msg
	return d
}

// offsetPos converts a byte offset in data to a position.
func offsetPos(file string, data []byte, off int) Pos {
	line := bytes.Count(data[:off], []byte("\n")) + 1
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return Pos{File: file, Line: line, Col: col}
}

// countNodes counts the nodes written in the file (aliases count once).
func countNodes(n *yaml.Node, depth int) int {
	if n == nil || depth > 100000 {
		return 0
	}
	c := 1
	for _, ch := range n.Content {
		c += countNodes(ch, depth+1)
	}
	return c
}

// converter turns a yaml.Node tree into a Node tree.
type converter struct {
	file     string
	ds       Diagnostics
	budget   int                 // remaining nodes that aliases may still produce
	inAlias  int                 // >0 while expanding an alias
	visiting map[*yaml.Node]bool // anchors being expanded, to detect self-reference
}

func (c *converter) pos(n *yaml.Node) Pos {
	return Pos{File: c.file, Line: n.Line, Col: n.Column}
}

func (c *converter) errorf(p Pos, format string, args ...any) {
	c.ds = append(c.ds, Diagnostic{Pos: p, Message: fmt.Sprintf(format, args...)})
}

// convert converts n; it returns errAliasBudget when the alias budget is
// exhausted (the diagnostic has then been recorded).
func (c *converter) convert(n *yaml.Node, depth int) (*Node, error) {
	if c.inAlias > 0 {
		c.budget--
		if c.budget < 0 {
			return nil, errAliasBudget
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return c.alias(n, depth)
	case yaml.ScalarNode:
		return c.scalar(n), nil
	case yaml.SequenceNode:
		out := &Node{Kind: SeqNode, Pos: c.pos(n), Items: make([]*Node, 0, len(n.Content))}
		for _, ch := range n.Content {
			item, err := c.convert(ch, depth+1)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, item)
		}
		c.checkTag(n, "!!seq")
		return out, nil
	case yaml.MappingNode:
		c.checkTag(n, "!!map")
		return c.mapping(n, depth)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &Node{Kind: ScalarNode, Tag: "!!null", Pos: c.pos(n)}, nil
		}
		return c.convert(n.Content[0], depth+1)
	}
	c.errorf(c.pos(n), "unsupported YAML node")
	return &Node{Kind: ScalarNode, Tag: "!!null", Pos: c.pos(n)}, nil
}

func (c *converter) alias(n *yaml.Node, depth int) (*Node, error) {
	target := n.Alias
	if target == nil {
		c.errorf(c.pos(n), "unknown anchor %q", n.Value)
		return &Node{Kind: ScalarNode, Tag: "!!null", Pos: c.pos(n)}, nil
	}
	if c.visiting == nil {
		c.visiting = make(map[*yaml.Node]bool)
	}
	if c.visiting[target] {
		c.errorf(c.pos(n), "anchor %q refers to itself", n.Value)
		return &Node{Kind: ScalarNode, Tag: "!!null", Pos: c.pos(n)}, nil
	}
	c.visiting[target] = true
	c.inAlias++
	out, err := c.convert(target, depth+1)
	c.inAlias--
	delete(c.visiting, target)
	if err != nil {
		if c.inAlias == 0 {
			c.errorf(c.pos(n), "alias *%s expands to too many nodes (more than %d in total); is this an alias bomb?",
				n.Value, aliasBudgetBase)
		}
		return nil, err
	}
	// The copy takes the alias's position at its root, so problems with
	// the value point to where it is used.
	out.Pos = c.pos(n)
	return out, nil
}

func (c *converter) checkTag(n *yaml.Node, want string) {
	if n.Tag == "" || n.Tag == "!" || n.Tag == want || n.Tag == "tag:yaml.org,2002:"+want[2:] {
		return
	}
	c.errorf(c.pos(n), "unsupported YAML tag %q", n.Tag)
}

func (c *converter) scalar(n *yaml.Node) *Node {
	out := &Node{Kind: ScalarNode, Pos: c.pos(n), Value: n.Value}
	tag := n.ShortTag()
	switch tag {
	case "!!str", "!!int", "!!float", "!!bool", "!!null":
		out.Tag = tag
	case "!!timestamp", "!!binary":
		out.Tag = "!!str"
	default:
		c.errorf(out.Pos, "unsupported YAML tag %q", n.Tag)
		out.Tag = "!!str"
	}
	return out
}

func (c *converter) mapping(n *yaml.Node, depth int) (*Node, error) {
	out := &Node{Kind: MapNode, Pos: c.pos(n), Entries: make([]Entry, 0, len(n.Content)/2)}
	seen := make(map[string]Pos, len(n.Content)/2)
	var merges []*Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			m, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			merges = append(merges, m)
			continue
		}
		key, keyPos, ok := c.key(k)
		val, err := c.convert(v, depth+1)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if first, dup := seen[key]; dup {
			c.errorf(keyPos, "duplicate key %q (first defined at line %d)", key, first.Line)
			continue
		}
		seen[key] = keyPos
		out.Entries = append(out.Entries, Entry{Key: key, KeyPos: keyPos, Value: val})
	}
	// Merged entries never override keys written explicitly; among merged
	// maps, the first one listed wins.
	for _, m := range merges {
		var srcs []*Node
		switch {
		case m.Kind == MapNode:
			srcs = []*Node{m}
		case m.Kind == SeqNode:
			srcs = m.Items
		}
		if srcs == nil {
			c.errorf(m.Pos, "merge key \"<<\" needs a map or a list of maps")
			continue
		}
		for _, s := range srcs {
			if s.Kind != MapNode {
				c.errorf(s.Pos, "merge key \"<<\" needs a map or a list of maps")
				continue
			}
			for _, e := range s.Entries {
				if _, dup := seen[e.Key]; dup {
					continue
				}
				seen[e.Key] = e.KeyPos
				out.Entries = append(out.Entries, e)
			}
		}
	}
	return out, nil
}

// key returns the text of a map key; keys must be scalars.
func (c *converter) key(k *yaml.Node) (string, Pos, bool) {
	p := c.pos(k)
	switch k.Kind {
	case yaml.ScalarNode:
		return k.Value, p, true
	case yaml.AliasNode:
		if k.Alias != nil && k.Alias.Kind == yaml.ScalarNode {
			return k.Alias.Value, p, true
		}
	}
	c.errorf(p, "map keys must be plain values, not lists or maps")
	return "", p, false
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Entries != nil {
		c.Entries = make([]Entry, len(n.Entries))
		for i, e := range n.Entries {
			c.Entries[i] = Entry{Key: e.Key, KeyPos: e.KeyPos, Value: e.Value.Clone()}
		}
	}
	if n.Items != nil {
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = it.Clone()
		}
	}
	return &c
}

// Set sets key in a MapNode to v, replacing an existing entry in place or
// appending a new one at keyPos. It does nothing on other kinds.
func (n *Node) Set(key string, keyPos Pos, v *Node) {
	if n == nil || n.Kind != MapNode {
		return
	}
	for i := range n.Entries {
		if n.Entries[i].Key == key {
			n.Entries[i].Value = v
			return
		}
	}
	n.Entries = append(n.Entries, Entry{Key: key, KeyPos: keyPos, Value: v})
}

// setPos sets the position of n and all its descendants to p.
func setPos(n *Node, p Pos) {
	if n == nil {
		return
	}
	n.Pos = p
	for i := range n.Entries {
		n.Entries[i].KeyPos = p
		setPos(n.Entries[i].Value, p)
	}
	for _, it := range n.Items {
		setPos(it, p)
	}
}

// setting is one parsed "key=value" override.
type setting struct {
	raw   string
	path  []string
	value *Node
	pos   Pos
}

// parseSet parses the i-th "key=value" string. Values are parsed as YAML
// scalars or flow collections; anything else (such as "a: b") is a string,
// and an empty value is the empty string.
func parseSet(i int, s string) (setting, *Diagnostic) {
	p := Pos{File: "--set", Line: 1, Col: i + 1}
	st := setting{raw: s, pos: p}
	key, val, ok := strings.Cut(s, "=")
	if !ok {
		return st, &Diagnostic{Pos: p, Message: fmt.Sprintf("--set %q: expected key=value", s)}
	}
	key = strings.TrimSpace(key)
	st.path = strings.Split(key, ".")
	for _, seg := range st.path {
		if seg == "" {
			return st, &Diagnostic{Pos: p, Message: fmt.Sprintf("--set %q: empty key segment in %q", s, key)}
		}
	}
	st.path = append([]string(nil), st.path...)
	if strings.TrimSpace(val) == "" {
		st.value = &Node{Kind: ScalarNode, Tag: "!!str", Value: val}
	} else {
		n, ds := ParseNode("--set", []byte(val))
		trimmed := strings.TrimSpace(val)
		flow := strings.HasPrefix(trimmed, "[") || strings.HasPrefix(trimmed, "{")
		switch {
		case len(ds) > 0 && flow:
			return st, &Diagnostic{Pos: p, Path: key, Message: fmt.Sprintf("--set %q: %s", s, ds[0].Message)}
		case len(ds) > 0 || n == nil || (n.Kind != ScalarNode && !flow):
			st.value = &Node{Kind: ScalarNode, Tag: "!!str", Value: val}
		default:
			st.value = n
		}
	}
	setPos(st.value, p)
	return st, nil
}

// NodeFromSets builds a MapNode from "key=value" strings, as given to
// `runner run KIND --set k=v`. Each value is parsed as a YAML scalar or flow
// value; dotted keys make nested maps; a later setting of the same key wins.
// Every node gets the position {File: "--set", Line: 1, Col: index+1}.
func NodeFromSets(sets []string) (*Node, Diagnostics) {
	root := &Node{Kind: MapNode, Pos: Pos{File: "--set", Line: 1, Col: 1}}
	var ds Diagnostics
	for i, s := range sets {
		st, d := parseSet(i, s)
		if d != nil {
			ds = append(ds, *d)
			continue
		}
		setPath(root, st.path, st.value, st.pos)
	}
	ds.Sort()
	return root, ds
}

// setPath sets the value at a dotted path below the MapNode m, creating (or
// replacing non-map values by) nested maps as needed.
func setPath(m *Node, path []string, v *Node, p Pos) {
	for _, seg := range path[:len(path)-1] {
		next := m.Get(seg)
		if next == nil || next.Kind != MapNode {
			next = &Node{Kind: MapNode, Pos: p}
			m.Set(seg, p, next)
		}
		m = next
	}
	m.Set(path[len(path)-1], p, v)
}
