package forecast

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/generate"
)

// build decodes YAML params of a registered kind and builds the stage, as a
// pipeline would.
func build(t testing.TB, kind, params string, seed uint64) stages.Stage {
	t.Helper()
	k, ok := stages.Default.Lookup(kind)
	if !ok {
		t.Fatalf("kind %s not registered", kind)
	}
	n, diags := spec.ParseNode(kind+".yaml", []byte(params))
	if len(diags) > 0 {
		t.Fatalf("parse %q: %v", params, diags)
	}
	p, diags := k.Decode(n, "params")
	if len(diags) > 0 {
		t.Fatalf("decode %q: %v", params, diags)
	}
	st, err := k.Build(p, stages.Env{ID: kind, Seed: seed})
	if err != nil {
		t.Fatalf("build %s: %v", kind, err)
	}
	return st
}

// decodeDiags returns the diagnostics of decoding params for kind.
func decodeDiags(t testing.TB, kind, params string) spec.Diagnostics {
	t.Helper()
	k, _ := stages.Default.Lookup(kind)
	n, diags := spec.ParseNode(kind+".yaml", []byte(params))
	if len(diags) > 0 {
		t.Fatalf("parse %q: %v", params, diags)
	}
	_, diags = k.Decode(n, "params")
	return diags
}

// run runs a stage and checks its outputs against the declared ports.
func run(t testing.TB, st stages.Stage, in stages.Inputs) stages.Outputs {
	t.Helper()
	out, err := st.Run(context.Background(), in)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	_, ports := st.Ports()
	for _, p := range ports {
		rec := out[p.Name]
		if rec == nil {
			t.Fatalf("no output on port %s", p.Name)
		}
		for _, f := range p.Schema.Fields() {
			idx := rec.Schema().FieldIndices(f.Name)
			if len(idx) == 0 || !arrow.TypeEqual(rec.Schema().Field(idx[0]).Type, f.Type) {
				t.Fatalf("port %s: column %s missing or of the wrong type", p.Name, f.Name)
			}
		}
	}
	return out
}

func release(out stages.Outputs) {
	for _, r := range out {
		r.Release()
	}
}

// inputs builds an Inputs value from port → record pairs.
func inputs(kv ...any) stages.Inputs {
	in := stages.Inputs{}
	for i := 0; i < len(kv); i += 2 {
		in[kv[i].(string)] = []stages.Item{{Stage: kv[i].(string), Record: kv[i+1].(arrow.RecordBatch)}}
	}
	return in
}

// generate runs the generate stage with YAML params.
func generate(t testing.TB, params string) stages.Outputs {
	t.Helper()
	return run(t, build(t, "generate", params, 42), nil)
}

// trainForecast fits a model on data's train table and forecasts its test
// table with the train table as history.
func trainForecast(t testing.TB, data stages.Outputs, trainParams, fcParams string) (model, fc arrow.RecordBatch) {
	t.Helper()
	mo := run(t, build(t, "train", trainParams, 7), inputs("train", data["train"]))
	fo := run(t, build(t, "forecast", fcParams, 7), inputs("model", mo["model"], "test", data["test"], "history", data["train"]))
	return mo["model"], fo["forecast"]
}
