package schemas_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/all"
)

// TestGeneratedFilesAreFresh fails when a stage kind changed without
// `go generate ./schemas`.
func TestGeneratedFilesAreFresh(t *testing.T) {
	schema, err := stages.Default.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{
		"pipeline.schema.json": schema,
		"STAGES.md":            stages.Default.Markdown(),
	} {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%s: %v (run go generate ./schemas)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./schemas", name)
		}
	}
}
