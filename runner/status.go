package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/stages"
)

// Decision says whether a node is served from the cache or must run, and why.
type Decision struct {
	Cached bool
	Reason string // empty for cached nodes
}

// Decide looks every node up in the store (in parallel, cheap checks only)
// and explains each node that must run by comparing its key ingredients with
// the entry this pipeline's instance resolved to last time.
func (p *Plan) Decide(store *artifacts.Store, jobs int) []Decision {
	ix := store.OpenStampIndex(p.Pipeline.Name)
	defer ix.Close()
	return p.decide(store, ix, jobs)
}

// decide is Decide with a stamp index: an entry whose directory still has
// the stamp the index recorded needs no manifest read; others are looked up
// and recorded.
func (p *Plan) decide(store *artifacts.Store, ix *artifacts.StampIndex, jobs int) []Decision {
	out := make([]Decision, len(p.Nodes))
	absent := absentKeys(p, store, ix)
	// Each range of nodes checks with its own cursor: an index saved in plan
	// order has the entries of consecutive nodes side by side.
	parallelRanges(len(p.Nodes), max(jobs, 1)*2, func(lo, hi int) {
		var c artifacts.StampCursor
		for i := lo; i < hi; i++ {
			out[i] = p.decideNode(store, ix, &c, absent, p.Nodes[i])
		}
	})
	return out
}

// decideNode decides one node: cached, or why it must run.
func (p *Plan) decideNode(store *artifacts.Store, ix *artifacts.StampIndex, c *artifacts.StampCursor, absent []bool, n *Node) Decision {
	if n.Volatile {
		return Decision{Reason: "volatile: runs on every apply"}
	}
	if absent != nil && absent[n.Index] {
		return Decision{Reason: p.explain(store, n)}
	}
	if ix.CheckNext(c, n.Key) {
		return Decision{Cached: true}
	}
	_, err := store.Lookup(n.Key)
	if err == nil {
		ix.Record(n.Key)
		return Decision{Cached: true}
	}
	var corrupt *artifacts.CorruptError
	if errors.As(err, &corrupt) {
		return Decision{Reason: "entry corrupt (" + corrupt.Reason + "): recompute"}
	}
	if !errors.Is(err, artifacts.ErrNotFound) {
		return Decision{Reason: "store: " + err.Error()}
	}
	return Decision{Reason: p.explain(store, n)}
}

// absentKeys marks the nodes whose entry directory does not exist, from
// one listing per shard directory, when the plan is large and mostly new
// to the stamp index: the first plan of a big sweep then costs a few
// hundred directory reads instead of two failed system calls per cell.
// Nil means "look every node up".
func absentKeys(p *Plan, store *artifacts.Store, ix *artifacts.StampIndex) []bool {
	if len(p.Nodes) < 4096 || ix.Len() >= len(p.Nodes)/2 {
		return nil
	}
	shards := map[string]map[string]bool{}
	absent := make([]bool, len(p.Nodes))
	for i, n := range p.Nodes {
		dir := store.Dir(n.Key)
		shard, name := filepath.Split(dir)
		names, ok := shards[shard]
		if !ok {
			names = map[string]bool{}
			ents, err := os.ReadDir(shard)
			if err != nil && !os.IsNotExist(err) {
				return nil // cannot tell: look every node up
			}
			for _, e := range ents {
				names[e.Name()] = true
			}
			shards[shard] = names
		}
		absent[i] = !names[name]
	}
	return absent
}

// explain says why a node's key is not in the store.
func (p *Plan) explain(store *artifacts.Store, n *Node) string {
	prev, ok := store.Ref(p.Pipeline.Name, n.ID())
	if !ok {
		return "new"
	}
	if prev == n.Key {
		return "entry missing from the store"
	}
	old, err := store.Lookup(prev)
	if err != nil {
		return fmt.Sprintf("key changed (previous entry %s is no longer in the store)", short(prev))
	}
	var why []string
	if old.Kind != n.Kind.Name() {
		why = append(why, fmt.Sprintf("kind changed: %s -> %s", old.Kind, n.Kind.Name()))
	} else if old.Version != n.Kind.Version() {
		why = append(why, fmt.Sprintf("stage version bumped: %d -> %d", old.Version, n.Kind.Version()))
	}
	why = append(why, paramChanges(old.Params, n.Params.Canonical)...)
	if old.Seed != n.Seed {
		why = append(why, "seed changed")
	}
	why = append(why, p.upstreamChanges(old.Inputs, n)...)
	if len(why) == 0 {
		return fmt.Sprintf("key changed (previous %s)", short(prev))
	}
	return strings.Join(why, "; ")
}

func short(k artifacts.Key) string {
	if len(k) > 12 {
		return string(k[:12])
	}
	return string(k)
}

// paramChanges lists the params whose canonical values differ.
func paramChanges(oldJSON, newJSON []byte) []string {
	var oldM, newM map[string]json.RawMessage
	if json.Unmarshal(oldJSON, &oldM) != nil || json.Unmarshal(newJSON, &newM) != nil {
		return []string{"params changed"}
	}
	keys := map[string]bool{}
	for k := range oldM {
		keys[k] = true
	}
	for k := range newM {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		o, n := string(oldM[k]), string(newM[k])
		if o == n {
			continue
		}
		if k == stages.FileDigestsKey {
			out = append(out, fileChanges(o, n)...)
			continue
		}
		if o == "" {
			o = "(absent)"
		}
		if n == "" {
			n = "(absent)"
		}
		out = append(out, fmt.Sprintf("param %s changed: %s -> %s", k, clip(o), clip(n)))
	}
	return out
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// upstreamChanges names the producers whose keys differ from last time.
func (p *Plan) upstreamChanges(old map[string][]artifacts.Key, n *Node) []string {
	var out []string
	seen := map[string]bool{}
	for _, in := range n.Inst.Inputs {
		had := map[artifacts.Key]bool{}
		for _, k := range old[in.Port] {
			had[k] = true
		}
		changed := 0
		for _, src := range in.Sources {
			if !had[p.byID[src.Instance].Key] && !seen[src.Instance] {
				seen[src.Instance] = true
				changed++
				if changed <= 3 {
					out = append(out, "upstream "+src.Instance+" changed")
				}
			}
		}
		if changed > 3 {
			out = append(out, fmt.Sprintf("and %d more upstream changes on %s", changed-3, in.Port))
		}
		if len(old[in.Port]) != len(in.Sources) && changed == 0 {
			out = append(out, fmt.Sprintf("input %s now has %d tables (was %d)", in.Port, len(in.Sources), len(old[in.Port])))
		}
	}
	return out
}

// parallelFor calls f(i) for i in [0, n) on up to workers goroutines.
func parallelFor(n, workers int, f func(i int)) {
	parallelRanges(n, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f(i)
		}
	})
}

// parallelRanges calls f on consecutive ranges [lo, hi) that cover 0..n-1
// once, on up to workers goroutines.
func parallelRanges(n, workers int, f func(lo, hi int)) {
	const chunk = 64
	if n == 0 {
		return
	}
	if n <= chunk || workers <= 1 {
		f(0, n) // one range: no goroutine
		return
	}
	workers = min(workers, (n+chunk-1)/chunk)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				start := next
				next += chunk
				mu.Unlock()
				if start >= n {
					return
				}
				f(start, min(start+chunk, n))
			}
		}()
	}
	wg.Wait()
}
