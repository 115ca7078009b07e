package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/chaos-runner/runner/artifacts"
)

// Partial inputs. A fan-in port marked stages.Port.Partial (a report, say)
// tolerates failed producers: when an upstream instance that feeds a node
// only through such ports fails or is skipped, the node is not skipped; it
// runs with that instance delivered as a Missing item.
//
// Its outputs then depend on which inputs were missing, so they are stored
// under another key: the plan key extended with the sorted ids of the
// missing instances. A later apply in which the producers succeed computes
// the plan key and never reuses the partial entry; one in which the same
// producers fail again finds the partial entry and reports it cached.
// Dependents of a rekeyed node are rekeyed in turn (their keys chain the
// upstream keys), before they start.
//
// Limit: only the in-process executor knows the missing instances; a batch
// executor's node (runner exec-node) re-plans and does not.

// partialEdge reports whether x feeds m, and only through Partial ports.
func partialEdge(m, x *Node) bool {
	found := false
	for _, inp := range m.Inst.Inputs {
		for _, src := range inp.Sources {
			if src.Instance != x.ID() {
				continue
			}
			found = true
			partial := false
			for _, p := range m.In {
				if p.Name == inp.Port {
					partial = p.Partial
				}
			}
			if !partial {
				return false
			}
		}
	}
	return found
}

// rekey recomputes n's key before it runs when inputs are missing or an
// upstream node was rekeyed. It is called by the scheduler only, before n
// starts and after every upstream node has finished.
func (p *Plan) rekey(n *Node) {
	upstream := false
	for _, d := range n.Deps {
		upstream = upstream || d.rekeyed
	}
	if len(n.Missing) == 0 && !upstream {
		return
	}
	key := p.computeKey(n)
	if len(n.Missing) > 0 {
		slices.Sort(n.Missing)
		h := sha256.New()
		w := func(s string) {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		w(string(key))
		w("missing")
		for _, id := range n.Missing {
			w(id)
		}
		key = artifacts.Key(hex.EncodeToString(h.Sum(nil)))
	}
	n.Key, n.rekeyed = key, true
}

// resetPartial undoes what an earlier Apply of the same plan did to keys.
func (p *Plan) resetPartial() {
	any := false
	for _, n := range p.Nodes {
		any = any || n.rekeyed || len(n.Missing) > 0
	}
	if !any {
		return
	}
	for _, n := range p.Nodes {
		n.Missing, n.rekeyed = nil, false
		if n.Kind != nil {
			n.Key = p.computeKey(n)
		}
	}
}
