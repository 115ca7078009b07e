package stages

import (
	"testing"

	"github.com/chaos-runner/runner/spec"
)

// Every non-finite param is reported, each at its own line and column.
func TestDecodeReportsEveryNonFiniteParam(t *testing.T) {
	k, _ := testReg().Lookup("t")
	src := "name: x\nridge: .nan\nhyper: {a: 1, b: .inf}\ninner: {a: -.inf}\n"
	_, ds := decode(t, k, src)
	want := []struct {
		path      string
		line, col int
	}{
		{"params.ridge", 2, 8},
		{"params.hyper.b", 3, 18},
		{"params.inner.a", 4, 12},
	}
	if len(ds) != len(want) {
		t.Fatalf("got %d diagnostics, want %d: %v", len(ds), len(want), ds)
	}
	for i, w := range want {
		d := ds[i]
		if d.Path != w.path || d.Pos.Line != w.line || d.Pos.Col != w.col {
			t.Errorf("diagnostic %d = %s at %d:%d (%s), want %s at %d:%d", i, d.Path, d.Pos.Line, d.Pos.Col, d.Message, w.path, w.line, w.col)
		}
	}
}

func TestNodeAtFallsBackToTheDeepestNode(t *testing.T) {
	n, ds := spec.ParseNode("p.yaml", []byte("a: {b: [1, 2, {c: 3}]}\n"))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if got := nodeAt(n, "a.b[2].c"); got.Value != "3" {
		t.Errorf("a.b[2].c = %q, want 3", got.Value)
	}
	if got := nodeAt(n, "a.b[7]"); got.Kind != n.Entries[0].Value.Entries[0].Value.Kind {
		t.Errorf("a.b[7] should fall back to the sequence a.b")
	}
}
