package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

// JobSpec is the compiled description of one node: everything a batch job
// needs to compute it (kind, params, seed, input keys, output key, limits)
// without reading the pipeline file, which may have changed since the run
// was submitted. The submitting runner writes it with the run; `runner
// exec-node --spec` runs it.
type JobSpec struct {
	ID      string          `json:"id"`
	Stage   string          `json:"stage"`
	Cell    spec.Cell       `json:"cell,omitempty"`
	Kind    string          `json:"kind"`
	Version int             `json:"version"`
	Params  json.RawMessage `json:"params"` // canonical JSON
	Seed    uint64          `json:"seed"`
	Key     artifacts.Key   `json:"key"`
	Inputs  []JobInput      `json:"inputs,omitempty"`
	Timeout time.Duration   `json:"timeout,omitempty"`
	Retries int             `json:"retries,omitempty"`
	// Volatile nodes have a key unique to the submitting process: it is
	// taken as given, not checked.
	Volatile bool `json:"volatile,omitempty"`
	// Resources are what the job asked its cluster for (a record).
	Resources spec.Resources `json:"resources,omitzero"`
}

// JobInput is one input port of a JobSpec with the entries it reads.
type JobInput struct {
	Port    string      `json:"port"`
	Sources []JobSource `json:"sources"`
}

// JobSource is one producer entry read by a JobInput.
type JobSource struct {
	Instance string        `json:"instance"`
	Stage    string        `json:"stage"`
	Port     string        `json:"port"`
	Cell     spec.Cell     `json:"cell,omitempty"`
	Key      artifacts.Key `json:"key"`
}

// JobSpec compiles n. The node must belong to a plan without problems (its
// key and its producers' keys computed).
func (n *Node) JobSpec() JobSpec {
	js := JobSpec{ID: n.ID(), Stage: n.Inst.Stage, Cell: n.Cell, Kind: n.Kind.Name(), Version: n.Kind.Version(),
		Params: json.RawMessage(n.Params.Canonical), Seed: n.Seed, Key: n.Key,
		Timeout: n.Inst.Timeout, Retries: n.Inst.Retries, Volatile: n.Volatile, Resources: n.Inst.Resources}
	for ii, in := range n.Inst.Inputs {
		ji := JobInput{Port: in.Port, Sources: make([]JobSource, len(in.Sources))}
		for si, src := range in.Sources {
			up := n.srcs[ii][si]
			ji.Sources[si] = JobSource{Instance: src.Instance, Stage: src.Stage, Port: src.Port, Cell: src.Cell, Key: up.Key}
		}
		js.Inputs = append(js.Inputs, ji)
	}
	return js
}

// specKey computes the cache key of a JobSpec: the same bytes as
// computeKey hashes for the node it was compiled from.
func specKey(js *JobSpec) artifacts.Key {
	kw := keyWriter{h: sha256.New()}
	kw.str(KeyFormat)
	kw.str(js.Kind)
	kw.str(strconv.Itoa(js.Version))
	kw.buf = append(kw.buf, js.Params...)
	kw.buf = append(kw.buf, 0)
	kw.buf = strconv.AppendUint(kw.buf, js.Seed, 10)
	kw.buf = append(kw.buf, 0)
	for _, in := range js.Inputs {
		kw.str("in")
		kw.str(in.Port)
		for _, src := range in.Sources {
			kw.str(src.Instance)
			kw.str(src.Port)
			kw.str(string(src.Key))
			kw.flush(false)
		}
	}
	kw.flush(true)
	var sum [sha256.Size]byte
	return artifacts.Key(hex.EncodeToString(kw.h.Sum(sum[:0])))
}

// CompileNode builds the node a JobSpec describes, checking that this
// runner's stage kind has the same version, that the params decode to the
// same canonical bytes and that the key comes out the same: a job never
// computes something else than what was planned.
func CompileNode(js *JobSpec, reg *stages.Registry) (*Plan, *Node, error) {
	k, ok := reg.Lookup(js.Kind)
	if !ok {
		return nil, nil, fmt.Errorf("job %s: unknown stage kind %q", js.ID, js.Kind)
	}
	if k.Version() != js.Version {
		return nil, nil, fmt.Errorf("job %s: stage kind %s is version %d here, the run was planned with version %d", js.ID, js.Kind, k.Version(), js.Version)
	}
	params, err := decodeCanonical(k, js.Params, "stages."+js.Stage+".params")
	if err != nil {
		return nil, nil, fmt.Errorf("job %s: %w", js.ID, err)
	}
	if !js.Volatile {
		if got := specKey(js); got != js.Key {
			return nil, nil, fmt.Errorf("job %s: its description gives key %s, not %s", js.ID, got.Short(), js.Key.Short())
		}
	}
	env := stages.Env{ID: js.ID, Cell: js.Cell, Seed: js.Seed}
	st, err := k.Build(params, env)
	if err != nil {
		return nil, nil, fmt.Errorf("job %s: %w", js.ID, err)
	}
	inst := &spec.Instance{ID: js.ID, Stage: js.Stage, Cell: js.Cell, Kind: js.Kind, Params: &spec.Node{Kind: spec.MapNode},
		Timeout: js.Timeout, Retries: js.Retries}
	plan := &Plan{byID: map[string]*Node{}}
	n := &Node{Inst: inst, Kind: k, Params: params, Stage: st, Cell: js.Cell, Seed: js.Seed, Key: js.Key, Volatile: js.Volatile}
	n.In, n.Out = st.Ports()
	// The producers are stand-ins with their keys and cells: enough to read
	// their entries.
	for _, in := range js.Inputs {
		si := spec.Input{Port: in.Port, Sources: make([]spec.Source, len(in.Sources))}
		srcs := make([]*Node, len(in.Sources))
		for i, src := range in.Sources {
			si.Sources[i] = spec.Source{Instance: src.Instance, Stage: src.Stage, Port: src.Port, Cell: src.Cell}
			up := plan.byID[src.Instance]
			if up == nil {
				up = &Node{Inst: &spec.Instance{ID: src.Instance, Stage: src.Stage, Cell: src.Cell}, Cell: src.Cell, Key: src.Key}
				plan.byID[src.Instance] = up
			}
			srcs[i] = up
		}
		inst.Inputs = append(inst.Inputs, si)
		n.srcs = append(n.srcs, srcs)
	}
	plan.byID[js.ID] = n
	plan.Nodes = []*Node{n}
	return plan, n, nil
}

// decodeCanonical decodes canonical params JSON (a YAML document too) with
// kind k and checks that it encodes back to the same bytes.
func decodeCanonical(k stages.Kind, canonical []byte, path string) (stages.Params, error) {
	node, ds := spec.ParseNode("params", canonical)
	if len(ds) > 0 {
		return stages.Params{}, fmt.Errorf("params: %v", ds)
	}
	params, ds := k.Decode(node, path)
	if len(ds) > 0 {
		return stages.Params{}, fmt.Errorf("params: %v", ds)
	}
	if !bytes.Equal(params.Canonical, canonical) {
		return stages.Params{}, fmt.Errorf("params of kind %s do not survive a round trip through canonical JSON: %s became %s", k.Name(), canonical, params.Canonical)
	}
	return params, nil
}

// CheckJobSpec checks on the submitting side that a job will be able to
// rebuild its node from js (the params' round trip), so that a problem is
// reported before anything is queued.
func CheckJobSpec(js *JobSpec, reg *stages.Registry) error {
	_, _, err := CompileNode(js, reg)
	return err
}

// ErrJobSpec wraps the errors of a job spec this runner cannot compute
// (unknown kind, other version, params that do not round-trip, a key that
// does not match): resubmitting cannot help.
var ErrJobSpec = errors.New("unusable job spec")

// ExecuteJob computes the node a JobSpec describes and stores its outputs,
// without taking its key lock (the submitting runner holds it). An input
// found corrupt is not recomputed here: the job fails and the submitting
// runner, which sees the whole plan, recomputes it.
func ExecuteJob(ctx context.Context, js *JobSpec, reg *stages.Registry, store *artifacts.Store) error {
	plan, n, err := CompileNode(js, reg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrJobSpec, err)
	}
	x := &localExecutor{plan: plan, store: store, log: io.Discard,
		recompute: func(ctx context.Context, up *Node) (Outcome, error) {
			return Failed, fmt.Errorf("a batch job does not recompute its inputs; the next apply will")
		}}
	return x.Run(ctx, n)
}

// WriteJobSpecs writes specs to path atomically (temp file and rename), as
// one JSON document.
func WriteJobSpecs(path string, specs []JobSpec) error {
	data, err := json.Marshal(specs)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadJobSpecs reads a file written by WriteJobSpecs.
func ReadJobSpecs(path string) ([]JobSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var specs []JobSpec
	if err := json.Unmarshal(data, &specs); err != nil {
		return nil, fmt.Errorf("job specs %s: %w", path, err)
	}
	return specs, nil
}
