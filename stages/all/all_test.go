package all_test

import (
	"strings"
	"testing"

	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/all"
)

// TestEveryDocumentedExampleBuilds decodes, validates and builds every
// example of every registered kind, so the docs cannot drift from the code.
func TestEveryDocumentedExampleBuilds(t *testing.T) {
	kinds := stages.Default.Kinds()
	if len(kinds) < 3 {
		t.Fatalf("only %d kinds registered", len(kinds))
	}
	for _, k := range kinds {
		if len(k.Examples()) == 0 {
			t.Errorf("kind %s has no example", k.Name())
		}
		if strings.TrimSpace(k.Summary()) == "" {
			t.Errorf("kind %s has no summary", k.Name())
		}
		for _, ex := range k.Examples() {
			st, err := stages.BuildExample(k, ex)
			if err != nil {
				t.Errorf("%s example %q: %v", k.Name(), ex.Title, err)
				continue
			}
			in, out := st.Ports()
			if len(out) == 0 {
				t.Errorf("%s example %q: no output ports", k.Name(), ex.Title)
			}
			seen := map[string]bool{}
			for _, p := range append(in, out...) {
				if p.Name == "" || seen[p.Name] {
					t.Errorf("%s: empty or duplicate port name %q", k.Name(), p.Name)
				}
				seen[p.Name] = true
			}
		}
	}
}
