package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedPipelinesValidate keeps every pipeline file in the repository
// valid, and each starts with the yaml-language-server schema comment.
func TestShippedPipelinesValidate(t *testing.T) {
	files, _ := filepath.Glob("../../pipelines/*.yaml")
	more, _ := filepath.Glob("../../pipelines/examples/*.yaml")
	files = append(files, more...)
	if len(files) < 4 {
		t.Fatalf("found only %d pipeline files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=") {
			t.Errorf("%s: first line is not the yaml-language-server schema comment", f)
		}
		var stdout, stderr bytes.Buffer
		if code := run([]string{"validate", f}, &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit %d: %s", f, code, stderr.String())
		}
	}
}
