package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// arrowFiles maps each entry's Arrow files (objects/ab/<key>/<port>.arrow,
// relative to the store) to their bytes.
func arrowFiles(t *testing.T, store string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	root := filepath.Join(store, "objects")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".arrow") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSmokeBitwiseIdenticalAcrossJobs applies the smoke pipeline (real
// stages) with --jobs 1 and --jobs 4 and compares every artifact byte.
func TestSmokeBitwiseIdenticalAcrossJobs(t *testing.T) {
	dir := t.TempDir()
	stores := map[string]string{"1": filepath.Join(dir, "j1"), "4": filepath.Join(dir, "j4")}
	for jobs, store := range stores {
		var stdout, stderr bytes.Buffer
		code := run([]string{"apply", "-q", "--jobs", jobs, "--store", store, "../../pipelines/smoke.yaml"}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("--jobs %s: exit %d: %s", jobs, code, stderr.String())
		}
	}
	a, b := arrowFiles(t, stores["1"]), arrowFiles(t, stores["4"])
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d files with --jobs 1, %d with --jobs 4", len(a), len(b))
	}
	var names []string
	for name := range a {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between --jobs 1 and --jobs 4", name)
		}
	}
}
