package stagetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

// Build decodes YAML params of a registered kind exactly as a pipeline file
// would and builds the stage with the given seed; any problem fails t.
func Build(t testing.TB, kind, params string, seed uint64) stages.Stage {
	t.Helper()
	st, err := TryBuild(kind, params, seed)
	if err != nil {
		t.Fatalf("build %s %q: %v", kind, params, err)
	}
	return st
}

// TryBuild is Build that returns the problem instead of failing a test.
func TryBuild(kind, params string, seed uint64) (stages.Stage, error) {
	k, ok := stages.Default.Lookup(kind)
	if !ok {
		return nil, &notRegistered{kind}
	}
	n, diags := spec.ParseNode(kind+".yaml", []byte(params))
	if len(diags) > 0 {
		return nil, diags
	}
	p, diags := k.Decode(n, "params")
	if len(diags) > 0 {
		return nil, diags
	}
	return k.Build(p, stages.Env{ID: kind, Seed: seed})
}

type notRegistered struct{ kind string }

func (e *notRegistered) Error() string {
	return "kind " + e.kind + " is not registered (import its stage family)"
}

// DecodeDiags returns the diagnostics of decoding params for kind.
func DecodeDiags(t testing.TB, kind, params string) spec.Diagnostics {
	t.Helper()
	k, ok := stages.Default.Lookup(kind)
	if !ok {
		t.Fatalf("kind %s is not registered", kind)
	}
	n, diags := spec.ParseNode(kind+".yaml", []byte(params))
	if len(diags) > 0 {
		t.Fatalf("parse %q: %v", params, diags)
	}
	_, diags = k.Decode(n, "params")
	return diags
}

// Run runs a stage, fails t on error, checks every declared output port is
// present with its declared columns and types, and releases the outputs
// when the test ends.
func Run(t testing.TB, st stages.Stage, in stages.Inputs) stages.Outputs {
	t.Helper()
	out, err := st.Run(context.Background(), in)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { Release(out) })
	_, ports := st.Ports()
	for _, p := range ports {
		rec := out[p.Name]
		if rec == nil {
			t.Fatalf("no output on port %s", p.Name)
		}
		if p.Schema == nil {
			continue
		}
		for _, f := range p.Schema.Fields() {
			idx := rec.Schema().FieldIndices(f.Name)
			if len(idx) == 0 || !arrow.TypeEqual(rec.Schema().Field(idx[0]).Type, f.Type) {
				t.Fatalf("port %s: column %s missing or not %s", p.Name, f.Name, f.Type)
			}
		}
	}
	return out
}

// Release releases every table of out.
func Release(out stages.Outputs) {
	for _, r := range out {
		r.Release()
	}
}

// Inputs builds an Inputs value from port, record pairs: each port gets the
// one table, produced by a stage named after the port.
func Inputs(kv ...any) stages.Inputs {
	in := stages.Inputs{}
	for i := 0; i+1 < len(kv); i += 2 {
		port := kv[i].(string)
		in[port] = []stages.Item{{Stage: port, Record: kv[i+1].(arrow.RecordBatch)}}
	}
	return in
}

// IPCBytes is rec as an Arrow IPC file, exactly as the store writes it, so
// tests can compare tables byte for byte.
func IPCBytes(t testing.TB, rec arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := artifacts.WriteIPC(&buf, rec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
