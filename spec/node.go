package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a pipeline file; Line and Col are 1-based.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String formats the position as file:line:col.
func (p Pos) String() string {
	if p.Line == 0 {
		if p.File == "" {
			return "-"
		}
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// NodeKind is the shape of a Node.
type NodeKind int

const (
	// ScalarNode holds a single value in Value, with its resolved YAML Tag.
	ScalarNode NodeKind = iota
	// MapNode holds key/value pairs in Entries, in file order.
	MapNode
	// SeqNode holds Items, in file order.
	SeqNode
)

// Node is a positioned YAML value, independent of the YAML library, so that
// packages other than spec can decode and report on user input.
type Node struct {
	Kind    NodeKind
	Pos     Pos
	Tag     string // for scalars: "!!str", "!!int", "!!float", "!!bool" or "!!null"
	Value   string // for scalars: the scalar text after alias resolution
	Entries []Entry
	Items   []*Node
	// Origin is set on a scalar that was exactly one ${axis} reference: it
	// says where the matrix value that replaced it is written, so a problem
	// with the value can be reported there too.
	Origin *Origin
}

// Origin is where a substituted matrix value is written in the file.
type Origin struct {
	Pos  Pos
	Path string // such as matrix.system[1]
}

// Entry is one key/value pair of a MapNode.
type Entry struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Get returns the value under key in a MapNode, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != MapNode {
		return nil
	}
	for _, e := range n.Entries {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// Diagnostic is one problem with a pipeline file or parameter set.
type Diagnostic struct {
	Pos     Pos    `json:"pos"`
	Path    string `json:"path,omitempty"` // dotted path such as stages.fit.params.ridge
	Message string `json:"message"`
}

// String renders "file:line:col: path: message".
func (d Diagnostic) String() string {
	if d.Path == "" {
		return d.Pos.String() + ": " + d.Message
	}
	return d.Pos.String() + ": " + d.Path + ": " + d.Message
}

// Diagnostics is a list of problems; it is an error when non-empty.
type Diagnostics []Diagnostic

// Error renders every diagnostic on its own line, sorted.
func (ds Diagnostics) Error() string {
	c := append(Diagnostics(nil), ds...)
	c.Sort()
	lines := make([]string, len(c))
	for i, d := range c {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by file, line, column, then message.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.String() < b.String()
	})
}

// Err returns ds as an error, or nil when there are none.
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	return ds
}
