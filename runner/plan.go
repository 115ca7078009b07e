package runner

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

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
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], root)
	h.Write(b[:])
	h.Write([]byte(stage))
	for _, av := range cell {
		h.Write([]byte{0})
		h.Write([]byte(av.Axis))
		h.Write([]byte{'='})
		h.Write([]byte(av.Value))
	}
	return binary.LittleEndian.Uint64(h.Sum(nil))
}

// NewPlan binds an expanded pipeline to reg. All problems are reported at
// once, positioned in the pipeline file.
func NewPlan(p *spec.Pipeline, reg *stages.Registry) (*Plan, spec.Diagnostics) {
	plan := &Plan{Pipeline: p, byID: make(map[string]*Node, len(p.Instances))}
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
	for i, inst := range p.Instances {
		n := &Node{Inst: inst, Cell: inst.Cell, Index: i}
		plan.Nodes = append(plan.Nodes, n)
		plan.byID[inst.ID] = n
		k, ok := reg.Lookup(inst.Kind)
		if !ok {
			diags = append(diags, spec.Diagnostic{Pos: inst.KindPos, Path: "stages." + inst.Stage + ".kind", Message: fmt.Sprintf("unknown stage kind %q%s", inst.Kind, didYouMeanOrList(inst.Kind, reg.Names()))})
			continue
		}
		n.Kind = k
		memo := k.Name() + "\x00" + nodeFingerprint(inst.Params)
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
	// A node that could not be built (unknown kind, bad params) still has
	// its inputs checked against its producers, so one run reports all.
	mismatch := map[[2]*arrow.Schema]string{}
	for _, n := range plan.Nodes {
		diags = append(diags, plan.bindInputs(n, shaped, mismatch)...)
	}
	diags = append(diags, checkPublish(plan)...)
	dedupe(&diags)
	diags.Sort()
	if len(diags) > 0 {
		return nil, diags
	}
	for _, n := range plan.Nodes {
		n.Key = plan.computeKey(n)
	}
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

// bindInputs checks a node's inputs against its ports and its producers'.
// For a node that was not built, its own ports are checked when they could
// be learned (learnPorts), and its producers' output ports always.
func (p *Plan) bindInputs(n *Node, shaped map[string]bool, mismatch map[[2]*arrow.Schema]string) spec.Diagnostics {
	built := n.Stage != nil
	// A node with learned ports has its port names checked, not schemas:
	// those may depend on the params that failed.
	portsKnown := built || shaped[n.Inst.ID]
	var diags spec.Diagnostics
	path := "stages." + n.Inst.Stage + ".inputs"
	inPorts := map[string]stages.Port{}
	var names []string
	for _, port := range n.In {
		inPorts[port.Name] = port
		names = append(names, port.Name)
	}
	connected := map[string]bool{}
	seenDep := map[*Node]bool{}
	for _, in := range n.Inst.Inputs {
		port, ok := inPorts[in.Port]
		if portsKnown && !ok {
			diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
				Message: fmt.Sprintf("stage kind %s has no input port %q%s", n.Kind.Name(), in.Port, didYouMeanOrList(in.Port, names))})
			continue
		}
		connected[in.Port] = true
		if portsKnown && !port.Many && (in.FanIn || len(in.Sources) != 1) {
			diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
				Message: fmt.Sprintf("input port %q takes one table but the selector matches %d cells", in.Port, len(in.Sources))})
		}
		for _, src := range in.Sources {
			up := p.byID[src.Instance]
			if up == nil || (up.Stage == nil && !shaped[src.Instance]) {
				continue
			}
			if up.Stage != nil && !seenDep[up] {
				seenDep[up] = true
				n.Deps = append(n.Deps, up)
			}
			var outPort *stages.Port
			var outNames []string
			for i := range up.Out {
				outNames = append(outNames, up.Out[i].Name)
				if up.Out[i].Name == src.Port {
					outPort = &up.Out[i]
				}
			}
			if outPort == nil {
				diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
					Message: fmt.Sprintf("stage %s (kind %s) has no output port %q%s", src.Stage, up.Kind.Name(), src.Port, didYouMeanOrList(src.Port, outNames))})
				continue
			}
			if !built || up.Stage == nil {
				continue
			}
			pair := [2]*arrow.Schema{outPort.Schema, port.Schema}
			msg, seen := mismatch[pair]
			if !seen {
				msg = schemaMismatch(outPort.Schema, port.Schema)
				mismatch[pair] = msg
			}
			if msg != "" {
				diags = append(diags, spec.Diagnostic{Pos: in.Pos, Path: path + "." + in.Port,
					Message: fmt.Sprintf("schema mismatch: %s.%s produces %s but %s.%s expects %s: %s",
						src.Stage, src.Port, schemaString(outPort.Schema), n.Inst.Stage, in.Port, schemaString(port.Schema), msg)})
			}
		}
	}
	for _, port := range n.In {
		if !port.Optional && !connected[port.Name] {
			diags = append(diags, spec.Diagnostic{Pos: n.Inst.Pos, Path: path,
				Message: fmt.Sprintf("required input port %q of kind %s is not connected", port.Name, n.Kind.Name())})
		}
	}
	sort.Slice(n.Deps, func(i, j int) bool { return n.Deps[i].Index < n.Deps[j].Index })
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
	h := sha256.New()
	w := func(parts ...string) {
		for _, s := range parts {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	w(KeyFormat, n.Kind.Name(), strconv.Itoa(n.Kind.Version()))
	h.Write(n.Params.Canonical)
	h.Write([]byte{0})
	w(strconv.FormatUint(n.Seed, 10))
	for _, in := range n.Inst.Inputs {
		w("in", in.Port)
		for _, src := range in.Sources {
			w(src.Instance, src.Port, string(p.byID[src.Instance].Key))
		}
	}
	if n.Volatile {
		// A volatile stage's outputs differ on every run, so its key (and its
		// dependents') must too.
		w("volatile", volatileNonce)
	}
	return artifacts.Key(hex.EncodeToString(h.Sum(nil)))
}

// volatileNonce makes the keys of volatile stages unique to this process.
var volatileNonce = func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()
