package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sharePipeline has four stage instances; sharePipeline2 adds one that reads
// the first pipeline's entries.
const sharePipeline = `version: 1
name: share
seed: 1
matrix:
  k: [a, b]
stages:
  s:
    kind: sample
    foreach: [k]
    params: {n: 3}
  all:
    kind: collect
    inputs: {tables: "s[*].table"}
  other:
    kind: sample
`

const sharePipeline2 = sharePipeline + `  more:
    kind: collect
    inputs: {tables: "s[*].table"}
`

// runCLI runs the CLI in process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String() + errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("runner %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// listing describes every file and directory below root: path, mode, size
// and modification time, one line each, sorted.
func listing(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		size := fi.Size()
		if fi.IsDir() {
			size = 0
		}
		lines = append(lines, fmt.Sprintf("%s %v %d %d", rel, fi.Mode(), size, fi.ModTime().UnixNano()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// chmodTree applies mode changes to every file and directory below root
// (directories last on the way down when removing write, first when adding).
func chmodTree(t *testing.T, root string, writable bool) {
	t.Helper()
	var paths []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	if !writable {
		// Children before parents, so the walk above saw everything.
		sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	}
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		mode := fi.Mode() &^ 0o222
		if writable {
			mode = fi.Mode() | 0o200
		}
		if err := os.Chmod(p, mode&(fs.ModePerm|fs.ModeSetgid)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadOnlyStoreLayer: a runner over a read-only store (no write
// permission on any file or directory) plus an empty local store
// recomputes nothing and writes nothing into the read-only one; a stage that
// is new is computed from the read store's entries into the local store.
func TestReadOnlyStoreLayer(t *testing.T) {
	t.Setenv(readStoresEnv, "") // run exports the layers it used
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	p := writeFile(t, filepath.Join(dir, "p.yaml"), sharePipeline)
	p2 := writeFile(t, filepath.Join(dir, "p2.yaml"), sharePipeline2)
	mustRun(t, "--store", ro, "apply", "-q", p)
	chmodTree(t, ro, false)
	t.Cleanup(func() { chmodTree(t, ro, true) })
	before := listing(t, ro)

	local := filepath.Join(dir, "local")
	out := mustRun(t, "--store", local, "--read-store", ro, "plan", p)
	if !strings.Contains(out, "0 to run, 4 cached") {
		t.Fatalf("plan over the read store:\n%s", out)
	}
	out = mustRun(t, "--store", local, "--read-store", ro, "apply", "-q", p)
	if !strings.Contains(out, "0 ran, 4 cached") {
		t.Fatalf("apply over the read store:\n%s", out)
	}
	out = mustRun(t, "--store", local, "--read-store", ro, "apply", "-q", p2)
	if !strings.Contains(out, "1 ran, 4 cached") {
		t.Fatalf("apply of the extended pipeline:\n%s", out)
	}
	// runner.yaml next to the pipeline names the read store as well.
	os.Setenv(readStoresEnv, "") // exported by the runs above
	writeFile(t, filepath.Join(dir, "runner.yaml"), "read_stores: [ro]\n")
	local2 := filepath.Join(dir, "local2")
	out = mustRun(t, "--store", local2, "apply", "-q", p)
	if !strings.Contains(out, "0 ran, 4 cached") {
		t.Fatalf("apply with runner.yaml:\n%s", out)
	}
	// ... and so does runner.yaml in the store directory.
	os.Setenv(readStoresEnv, "")
	if err := os.Remove(filepath.Join(dir, "runner.yaml")); err != nil {
		t.Fatal(err)
	}
	local3 := filepath.Join(dir, "local3")
	writeFile(t, filepath.Join(local3, "runner.yaml"), "read_stores: ["+ro+"]\n")
	if out := mustRun(t, "--store", local3, "plan", p); !strings.Contains(out, "0 to run, 4 cached") {
		t.Fatalf("plan with runner.yaml in the store:\n%s", out)
	}
	if after := listing(t, ro); after != before {
		t.Fatalf("the read-only store changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Only the new stage's entry is in the local store; ls through the
	// layer shows the others, marked.
	out = mustRun(t, "--store", local, "--read-store", ro, "artifacts", "ls")
	if strings.Count(out, "[read store "+ro+"]") != 4 || !strings.Contains(out, "5 entries") {
		t.Fatalf("ls through the read store:\n%s", out)
	}
	os.Setenv(readStoresEnv, "") // exported by the runs above
	out = mustRun(t, "--store", local, "artifacts", "ls")
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != 1 || !strings.Contains(out, "more") {
		t.Fatalf("local store holds:\n%s", out)
	}
	// A bad runner.yaml is a clear usage error.
	writeFile(t, filepath.Join(dir, "runner.yaml"), "read_store: [ro]\n")
	if code, out := runCLI(t, "--store", local2, "plan", p); code != exitInvalid || !strings.Contains(out, "read_store") {
		t.Fatalf("bad runner.yaml: exit %d\n%s", code, out)
	}
}

// TestBundleImportCLI: a bundle of a pipeline moves its entries byte for
// byte into another store, where the pipeline is then fully cached; a
// bundle with one flipped byte or cut short is refused and the target store
// stays as it was.
func TestBundleImportCLI(t *testing.T) {
	t.Setenv(readStoresEnv, "")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	p := writeFile(t, filepath.Join(dir, "p.yaml"), sharePipeline)
	mustRun(t, "--store", a, "apply", "-q", p)
	bundle := filepath.Join(dir, "out.tar")
	out := mustRun(t, "--store", a, "artifacts", "bundle", bundle, "--pipeline", p)
	if !strings.Contains(out, "bundled 4 entries") {
		t.Fatalf("bundle: %s", out)
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}

	mustRun(t, "--store", b, "artifacts", "ls") // creates the empty store
	empty := listing(t, filepath.Join(b, "objects"))
	for _, bad := range []struct {
		name string
		data []byte
	}{
		{"flipped", func() []byte { d := bytes.Clone(data); d[len(d)/3] ^= 0x04; return d }()},
		{"truncated", data[:len(data)-700]},
	} {
		path := writeFile(t, filepath.Join(dir, bad.name+".tar"), string(bad.data))
		code, out := runCLI(t, "--store", b, "artifacts", "import", path)
		if code != exitFailed || !strings.Contains(out, "nothing was imported") {
			t.Fatalf("import of a %s bundle: exit %d\n%s", bad.name, code, out)
		}
		if got := listing(t, filepath.Join(b, "objects")); got != empty {
			t.Fatalf("import of a %s bundle changed the store:\n%s", bad.name, got)
		}
		if ents, _ := os.ReadDir(filepath.Join(b, "tmp")); len(ents) != 0 {
			t.Fatalf("import of a %s bundle left %d items in tmp", bad.name, len(ents))
		}
	}

	out = mustRun(t, "--store", b, "artifacts", "import", bundle)
	if !strings.Contains(out, "imported 4 entries, 0 already present") {
		t.Fatalf("import: %s", out)
	}
	if out := mustRun(t, "--store", b, "plan", p); !strings.Contains(out, "0 to run, 4 cached") {
		t.Fatalf("plan after import:\n%s", out)
	}
	// Byte-identical entries.
	filesOf := func(root string) map[string]string {
		m := map[string]string{}
		_ = filepath.WalkDir(filepath.Join(root, "objects"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				data, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(root, p)
				m[rel] = string(data)
			}
			return nil
		})
		return m
	}
	fa, fb := filesOf(a), filesOf(b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("%d files in the source, %d after import", len(fa), len(fb))
	}
	for name, content := range fa {
		if fb[name] != content {
			t.Fatalf("%s differs after the round trip", name)
		}
	}
}

// journalRun returns the run id named by an apply summary "(journal PATH)".
func journalRun(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "(journal ")
	path, _, ok2 := strings.Cut(rest, ")")
	if !ok || !ok2 {
		t.Fatalf("no journal in %q", out)
	}
	return strings.TrimSuffix(filepath.Base(path), ".jsonl")
}

// TestPinGCAndLsFilters: of three runs, the pinned one's entries survive a
// gc without retention, the unpinned one's go, the named pipeline's stay;
// ls filters by kind, stage, run and age.
func TestPinGCAndLsFilters(t *testing.T) {
	t.Setenv(readStoresEnv, "")
	dir := t.TempDir()
	st := filepath.Join(dir, "st")
	p := writeFile(t, filepath.Join(dir, "p.yaml"), sharePipeline)
	mustRun(t, "--store", st, "apply", "-q", p)
	pinned := journalRun(t, mustRun(t, "--store", st, "apply", "-q", "--set", "other.n=7", p))
	mustRun(t, "--store", st, "apply", "-q", "--set", "other.n=8", p)
	mustRun(t, "--store", st, "artifacts", "pin", pinned)
	if out := mustRun(t, "--store", st, "artifacts", "pin"); !strings.Contains(out, pinned+"  pinned") {
		t.Fatalf("pin list:\n%s", out)
	}
	if code, _ := runCLI(t, "--store", st, "artifacts", "pin", "no-such-run"); code != exitInvalid {
		t.Fatalf("pin of a missing run: exit %d", code)
	}

	if out := mustRun(t, "--store", st, "artifacts", "ls"); !strings.Contains(out, "6 entries") {
		t.Fatalf("ls:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "artifacts", "ls", "--kind", "collect"); strings.Count(out, "collect") != 1 {
		t.Fatalf("ls --kind collect:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "artifacts", "ls", "--stage", "s"); !strings.Contains(out, "2 entries") || strings.Contains(out, "other") {
		t.Fatalf("ls --stage s:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "artifacts", "ls", "--stage", "s[a]"); strings.Count(out, "\n") != 1 {
		t.Fatalf("ls --stage s[a]:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "artifacts", "ls", "--older-than", "1h"); out != "" {
		t.Fatalf("ls --older-than 1h:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "artifacts", "ls", "--newer-than", "1h"); !strings.Contains(out, "6 entries") {
		t.Fatalf("ls --newer-than 1h:\n%s", out)
	}
	// The pinned run lists all four instances (three cached, one ran).
	if out := mustRun(t, "--store", st, "artifacts", "ls", "--run", pinned); !strings.Contains(out, "4 entries") {
		t.Fatalf("ls --run:\n%s", out)
	}

	out := mustRun(t, "--store", st, "artifacts", "gc", "--keep-within", "0", "--grace", "0", p)
	if !strings.Contains(out, "would remove 1 entries") || !strings.Contains(out, "1 pinned run") {
		t.Fatalf("gc dry run:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "artifacts", "ls"); !strings.Contains(out, "6 entries") {
		t.Fatalf("a dry gc removed something:\n%s", out)
	}
	out = mustRun(t, "--store", st, "artifacts", "gc", "--yes", "--keep-within", "0", "--grace", "0", p)
	if !strings.Contains(out, "removed 1 entries") {
		t.Fatalf("gc:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "plan", "--set", "other.n=7", p); !strings.Contains(out, "0 to run") {
		t.Fatalf("pinned run's entry is gone:\n%s", out)
	}
	if out := mustRun(t, "--store", st, "plan", "--set", "other.n=8", p); !strings.Contains(out, "1 to run") {
		t.Fatalf("unpinned run's entry was kept:\n%s", out)
	}
	mustRun(t, "--store", st, "artifacts", "unpin", pinned)
	out = mustRun(t, "--store", st, "artifacts", "gc", "--yes", "--keep-within", "0", "--grace", "0", p)
	if !strings.Contains(out, "removed 1 entries") {
		t.Fatalf("gc after unpin:\n%s", out)
	}
}

// TestUmaskWarning: a group-shared store used with a umask that makes new
// files private draws a warning that says what to do.
func TestUmaskWarning(t *testing.T) {
	mask, ok := processUmask()
	if !ok || mask&0o020 == 0 {
		t.Skip("needs a umask without group write (such as 022) and /proc")
	}
	t.Setenv(readStoresEnv, "")
	dir := t.TempDir()
	st := filepath.Join(dir, "st")
	if err := os.Mkdir(st, 0o755); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, filepath.Join(dir, "p.yaml"), sharePipeline)
	if out := mustRun(t, "--store", st, "plan", p); strings.Contains(out, "umask") {
		t.Fatalf("warning for a private store:\n%s", out)
	}
	if err := os.Chmod(st, 0o775|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "--store", st, "plan", p); !strings.Contains(out, "run `umask 002` first") {
		t.Fatalf("no warning for a shared store:\n%s", out)
	}
}
