package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/artifacts"
)

// nodeReader is the Apache Arrow JS reader script; .ci/run installs its
// dependencies with `npm ci` in the same folder.
const nodeReader = "../../test/node/read.mjs"

type nodeSummary struct {
	Path    string `json:"path"`
	Rows    int64  `json:"rows"`
	Columns []struct {
		Name string `json:"name"`
	} `json:"columns"`
	Metadata map[string]string `json:"metadata"`
	Values   map[string][]any  `json:"values"`
}

// TestArtifactsOpenInApacheArrowJS applies the smoke pipeline and opens
// every artifact with a non-Go reader.
func TestArtifactsOpenInApacheArrowJS(t *testing.T) {
	if _, err := os.Stat("../../test/node/node_modules/apache-arrow"); err != nil {
		// First run on this machine: install the pinned reader from the npm
		// registry (package-lock.json), once.
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = "../../test/node"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("installing apache-arrow for Node (npm ci in test/node): %v\n%s", err, out)
		}
	}
	store := filepath.Join(t.TempDir(), "store")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"apply", "-q", "--store", store, "../../pipelines/smoke.yaml"}, &stdout, &stderr); code != 0 {
		t.Fatalf("apply exit %d: %s", code, stderr.String())
	}
	var files []string
	_ = filepath.WalkDir(filepath.Join(store, "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".arrow") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 5 {
		t.Fatalf("found %d artifact files, want at least 5", len(files))
	}
	out, err := exec.Command("node", append([]string{nodeReader}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var summaries []nodeSummary
	if err := json.Unmarshal(out, &summaries); err != nil {
		t.Fatalf("node output: %v\n%s", err, out)
	}
	sawMetadata := false
	for _, s := range summaries {
		rec, err := artifacts.ReadIPCFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		if s.Rows != rec.NumRows() || len(s.Columns) != int(rec.NumCols()) {
			t.Errorf("%s: node sees %d rows x %d columns, Go %d x %d", s.Path, s.Rows, len(s.Columns), rec.NumRows(), rec.NumCols())
		}
		md := rec.Schema().Metadata()
		for i, k := range md.Keys() {
			if s.Metadata[k] != md.Values()[i] {
				t.Errorf("%s: metadata %q differs in node", s.Path, k)
			}
		}
		if _, ok := s.Metadata["systems"]; ok {
			sawMetadata = true
		}
		for j, c := range s.Columns {
			if c.Name != rec.Schema().Field(j).Name {
				t.Errorf("%s: column %d is %q in node, %q in Go", s.Path, j, c.Name, rec.Schema().Field(j).Name)
			}
			col, ok := rec.Column(j).(*array.Float64)
			if !ok || rec.NumRows() == 0 {
				continue
			}
			got := s.Values[c.Name]
			want := []float64{col.Value(0), col.Value(col.Len() - 1)}
			for k := range want {
				g, _ := got[k].(float64)
				if math.IsNaN(want[k]) || got[k] == nil {
					continue
				}
				if g != want[k] {
					t.Errorf("%s: column %s value %d: node %v, Go %v", s.Path, c.Name, k, g, want[k])
				}
			}
		}
		rec.Release()
	}
	if !sawMetadata {
		t.Error("no artifact carried the generate stage's schema metadata")
	}
}
