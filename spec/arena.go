package spec

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
