package spec

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// testResolve resolves the named selections used by fixtures:
// {catalog: flows|maps} and {range: N} (values v0..vN-1).
func testResolve(sel string, arg *Node) ([]string, error) {
	switch sel {
	case "catalog":
		switch arg.Value {
		case "flows":
			return []string{"Lorenz", "Rossler", "Lorenz96", "Chen"}, nil
		case "maps":
			return []string{"Henon", "Logistic"}, nil
		}
		return nil, fmt.Errorf("unknown catalog %q", arg.Value)
	case "range":
		n, err := strconv.Atoi(arg.Value)
		if err != nil || n < 0 || n > 100000 {
			return nil, fmt.Errorf("range needs a count between 0 and 100000, got %q", arg.Value)
		}
		vs := make([]string, n)
		for i := range vs {
			vs[i] = "v" + strconv.Itoa(i)
		}
		return vs, nil
	}
	return nil, fmt.Errorf("unknown named selection %q", sel)
}

func testOptions() Options {
	return Options{Resolve: testResolve}
}

func fixtures(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no fixtures in testdata/%s", dir)
	}
	return files
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./spec -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// renderPipeline renders the expansion of a pipeline for golden files.
func renderPipeline(p *Pipeline) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name=%s version=%d seed=%d\n", p.Name, p.Version, p.Seed)
	for _, a := range p.Axes {
		fmt.Fprintf(&b, "axis %s %v @%s\n", a.Name, a.Values, a.Pos)
	}
	for _, in := range p.Instances {
		fmt.Fprintf(&b, "%s kind=%s cell=%v @%s params=%s", in.ID, in.Kind, in.Cell.Label(), in.Pos, renderNode(in.Params))
		if in.Timeout != 0 || in.Retries != 0 {
			fmt.Fprintf(&b, " timeout=%s retries=%d", in.Timeout, in.Retries)
		}
		b.WriteByte('\n')
		for _, i := range in.Inputs {
			ids := make([]string, len(i.Sources))
			for k, s := range i.Sources {
				ids[k] = s.Instance + "." + s.Port
			}
			fmt.Fprintf(&b, "  %s <- %s fanin=%v @%s\n", i.Port, strings.Join(ids, " "), i.FanIn, i.Pos)
		}
	}
	return b.String()
}

// renderNode renders a node compactly with tags, for golden files.
func renderNode(n *Node) string {
	switch n.Kind {
	case MapNode:
		parts := make([]string, len(n.Entries))
		for i, e := range n.Entries {
			parts[i] = e.Key + ": " + renderNode(e.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case SeqNode:
		parts := make([]string, len(n.Items))
		for i, it := range n.Items {
			parts[i] = renderNode(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return strconv.Quote(n.Value) + n.Tag
}

func TestValidFixtures(t *testing.T) {
	for _, file := range fixtures(t, "valid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, ds := Load(file, testOptions())
			if len(ds) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", ds.Error())
			}
			if p == nil {
				t.Fatal("nil pipeline without diagnostics")
			}
			checkGolden(t, "valid_"+strings.TrimSuffix(filepath.Base(file), ".yaml")+".txt", renderPipeline(p))
		})
	}
}

// expectedErrors reads the "# ERROR: <substring>" comments of a fixture,
// by line number. A line may carry several.
func expectedErrors(t *testing.T, data []byte) map[int][]string {
	want := map[int][]string{}
	for i, line := range strings.Split(string(data), "\n") {
		parts := strings.Split(line, "# ERROR:")
		for _, p := range parts[1:] {
			p = strings.TrimSpace(p)
			if p == "" {
				t.Fatalf("line %d: empty # ERROR: comment", i+1)
			}
			want[i+1] = append(want[i+1], p)
		}
	}
	return want
}

func TestInvalidFixtures(t *testing.T) {
	files := fixtures(t, "invalid")
	if len(files) < 15 {
		t.Errorf("only %d invalid fixtures, want at least 15", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := expectedErrors(t, data)
			if len(want) == 0 {
				t.Fatal("fixture has no # ERROR: comments")
			}
			_, ds := Parse(file, data, testOptions())
			matched := make([]bool, len(ds))
			for line, subs := range want {
				for _, sub := range subs {
					found := false
					for i, d := range ds {
						if d.Pos.File == file && d.Pos.Line == line && strings.Contains(d.String(), sub) {
							found, matched[i] = true, true
						}
					}
					if !found {
						t.Errorf("line %d: no diagnostic containing %q", line, sub)
					}
				}
			}
			for i, d := range ds {
				if !matched[i] {
					t.Errorf("unexpected diagnostic: %s", d)
				}
			}
			if t.Failed() {
				t.Logf("all diagnostics:\n%s", ds.Error())
			}
			checkGolden(t, "invalid_"+strings.TrimSuffix(filepath.Base(file), ".yaml")+".txt", ds.Error()+"\n")
		})
	}
}

func TestDiagnosticsSorted(t *testing.T) {
	for _, file := range fixtures(t, "invalid") {
		_, ds := Load(file, testOptions())
		for i := 1; i < len(ds); i++ {
			a, b := ds[i-1].Pos, ds[i].Pos
			if a.File == b.File && (a.Line > b.Line || a.Line == b.Line && a.Col > b.Col) {
				t.Errorf("%s: diagnostics not sorted: %s before %s", file, ds[i-1], ds[i])
			}
		}
	}
}
