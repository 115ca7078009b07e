package solvereval

import (
	"testing"

	"github.com/chaos-runner/runner/stages"
)

func build(t *testing.T, k stages.Kind, yaml string) stages.Stage {
	t.Helper()
	st, err := stages.BuildExample(k, stages.Example{Title: t.Name(), Params: yaml})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
