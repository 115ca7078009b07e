package runner

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/internal/suggest"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

// KeyFormat versions the cache-key encoding; changing it invalidates every entry.
const KeyFormat = "runner-key-v1"

// Plan is a pipeline bound to the registry: every stage instance built, its
// ports checked against its producers, its seed and cache key computed.
type Plan struct {
	Pipeline *spec.Pipeline
	Nodes    []*Node // topological order
	byID     map[string]*Node
}

// Node is one stage instance of a plan.
type Node struct {
	Inst    *spec.Instance
	Kind    stages.Kind
	Params  stages.Params
	Stage   stages.Stage
	In, Out []stages.Port
	Cell    stages.Cell
	Seed    uint64
	Key     artifacts.Key
	// Deps are the distinct upstream nodes, in plan order.
	Deps []*Node
	// Volatile nodes never hit the cache.
	Volatile bool
	// Index is the node's position in Plan.Nodes.
	Index int
	// Missing lists, during Apply, the upstream instances that failed or
	// were skipped and feed this node only through Partial ports; rekeyed
	// tells that Key was recomputed because of them (see partial.go).
	Missing []string
	rekeyed bool
	// srcs are the producer nodes of Inst.Inputs[i].Sources, resolved once
	// by bindInputs (nil where a producer is unknown).
	srcs [][]*Node
}

// ID returns the instance id, such as "fit[Lorenz,nvar]".
func (n *Node) ID() string { return n.Inst.ID }

// Node returns the node with the given instance id.
func (p *Plan) Node(id string) *Node { return p.byID[id] }

// Load reads a pipeline file and expands it with the registry's kinds and
// named selections.
func Load(path string, sets []string, reg *stages.Registry) (*spec.Pipeline, spec.Diagnostics) {
	return spec.Load(path, SpecOptions(sets, reg))
}

// SpecOptions returns the spec options that bind a file to reg.
func SpecOptions(sets []string, reg *stages.Registry) spec.Options {
	// Kinds are checked by NewPlan, together with params and ports, so that
	// one run reports every problem of a structurally sound file.
	return spec.Options{Sets: sets, Resolve: reg.Resolve}
}

// DeriveSeed derives an instance's seed from the root seed, the stage id and
// its matrix cell, so seeds never depend on execution order.
func DeriveSeed(root uint64, stage string, cell stages.Cell) uint64 {
	// One buffer hashed at once: the same bytes as writing them piecewise,
	// without an allocation per write (a million cells are planned).
	var stack [128]byte
	b := binary.LittleEndian.AppendUint64(stack[:0], root)
	b = append(b, stage...)
	for _, av := range cell {
		b = append(b, 0)
		b = append(b, av.Axis...)
		b = append(b, '=')
		b = append(b, av.Value...)
	}
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

// NewPlan binds an expanded pipeline to reg. All problems are reported at
// once, positioned in the pipeline file.
func NewPlan(p *spec.Pipeline, reg *stages.Registry) (*Plan, spec.Diagnostics) {
	plan := &Plan{Pipeline: p}
	var diags spec.Diagnostics
	// shaped marks nodes that were not built but whose ports are known
	// (learnPorts), so the ports wired to them are still checked.
	shaped := map[string]bool{}
	// Matrix cells often share params (no ${axis} in them): decode each
	// distinct (kind, params) once. Diagnostics are per file position, so a
	// failed decode is not shared.
	decoded := map[string]stages.Params{}
	// Ports depend on params only (the Stage contract), so cells with equal
	// params share one Ports() result: the schemas are built once, and the
	// input checks below compare each pair of schemas once.
	ports := map[string][2][]stages.Port{}
	// A typo in a matrix stage breaks every cell alike: learn the ports of
	// equal broken params once.
	type learnedPorts struct {
		in, out []stages.Port
		ok      bool
	}
	learnedBy := map[string]learnedPorts{}
	learned := func(memo string, k stages.Kind, partial stages.Params, env stages.Env) ([]stages.Port, []stages.Port, bool) {
		lp, seen := learnedBy[memo]
		if !seen {
			lp.in, lp.out, lp.ok = learnPorts(k, partial, env)
			learnedBy[memo] = lp
		}
		return lp.in, lp.out, lp.ok
	}
	dir := pipelineDir(p.File)
	digests := newFileDigests(dir)
	// Cells of a stage without ${axis} share one params node (spec): its
	// fingerprint is computed once.
	var lastParams *spec.Node
	var lastFP string
	nodes := make([]Node, len(p.Instances))
	plan.Nodes = make([]*Node, 0, len(p.Instances))
	// The id index is needed from binding on: it is built on another core
	// while the nodes are (a third of a second at a million cells).
	byID := make(chan map[string]*Node, 1)
	go func() {
		m := make(map[string]*Node, len(p.Instances))
		for i, inst := range p.Instances {
			m[inst.ID] = &nodes[i]
		}
		byID <- m
	}()
	for i, inst := range p.Instances {
		n := &nodes[i]
		*n = Node{Inst: inst, Cell: inst.Cell, Index: i}
		plan.Nodes = append(plan.Nodes, n)
		k, ok := reg.Lookup(inst.Kind)
		if !ok {
			diags = append(diags, spec.Diagnostic{Pos: inst.KindPos, Path: "stages." + inst.Stage + ".kind", Message: fmt.Sprintf("unknown stage kind %q%s", inst.Kind, didYouMeanOrList(inst.Kind, reg.Names()))})
			continue
		}
		n.Kind = k
		if inst.Params != lastParams || lastParams == nil {
			lastParams, lastFP = inst.Params, k.Name()+"\x00"+nodeFingerprint(inst.Params)
		}
		memo := lastFP
		params, ok := decoded[memo]
		var ds spec.Diagnostics
		if !ok {
			params, ds = k.Decode(inst.Params, "stages."+inst.Stage+".params")
			if len(ds) == 0 {
				decoded[memo] = params
			}
		}
		n.Seed = DeriveSeed(p.Seed, inst.Stage, n.Cell)
		env := stages.Env{ID: inst.ID, Cell: n.Cell, Seed: n.Seed, Dir: dir}
		if len(ds) > 0 {
			diags = append(diags, ds...)
			diags = append(diags, atOrigins(inst.Params, ds)...)
			n.In, n.Out, shaped[inst.ID] = learned(memo, k, params, env)
			continue
		}
		n.Params = params
		st, err := k.Build(params, env)
		if err != nil {
			diags = append(diags, spec.Diagnostic{Pos: inst.Pos, Path: "stages." + inst.Stage, Message: cellPrefix(n) + err.Error()})
			n.In, n.Out, shaped[inst.ID] = learned(memo, k, params, env)
			continue
		}
		if fp, ok := st.(stages.Fingerprinter); ok {
			// Files the stage depends on (scripts) enter its key and its
			// recorded params.
			canon, sums, err := digests.withFileDigests(params.Canonical, fp.FingerprintFiles())
			if err != nil {
				diags = append(diags, spec.Diagnostic{Pos: paramPos(inst.Params, "files", inst.Pos), Path: "stages." + inst.Stage + ".params.files", Message: cellPrefix(n) + err.Error()})
				n.In, n.Out = st.Ports()
				shaped[inst.ID] = true
				continue
			}
			n.Params.Canonical = canon
			if u, ok := st.(stages.FileDigestsUser); ok {
				u.UseFileDigests(sums)
			}
		}
		n.Stage = st
		if pp, ok := ports[memo]; ok {
			n.In, n.Out = pp[0], pp[1]
		} else {
			n.In, n.Out = st.Ports()
			ports[memo] = [2][]stages.Port{n.In, n.Out}
		}
		if v, ok := st.(stages.Volatile); ok && v.Volatile() {
			n.Volatile = true
		}
	}
	plan.byID = <-byID
	// A node that could not be built (unknown kind, bad params) still has
	// its inputs checked against its producers, so one run reports all.
	b := &binder{shaped: shaped, mismatch: map[[2]*arrow.Schema]string{}, seen: make([]int32, len(plan.Nodes))}
	for _, n := range plan.Nodes {
		diags = append(diags, plan.bindInputs(n, b)...)
	}
	diags = append(diags, checkPublish(plan)...)
	dedupe(&diags)
	diags.Sort()
	if len(diags) > 0 {
		return nil, diags
	}
	plan.computeKeys()
	return plan, nil
}

// learnPorts builds a stage that cannot run, from the params that did decode,
// else from its kind's defaults or examples, only to learn its ports. Stages built from
// bad params may fail in any way, so a panic counts as "not known".
func learnPorts(k stages.Kind, partial stages.Params, env stages.Env) (in, out []stages.Port, ok bool) {
	try := func(p stages.Params) (in, out []stages.Port, ok bool) {
		defer func() {
			if recover() != nil {
				in, out, ok = nil, nil, false
			}
		}()
		if p.Value == nil {
			return nil, nil, false
		}
		st, err := k.Build(p, env)
		if err != nil {
			return nil, nil, false
		}
		in, out = st.Ports()
		return in, out, true
	}
	if in, out, ok := try(partial); ok {
		return in, out, true
	}
	if defaults, ds := k.Decode(nil, "params"); len(ds) == 0 {
		if in, out, ok := try(defaults); ok {
			return in, out, true
		}
	}
	// Kinds with required params: every kind documents working examples.
	for _, e := range k.Examples() {
		if st, err := stages.BuildExample(k, e); err == nil {
			in, out := st.Ports()
			return in, out, true
		}
	}
	return nil, nil, false
}

// atOrigins repeats each diagnostic that sits on a substituted ${axis} value
// at the matrix value itself: the typo is there, not in the stage.
func atOrigins(params *spec.Node, ds spec.Diagnostics) spec.Diagnostics {
	origins := map[spec.Pos]*spec.Origin{}
	var walk func(n *spec.Node)
	walk = func(n *spec.Node) {
		if n == nil {
			return
		}
		if n.Origin != nil {
			origins[n.Pos] = n.Origin
		}
		for _, e := range n.Entries {
			walk(e.Value)
		}
		for _, it := range n.Items {
			walk(it)
		}
	}
	walk(params)
	var out spec.Diagnostics
	for _, d := range ds {
		if o := origins[d.Pos]; o != nil {
			out = append(out, spec.Diagnostic{Pos: o.Pos, Path: o.Path, Message: d.Message + " (used by " + d.Path + ")"})
		}
	}
	return out
}

// nodeFingerprint renders a params node's content (not its positions), so
// that equal params map to equal strings.
func nodeFingerprint(n *spec.Node) string {
	var b strings.Builder
	var walk func(n *spec.Node)
	walk = func(n *spec.Node) {
		if n == nil {
			b.WriteString("~")
			return
		}
		switch n.Kind {
		case spec.MapNode:
			b.WriteByte('{')
			for _, e := range n.Entries {
				b.WriteString(strconv.Quote(e.Key))
				b.WriteByte(':')
				walk(e.Value)
				b.WriteByte(',')
			}
			b.WriteByte('}')
		case spec.SeqNode:
			b.WriteByte('[')
			for _, it := range n.Items {
				walk(it)
				b.WriteByte(',')
			}
			b.WriteByte(']')
		default:
			b.WriteString(n.Tag)
			b.WriteString(strconv.Quote(n.Value))
		}
	}
	walk(n)
	return b.String()
}

func cellPrefix(n *Node) string {
	if len(n.Cell) == 0 {
		return ""
	}
	return "cell " + n.Cell.String() + ": "
}

// dedupe drops identical diagnostics (a bad input line repeats once per cell).
func dedupe(ds *spec.Diagnostics) {
	seen := map[string]bool{}
	out := (*ds)[:0]
	for _, d := range *ds {
		s := d.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, d)
		}
	}
	*ds = out
}

// binder is the state bindInputs shares across the nodes of a plan.
type binder struct {
	shaped   map[string]bool
	mismatch map[[2]*arrow.Schema]string
	// seen[i] == n.Index+1 marks node i as a dependency of n already: no
	// per-node map, even for a fan-in of a million cells.
	seen []int32
}

// bindInputs checks a node's inputs against its ports and its producers'.
// For a node that was not built, its own ports are checked when they could
// be learned (learnPorts), and its producers' output ports always.
func (p *Plan) bindInputs(n *Node, b *binder) spec.Diagnostics {
	built := n.Stage != nil
	// A node with learned ports has its port names checked, not schemas:
	// those may depend on the params that failed.
	portsKnown := built || b.shaped[n.Inst.ID]
	var diags spec.Diagnostics
	path := "stages." + n.Inst.Stage + ".inputs"
	// Ports are few: slices, not maps.
	inPort := func(name string) (stages.Port, bool) {
		for _, port := range n.In {
			if port.Name == name {
				return port, true
			}
		}
		return stages.Port{}, false
	}
	connected := make([]bool, len(n.In))
	if len(n.Inst.Inputs) > 0 {
		n.srcs = make([][]*Node, len(n.Inst.Inputs))
	}
	mark := int32(n.Index + 1)
	for ii, in := range n.Inst.Inputs {
		port, ok := inPort(in.Port)
		if portsKnown && !ok {
			names := make([]string, len(n.In))
			for i, port := range n.In {
				names[i] = port.Name
			}
			diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
				Message: fmt.Sprintf("stage kind %s has no input port %q%s", n.Kind.Name(), in.Port, didYouMeanOrList(in.Port, names))})
			continue
		}
		for i := range n.In {
			if n.In[i].Name == in.Port {
				connected[i] = true
			}
		}
		if portsKnown && !port.Many && (in.FanIn || len(in.Sources) != 1) {
			diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
				Message: fmt.Sprintf("input port %q takes one table but the selector matches %d cells", in.Port, len(in.Sources))})
		}
		srcs := make([]*Node, len(in.Sources))
		n.srcs[ii] = srcs
		// The cells of a fan-in mostly share one producer kind and port:
		// the last lookup is remembered.
		var lastOut []stages.Port
		var lastName string
		var lastPort *stages.Port
		var lastMsg string
		lastChecked := false
		for si, src := range in.Sources {
			up := p.byID[src.Instance]
			srcs[si] = up
			if up == nil || (up.Stage == nil && !b.shaped[src.Instance]) {
				continue
			}
			if up.Stage != nil && b.seen[up.Index] != mark {
				b.seen[up.Index] = mark
				n.Deps = append(n.Deps, up)
			}
			var outPort *stages.Port
			if len(up.Out) > 0 && len(lastOut) == len(up.Out) && &lastOut[0] == &up.Out[0] && lastName == src.Port {
				outPort = lastPort
			} else {
				lastChecked = false
				for i := range up.Out {
					if up.Out[i].Name == src.Port {
						outPort = &up.Out[i]
					}
				}
				lastOut, lastName, lastPort = up.Out, src.Port, outPort
			}
			if outPort == nil {
				outNames := make([]string, len(up.Out))
				for i := range up.Out {
					outNames[i] = up.Out[i].Name
				}
				diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
					Message: fmt.Sprintf("stage %s (kind %s) has no output port %q%s", src.Stage, up.Kind.Name(), src.Port, didYouMeanOrList(src.Port, outNames))})
				continue
			}
			if !built || up.Stage == nil {
				continue
			}
			msg := lastMsg
			if !lastChecked {
				pair := [2]*arrow.Schema{outPort.Schema, port.Schema}
				var seen bool
				msg, seen = b.mismatch[pair]
				if !seen {
					msg = schemaMismatch(outPort.Schema, port.Schema)
					b.mismatch[pair] = msg
				}
				lastMsg, lastChecked = msg, true
			}
			if msg != "" {
				diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
					Message: fmt.Sprintf("schema mismatch: %s.%s produces %s but %s.%s expects %s: %s",
						src.Stage, src.Port, schemaString(outPort.Schema), n.Inst.Stage, in.Port, schemaString(port.Schema), msg)})
			}
		}
	}
	for i, port := range n.In {
		if !port.Optional && !connected[i] {
			diags = append(diags, spec.Diagnostic{Pos: n.Inst.Pos, Path: path,
				Message: fmt.Sprintf("required input port %q of kind %s is not connected", port.Name, n.Kind.Name())})
		}
	}
	less := func(a, b *Node) int { return a.Index - b.Index }
	if !slices.IsSortedFunc(n.Deps, less) {
		slices.SortFunc(n.Deps, less)
	}
	return diags
}

// didYouMeanOrList names the closest option (internal/suggest), or lists
// the options when there are few and none is close.
func didYouMeanOrList(name string, options []string) string {
	if s := suggest.DidYouMean(name, options); s != "" {
		return s
	}
	if len(options) > 0 && len(options) <= 12 {
		return fmt.Sprintf(" (one of: %s)", strings.Join(options, ", "))
	}
	return ""
}

// schemaMismatch explains why a producer's schema does not satisfy a
// consumer's, or returns "". Nil on either side means "any table".
func schemaMismatch(produced, wanted *arrow.Schema) string {
	if produced == nil || wanted == nil {
		return ""
	}
	var problems []string
	for _, f := range wanted.Fields() {
		idx := produced.FieldIndices(f.Name)
		if len(idx) == 0 {
			problems = append(problems, fmt.Sprintf("column %q missing", f.Name))
			continue
		}
		if got := produced.Field(idx[0]).Type; !arrow.TypeEqual(got, f.Type) {
			problems = append(problems, fmt.Sprintf("column %q is %s, want %s", f.Name, got, f.Type))
		}
	}
	return strings.Join(problems, "; ")
}

func schemaString(s *arrow.Schema) string {
	if s == nil {
		return "any table"
	}
	parts := make([]string, len(s.Fields()))
	for i, f := range s.Fields() {
		parts[i] = f.Name + ":" + f.Type.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// computeKey hashes everything a node's outputs depend on. Upstream keys
// are already computed (topological order), so a key is known before
// anything runs (Merkle chaining).
func (p *Plan) computeKey(n *Node) artifacts.Key {
	return newKeyWriter().key(n)
}

// computeKeys sets every node's key. The nodes are cut into waves of
// consecutive nodes none of which feeds another of its wave (the cells of a
// matrix stage, say), and each wave's keys are hashed on every core: a
// million-cell plan hashes a million keys.
func (p *Plan) computeKeys() {
	var writers sync.Pool // *keyWriter: one buffer per range, not per key
	nodes := p.Nodes
	for start := 0; start < len(nodes); {
		end := start + 1
		for end < len(nodes) && !slices.ContainsFunc(nodes[end].Deps, func(d *Node) bool { return d.Index >= start }) {
			end++
		}
		wave := nodes[start:end]
		parallelRanges(len(wave), runtime.GOMAXPROCS(0), func(lo, hi int) {
			kw, _ := writers.Get().(*keyWriter)
			if kw == nil {
				kw = newKeyWriter()
			}
			for _, n := range wave[lo:hi] {
				n.Key = kw.key(n)
			}
			writers.Put(kw)
		})
		start = end
	}
}

// key hashes n's key (computeKey) with kw's hash and buffer.
func (kw *keyWriter) key(n *Node) artifacts.Key {
	kw.h.Reset()
	kw.buf = kw.buf[:0]
	kw.str(KeyFormat)
	kw.str(n.Kind.Name())
	kw.str(strconv.Itoa(n.Kind.Version()))
	kw.buf = append(kw.buf, n.Params.Canonical...)
	kw.buf = append(kw.buf, 0)
	kw.buf = strconv.AppendUint(kw.buf, n.Seed, 10)
	kw.buf = append(kw.buf, 0)
	for ii, in := range n.Inst.Inputs {
		kw.str("in")
		kw.str(in.Port)
		for si, src := range in.Sources {
			up := n.srcs[ii][si]
			kw.str(src.Instance)
			kw.str(src.Port)
			kw.str(string(up.Key))
			kw.flush(false)
		}
	}
	if n.Volatile {
		// A volatile stage's outputs differ on every run, so its key (and its
		// dependents') must too.
		kw.str("volatile")
		kw.str(volatileNonce)
	}
	kw.flush(true)
	var sum [sha256.Size]byte
	return artifacts.Key(hex.EncodeToString(kw.h.Sum(sum[:0])))
}

// keyWriter feeds a hash through a buffer: each part followed by a zero
// byte, the same bytes as writing them one by one, in few Write calls. One
// is reused for many keys, so the buffer is allocated once.
type keyWriter struct {
	h   hash.Hash
	buf []byte
}

func newKeyWriter() *keyWriter {
	return &keyWriter{h: sha256.New(), buf: make([]byte, 0, 40<<10)}
}

func (w *keyWriter) str(s string) {
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, 0)
}

// flush writes the buffer out when it is large, or always if all.
func (w *keyWriter) flush(all bool) {
	if all || len(w.buf) >= 32<<10 {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

// volatileNonce makes the keys of volatile stages unique to this process.
var volatileNonce = func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()
