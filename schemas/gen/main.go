// Command gen writes pipeline.schema.json and STAGES.md from the stage
// registry. Run it with `go generate ./schemas`.
package main

import (
	"fmt"
	"os"

	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/all"
)

func main() {
	schema, err := stages.Default.JSONSchema()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile("pipeline.schema.json", schema, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile("STAGES.md", stages.Default.Markdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
