package spec

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/chaos-runner/runner/internal/suggest"
)

// DefaultMaxCells is the default limit on the number of stage instances a
// pipeline may expand to (the file's max_instances, or Options.MaxCells).
const DefaultMaxCells = 1000000

// Options configure Parse and Load.
type Options struct {
	// Sets are --set overrides: "seed=7" sets the root seed;
	// "<stage>.<param>=<value>" or "stages.<stage>.params.<param>=<value>"
	// set a stage parameter (dotted parameter paths reach into nested maps).
	Sets []string
	// Resolve resolves a named matrix selection: the axis
	// `system: {catalog: flows}` calls Resolve("catalog", <node "flows">).
	Resolve func(selector string, arg *Node) ([]string, error)
	// MaxCells limits the number of stage instances over all stages when
	// the file sets no max_instances; 0 means DefaultMaxCells.
	MaxCells int
}

// Pipeline is a parsed, validated and expanded pipeline file.
type Pipeline struct {
	File      string
	Version   int
	Name      string
	Seed      uint64
	Axes      []Axis      // matrix axes in file order, values resolved
	Instances []*Instance // stage instances in a deterministic topological order
}

// Axis is one matrix axis with its resolved values.
type Axis struct {
	Name   string
	Values []string
	Pos    Pos
}

// Cell is one point of a stage's matrix, ordered as the stage's foreach
// list. It has two renderings: String, "system=Lorenz,model=nvar", for
// messages, journals and manifests, and Label, "Lorenz,nvar", the part of
// an instance id between the brackets.
type Cell []AxisValue

// AxisValue is the value of one axis in a Cell.
type AxisValue struct {
	Axis  string `json:"axis"`
	Value string `json:"value"`
}

// String renders the cell as "axis=value,axis=value".
func (c Cell) String() string {
	parts := make([]string, len(c))
	for i, av := range c {
		parts[i] = av.Axis + "=" + av.Value
	}
	return strings.Join(parts, ",")
}

// Label renders the cell as "Lorenz,nvar" (values only, in order), as in
// the instance id fit[Lorenz,nvar].
func (c Cell) Label() string {
	vs := make([]string, len(c))
	for i, av := range c {
		vs[i] = av.Value
	}
	return strings.Join(vs, ",")
}

// Map returns the cell as a map from axis to value.
func (c Cell) Map() map[string]string {
	m := make(map[string]string, len(c))
	for _, av := range c {
		m[av.Axis] = av.Value
	}
	return m
}

// Get returns the value of axis in the cell.
func (c Cell) Get(axis string) (string, bool) {
	for _, av := range c {
		if av.Axis == axis {
			return av.Value, true
		}
	}
	return "", false
}

// Instance is one expanded stage: a stage of the file at one matrix cell.
type Instance struct {
	ID      string // "data[Lorenz]", "fit[Lorenz,nvar]", or "leaderboard" without foreach
	Stage   string // the stage id in the file
	Cell    Cell
	Kind    string
	Pos     Pos // position of the stage key
	KindPos Pos
	Params  *Node         // after ${axis} substitution and --set overrides; never nil; read-only, shared by the cells of a stage when it has no ${axis}
	Inputs  []Input       // sorted by Port
	Timeout time.Duration // 0 means none
	Retries int
	// Publish is the folder the file outputs are published to, as written
	// in the file (relative to the pipeline file); "" for none.
	Publish    string
	PublishPos Pos
	// Batch is how many cells of the stage one batch job computes (0: the
	// executor decides). Not part of the cache key.
	Batch int
	// Resources are what a batch job of the stage asks for: the kind's
	// defaults (top-level resources) overridden by the stage's. Not part of
	// the cache key.
	Resources Resources
}

// Input is one input port of an instance with the producers it reads.
type Input struct {
	Port    string
	Pos     Pos      // position of the selector in the file
	Sources []Source // producer instances in the producer's expansion order; shared, read-only
	FanIn   bool     // the selector can match many cells ([*] or a * element)
}

// Source is one producer output feeding an Input.
type Source struct {
	Instance string // producer instance ID
	Stage    string // producer stage id
	Port     string // producer output port
	Cell     Cell   // producer cell; shared, read-only
}

// pipelineFile is the top level of a pipeline file.
type pipelineFile struct {
	Version int    `yaml:"version" doc:"File format version; must be 1."`
	Name    string `yaml:"name" doc:"Pipeline name."`
	Seed    uint64 `yaml:"seed,omitempty" doc:"Root seed; every stage derives its own from (seed, stage id, matrix cell)."`
	// MaxInstances is a guard against a typo multiplying the matrix: the
	// cells are counted before any is built.
	MaxInstances int   `yaml:"max_instances,omitempty" doc:"Most stage instances the matrix may expand to, over all stages (default 1000000); counted before expanding."`
	Matrix       *Node `yaml:"matrix,omitempty" doc:"Matrix axes: lists of values or named selections, plus combination excludes."`
	Resources    *Node `yaml:"resources,omitempty" doc:"Default batch-job resources per stage kind, such as {generate: {mem: 4G}}."`
	Stages       *Node `yaml:"stages" doc:"Stages by id, in file order."`
}

// stageFile is one stage of a pipeline file.
type stageFile struct {
	Kind      string        `yaml:"kind" doc:"Stage kind."`
	Foreach   *Node         `yaml:"foreach,omitempty" doc:"Matrix axes this stage expands over."`
	Inputs    *Node         `yaml:"inputs,omitempty" doc:"Input port -> selector such as data[${system}].train."`
	Params    *Node         `yaml:"params,omitempty" doc:"Parameters of the stage kind."`
	Timeout   time.Duration `yaml:"timeout,omitempty" doc:"Time limit per instance, such as 10m."`
	Retries   int           `yaml:"retries,omitempty" doc:"Extra attempts after a failure."`
	Batch     int           `yaml:"batch,omitempty" doc:"Cells of this stage computed by one batch job (Slurm executor); default from the cells' recorded wall times."`
	Resources *Node         `yaml:"resources,omitempty" doc:"Batch-job resources: partition, account, qos, time, mem, cpus, gpus, extra."`
	Publish   string        `yaml:"publish,omitempty" doc:"Folder, relative to the pipeline file, where runner apply publishes the stage's file outputs (HTML, PNG, SVG, Markdown) after it succeeds; a matrix stage publishes each cell into a sub-folder named by the cell."`
}

var (
	identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	portRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Load reads and parses the pipeline file at path; see Parse.
func Load(path string, opts Options) (*Pipeline, Diagnostics) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{{Pos: Pos{File: path}, Message: fmt.Sprintf("cannot read pipeline file: %v", err)}}
	}
	return Parse(path, data, opts)
}

// Parse parses, validates and expands a pipeline file held in data; file
// names it in diagnostics. When there is any problem, the diagnostics hold
// all problems found, sorted, and the pipeline (when the file could be read
// at all) holds only the instances of sound stages: stages with no problem
// whose producers are all sound, so that a caller binding them to stage
// kinds can report its own problems in the same run without follow-on
// errors. Parse never panics.
func Parse(file string, data []byte, opts Options) (p *Pipeline, ds Diagnostics) {
	b := &builder{file: file, opts: opts}
	defer func() {
		if r := recover(); r != nil {
			p = nil
			ds = append(b.ds, Diagnostic{Pos: Pos{File: file, Line: 1, Col: 1},
				Message: fmt.Sprintf("internal error while reading the pipeline: %v", r)})
			ds.Sort()
		}
	}()
	root, pds := ParseNode(file, data)
	b.ds = append(b.ds, pds...)
	if root != nil {
		b.build(root)
	}
	b.ds.Sort()
	if len(b.ds) > 0 {
		if b.p != nil && b.p.Instances == nil {
			b.p = nil
		}
		return b.p, b.ds
	}
	return b.p, nil
}

// builder holds the state of one Parse.
type builder struct {
	file string
	opts Options
	ds   Diagnostics
	p    *Pipeline
	// maxInstances is the file's max_instances; 0 when unset.
	maxInstances int
	// kindRes are the default resources per stage kind.
	kindRes map[string]Resources

	axes     []*axis
	axisByID map[string]*axis
	excludes []combo

	stages  []*stage
	stageBy map[string]*stage
}

func (b *builder) errorf(p Pos, path, format string, args ...any) {
	b.ds = append(b.ds, Diagnostic{Pos: p, Path: path, Message: fmt.Sprintf(format, args...)})
}

// keyPos returns the position of key in the MapNode m, or m's position.
func keyPos(m *Node, key string) Pos {
	for _, e := range m.Entries {
		if e.Key == key {
			return e.KeyPos
		}
	}
	return m.Pos
}

func (b *builder) build(root *Node) {
	f := pipelineFile{Version: -1}
	b.ds = append(b.ds, Decode(root, "", &f)...)
	if f.Version != -1 && f.Version != 1 {
		b.errorf(root.Get("version").Pos, "version", "unsupported version %d: this runner reads version 1", f.Version)
	}
	if n := root.Get("name"); n != nil && n.Kind == ScalarNode && n.Tag != "!!null" && strings.TrimSpace(f.Name) == "" {
		b.errorf(n.Pos, "name", "name must not be empty")
	}
	b.p = &Pipeline{File: b.file, Version: f.Version, Name: f.Name, Seed: f.Seed}
	if n := root.Get("max_instances"); n != nil && n.Kind == ScalarNode && n.Tag != "!!null" {
		if f.MaxInstances <= 0 {
			b.errorf(n.Pos, "max_instances", "max_instances must be a positive number of stage instances, got %s", n.Value)
		} else {
			b.maxInstances = f.MaxInstances
		}
	}
	b.kindRes = b.kindResources(f.Resources)
	b.matrix(f.Matrix)
	if root.Kind == MapNode && root.Get("stages") != nil {
		b.parseStages(root, f.Stages)
	}
	b.applySets()
	if len(b.stages) == 0 {
		return
	}
	b.checkInputs()
	order, ok := b.order()
	b.expand()
	b.makeInstances()
	if !ok || len(b.ds) > 0 {
		b.instances(b.soundOrder())
		return
	}
	b.instances(order)
}

// parseStages reads the stages map.
func (b *builder) parseStages(root, sn *Node) {
	if sn == nil || isNull(sn) {
		b.errorf(keyPos(root, "stages"), "stages", "stages must not be empty")
		return
	}
	if sn.Kind != MapNode {
		b.errorf(sn.Pos, "stages", "expected a map of stages by id, got %s", describe(sn))
		return
	}
	if len(sn.Entries) == 0 {
		b.errorf(sn.Pos, "stages", "stages must not be empty")
		return
	}
	b.stageBy = make(map[string]*stage, len(sn.Entries))
	for _, e := range sn.Entries {
		st := b.parseStage(e)
		if st != nil {
			st.index = len(b.stages)
			b.stages = append(b.stages, st)
			b.stageBy[st.id] = st
		}
	}
}

func (b *builder) parseStage(e Entry) *stage {
	path := "stages." + e.Key
	if !identRE.MatchString(e.Key) {
		b.errorf(e.KeyPos, "stages", "invalid stage id %q: use lowercase letters, digits and _, starting with a letter", e.Key)
	}
	n := e.Value
	if n.Kind != MapNode {
		b.errorf(n.Pos, path, "expected a map with at least a kind, got %s", describe(n))
		return nil
	}
	var sf stageFile
	b.ds = append(b.ds, Decode(n, path, &sf)...)
	st := &stage{id: e.Key, pos: e.KeyPos, kind: sf.Kind, kindPos: n.Pos, timeout: sf.Timeout, retries: sf.Retries, batch: sf.Batch}
	if kn := n.Get("kind"); kn != nil {
		st.kindPos = kn.Pos
		if kn.Kind == ScalarNode && kn.Tag != "!!null" {
			if strings.TrimSpace(sf.Kind) == "" {
				b.errorf(kn.Pos, path+".kind", "kind must not be empty")
			}
		}
	}
	if sf.Timeout < 0 {
		b.errorf(n.Get("timeout").Pos, path+".timeout", "timeout must not be negative")
	}
	if sf.Retries < 0 {
		b.errorf(n.Get("retries").Pos, path+".retries", "retries must not be negative")
	}
	if pn := n.Get("publish"); pn != nil {
		st.publish, st.publishPos = sf.Publish, pn.Pos
		if strings.TrimSpace(sf.Publish) == "" {
			b.errorf(pn.Pos, path+".publish", "publish must name a folder")
		}
	}
	if sf.Batch < 0 {
		b.errorf(n.Get("batch").Pos, path+".batch", "batch must not be negative")
	}
	st.resources = b.kindRes[sf.Kind].Override(b.decodeResources(sf.Resources, path+".resources"))
	b.parseForeach(st, sf.Foreach, path+".foreach")
	switch {
	case sf.Params == nil || isNull(sf.Params):
		p := e.KeyPos
		if sf.Params != nil {
			p = sf.Params.Pos
		}
		st.params = &Node{Kind: MapNode, Pos: p}
	case sf.Params.Kind != MapNode:
		b.errorf(sf.Params.Pos, path+".params", "expected a map of parameters, got %s", describe(sf.Params))
		st.broken = true
	default:
		st.params = sf.Params.Clone()
	}
	b.parseInputs(st, sf.Inputs, path+".inputs")
	return st
}

func (b *builder) parseForeach(st *stage, n *Node, path string) {
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != SeqNode {
		b.errorf(n.Pos, path, "expected a list of axis names such as [system], got %s", describe(n))
		st.broken, st.foreachBad = true, true
		return
	}
	names := b.axisNames()
	seen := map[string]bool{}
	for i, it := range n.Items {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if it.Kind != ScalarNode || it.Tag == "!!null" {
			b.errorf(it.Pos, ipath, "expected an axis name, got %s", describe(it))
			st.broken, st.foreachBad = true, true
			continue
		}
		a := b.axisByID[it.Value]
		switch {
		case a == nil:
			b.errorf(it.Pos, ipath, "unknown matrix axis %q%s", it.Value, suggest.DidYouMean(it.Value, names))
			st.broken, st.foreachBad = true, true
			continue
		case seen[it.Value]:
			b.errorf(it.Pos, ipath, "axis %q is listed twice", it.Value)
			st.broken = true
			continue
		case !a.ok:
			st.broken = true
		}
		seen[it.Value] = true
		st.foreach = append(st.foreach, a)
	}
}

func (b *builder) axisNames() []string {
	names := make([]string, len(b.axes))
	for i, a := range b.axes {
		names[i] = a.name
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// applySets applies Options.Sets to the seed and to stage parameters.
func (b *builder) applySets() {
	for i, s := range b.opts.Sets {
		st, d := parseSet(i, s)
		if d != nil {
			b.ds = append(b.ds, *d)
			continue
		}
		path := st.path
		if len(path) == 1 && path[0] == "seed" {
			var seed uint64
			ds := Decode(st.value, "seed", &seed)
			for _, d := range ds {
				b.errorf(st.pos, "seed", "--set %q: %s", s, d.Message)
			}
			if len(ds) == 0 && b.p != nil {
				b.p.Seed = seed
			}
			continue
		}
		var id string
		var param []string
		switch {
		case path[0] == "stages":
			if len(path) < 4 || path[2] != "params" {
				b.errorf(st.pos, "", "--set %q: expected stages.<stage>.params.<param>=<value>", s)
				continue
			}
			id, param = path[1], path[3:]
		case len(path) == 1:
			b.errorf(st.pos, "", "--set %q: unknown setting %q; use seed=<n> or <stage>.<param>=<value>", s, path[0])
			continue
		default:
			id, param = path[0], path[1:]
		}
		target := b.stageBy[id]
		if target == nil {
			ids := make([]string, len(b.stages))
			for i, x := range b.stages {
				ids[i] = x.id
			}
			b.errorf(st.pos, "", "--set %q: unknown stage %q%s", s, id, suggest.DidYouMean(id, ids))
			continue
		}
		if target.params == nil || target.params.Kind != MapNode {
			continue // the file's params are already reported
		}
		setPath(target.params, param, st.value.Clone(), st.pos)
	}
}

// order sorts stages topologically (ties: file order). It reports cycles
// and returns false when there is one.
func (b *builder) order() ([]*stage, bool) {
	if cycles := b.cycles(); len(cycles) > 0 {
		for _, c := range cycles {
			names := make([]string, 0, len(c)+1)
			for _, s := range c {
				names = append(names, s.id)
			}
			names = append(names, c[0].id)
			b.errorf(c[0].pos, "stages", "dependency cycle: %s (each stage reads an output of the one before it)",
				strings.Join(names, " -> "))
		}
		return nil, false
	}
	indeg := make([]int, len(b.stages))
	users := make([][]*stage, len(b.stages))
	for _, s := range b.stages {
		for _, d := range s.deps {
			indeg[s.index]++
			users[d.index] = append(users[d.index], s)
		}
	}
	// Stages are few; a sorted ready list keeps ties in file order.
	var ready []*stage
	for _, s := range b.stages {
		if indeg[s.index] == 0 {
			ready = append(ready, s)
		}
	}
	out := make([]*stage, 0, len(b.stages))
	for len(ready) > 0 {
		s := ready[0]
		ready = ready[1:]
		out = append(out, s)
		for _, u := range users[s.index] {
			indeg[u.index]--
			if indeg[u.index] == 0 {
				i := sort.Search(len(ready), func(i int) bool { return ready[i].index > u.index })
				ready = append(ready, nil)
				copy(ready[i+1:], ready[i:])
				ready[i] = u
			}
		}
	}
	return out, true
}

// cycles finds the strongly connected components with more than one stage
// (Tarjan) and returns one cycle through each, starting at its first stage
// in file order, in data-flow direction.
func (b *builder) cycles() [][]*stage {
	n := len(b.stages)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []*stage
	var sccs [][]*stage
	next := 0
	var strong func(s *stage)
	strong = func(s *stage) {
		index[s.index], low[s.index] = next, next
		next++
		stack = append(stack, s)
		onStack[s.index] = true
		for _, d := range s.deps {
			if index[d.index] < 0 {
				strong(d)
				low[s.index] = min(low[s.index], low[d.index])
			} else if onStack[d.index] {
				low[s.index] = min(low[s.index], index[d.index])
			}
		}
		if low[s.index] == index[s.index] {
			var scc []*stage
			for {
				t := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[t.index] = false
				scc = append(scc, t)
				if t == s {
					break
				}
			}
			if len(scc) > 1 {
				sccs = append(sccs, scc)
			}
		}
	}
	for _, s := range b.stages {
		if index[s.index] < 0 {
			strong(s)
		}
	}
	var out [][]*stage
	for _, scc := range sccs {
		in := map[*stage]bool{}
		first := scc[0]
		for _, s := range scc {
			in[s] = true
			if s.index < first.index {
				first = s
			}
		}
		// Breadth-first search along data flow (producer -> consumer)
		// from first back to first, within the component.
		users := map[*stage][]*stage{}
		for _, s := range scc {
			for _, d := range s.deps {
				if in[d] {
					users[d] = append(users[d], s)
				}
			}
		}
		for _, us := range users {
			sort.Slice(us, func(i, j int) bool { return us[i].index < us[j].index })
		}
		prev := map[*stage]*stage{}
		queue := []*stage{first}
		var last *stage
	search:
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for _, u := range users[s] {
				if u == first {
					last = s
					break search
				}
				if _, seen := prev[u]; !seen {
					prev[u] = s
					queue = append(queue, u)
				}
			}
		}
		var cyc []*stage
		for s := last; s != nil && s != first; s = prev[s] {
			cyc = append(cyc, s)
		}
		cyc = append(cyc, first)
		for i, j := 0, len(cyc)-1; i < j; i, j = i+1, j-1 {
			cyc[i], cyc[j] = cyc[j], cyc[i]
		}
		out = append(out, cyc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].index < out[j][0].index })
	return out
}

// FileFields describes the keys of a pipeline file for the JSON Schema
// generator: top are the top-level keys (version, name, seed, matrix,
// stages) and stage the keys of one stage (kind, foreach, inputs, params,
// timeout, retries). Fields of type *Node (matrix, stages, foreach, inputs,
// params) are free-form at this level; their shapes are documented in the
// package comment.
func FileFields() (top, stage []Field) {
	return Fields(reflect.TypeFor[pipelineFile]()), Fields(reflect.TypeFor[stageFile]())
}

// soundOrder returns, in dependency order (ties in file order), the stages
// that expanded without a problem and whose inputs all resolved to sound
// producers: the part of a faulty file that can still be checked further.
// Stages on a dependency cycle are never sound.
func (b *builder) soundOrder() []*stage {
	const (
		unknown = iota
		visiting
		sound
		unsound
	)
	state := make([]int, len(b.stages))
	var check func(st *stage) bool
	check = func(st *stage) bool {
		switch state[st.index] {
		case sound:
			return true
		case unsound, visiting: // visiting again: a cycle
			return false
		}
		state[st.index] = visiting
		ok := !st.broken && st.expanded
		for _, in := range st.inputs {
			if !in.ok || in.missed || in.producer == nil || !check(in.producer) {
				ok = false
			}
		}
		if ok {
			state[st.index] = sound
		} else {
			state[st.index] = unsound
		}
		return ok
	}
	var out []*stage
	placed := make([]bool, len(b.stages))
	for _, st := range b.stages {
		check(st)
	}
	// Kahn's order over the sound stages; their producers are sound too.
	for progress := true; progress; {
		progress = false
		for _, st := range b.stages {
			if placed[st.index] || state[st.index] != sound {
				continue
			}
			ready := true
			for _, d := range st.deps {
				if !placed[d.index] {
					ready = false
				}
			}
			if ready {
				placed[st.index] = true
				out = append(out, st)
				progress = true
			}
		}
	}
	return out
}
