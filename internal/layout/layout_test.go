package layout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/chaos-runner/runner"

// pkg is one package of the import graph, as go list -json reports it.
type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
}

// rule is one import rule. Patterns name a package and everything below it:
// "systems" is a package of this module (and its subpackages), a pattern
// whose first element has a dot ("go.yaml.in/yaml") is an external one.
type rule struct {
	why    string   // the rule in words, printed with each violation
	from   []string // the packages the rule binds
	except []string // packages matched by from that it does not bind
	direct bool     // check direct imports only, not all transitive dependencies
	forbid []string // no dependency may match these
	// only, when set, lists what non-standard dependencies may match;
	// stdlib-only packages under this module's internal/ are always allowed.
	only []string
}

var (
	science    = []string{"systems", "solvers", "models", "metrics"}
	arrowPkgs  = []string{"github.com/apache/arrow-go", "github.com/apache/arrow/go"}
	yamlPkgs   = []string{"go.yaml.in/yaml", "gopkg.in/yaml.v2", "gopkg.in/yaml.v3", "sigs.k8s.io/yaml"}
	orchestral = []string{"runner", "cmd", "stages", "artifacts", "spec", "schemas"}
)

// rules are the project's architecture (README, Layout): science packages
// are plain Go libraries, and the dependency arrows point one way,
// cmd -> runner -> spec, stages, artifacts.
var rules = []rule{
	{
		why:    "science packages are plain Go: no runner, stages, artifacts, spec, schemas, Arrow or YAML",
		from:   science,
		forbid: slices.Concat(orchestral, arrowPkgs, yamlPkgs),
	},
	{
		why:  "science packages depend only on each other, gonum and stdlib-only internal packages",
		from: science,
		only: append([]string{"gonum.org/v1/gonum"}, science...),
	},
	{
		why:    "solvers integrate any vector field and know no systems",
		from:   []string{"solvers"},
		forbid: []string{"systems"},
	},
	{
		why:    "spec parses and plans; it knows no stage implementations nor the runner",
		from:   []string{"spec"},
		forbid: []string{"stages", "runner", "cmd"},
	},
	{
		why:    "artifacts is the store; it knows no runner nor stages",
		from:   []string{"artifacts"},
		forbid: []string{"runner", "stages", "cmd"},
	},
	{
		why:    "stage families never import the runner or the CLI",
		from:   []string{"stages"},
		forbid: []string{"runner", "cmd"},
	},
	{
		why:    "only spec imports the YAML library",
		from:   []string{""}, // the whole module
		except: []string{"spec"},
		direct: true,
		forbid: yamlPkgs,
	},
}

// full turns a pattern into an import path prefix.
func full(pattern string) string {
	first, _, _ := strings.Cut(pattern, "/")
	switch {
	case pattern == "":
		return module
	case strings.Contains(first, "."):
		return pattern
	default:
		return module + "/" + pattern
	}
}

// matches reports whether path is one of the packages patterns name.
func matches(path string, patterns []string) bool {
	for _, p := range patterns {
		p = full(p)
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// chain returns the shortest import chain from -> ... -> to (direct: the
// edge only), or nil when from does not depend on to.
func chain(graph map[string]*pkg, from, to string, direct bool) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		node := graph[p]
		if node == nil || (direct && p != from) {
			continue
		}
		for _, imp := range node.Imports {
			if _, seen := prev[imp]; seen {
				continue
			}
			prev[imp] = p
			if imp == to {
				path := []string{to}
				for q := p; q != ""; q = prev[q] {
					path = append([]string{q}, path...)
				}
				return path
			}
			queue = append(queue, imp)
		}
	}
	return nil
}

// deps returns the non-standard packages p depends on, directly or not.
func deps(graph map[string]*pkg, p string, direct bool) []string {
	var out []string
	seen := map[string]bool{p: true}
	queue := []string{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		node := graph[q]
		if node == nil || (direct && q != p) {
			continue
		}
		for _, imp := range node.Imports {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			queue = append(queue, imp)
			if d := graph[imp]; d == nil || !d.Standard {
				out = append(out, imp)
			}
		}
	}
	slices.Sort(out)
	return out
}

// stdlibOnlyInternal reports whether p is a package under this module's
// internal/ that depends on the standard library alone.
func stdlibOnlyInternal(graph map[string]*pkg, p string) bool {
	return matches(p, []string{"internal"}) && graph[p] != nil && len(deps(graph, p, false)) == 0
}

// violations checks the rules against an import graph and returns one line
// per broken rule and offending dependency.
func violations(graph map[string]*pkg, rules []rule) []string {
	var paths []string
	for p, node := range graph {
		if !node.Standard && matches(p, []string{""}) {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out []string
	for _, r := range rules {
		for _, p := range paths {
			if !matches(p, r.from) || matches(p, r.except) {
				continue
			}
			for _, d := range deps(graph, p, r.direct) {
				bad := matches(d, r.forbid)
				if r.only != nil && !matches(d, r.only) && !stdlibOnlyInternal(graph, d) {
					bad = true
				}
				if bad {
					out = append(out, fmt.Sprintf("%s imports %s (%s): %s",
						strings.TrimPrefix(p, module+"/"), d, strings.Join(chain(graph, p, d, r.direct), " -> "), r.why))
				}
			}
		}
	}
	return out
}

// loadGraph returns every package of the module and all its dependencies.
func loadGraph(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Standard,Imports", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	graph := map[string]*pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		graph[p.ImportPath] = p
	}
	return graph
}

// TestImportRules checks the module's import graph against the rules.
func TestImportRules(t *testing.T) {
	graph := loadGraph(t)
	// A rule whose packages were renamed away would pass vacuously.
	for _, r := range rules {
		bound := false
		for p := range graph {
			bound = bound || (matches(p, r.from) && !matches(p, r.except))
		}
		if !bound {
			t.Errorf("rule %q binds no package of the module", r.why)
		}
	}
	for _, v := range violations(graph, rules) {
		t.Error(v)
	}
}

// TestRulesCatchViolations runs the rules on synthetic import graphs, so a
// matcher that stopped matching would fail here rather than pass silently.
func TestRulesCatchViolations(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	clean := []*pkg{
		{ImportPath: "fmt", Standard: true},
		{ImportPath: "gonum.org/v1/gonum/mat", Imports: []string{"fmt"}},
		{ImportPath: "go.yaml.in/yaml/v3", Imports: []string{"fmt"}},
		{ImportPath: "github.com/apache/arrow-go/v18/arrow", Imports: []string{"fmt"}},
		{ImportPath: m("internal/suggest"), Imports: []string{"fmt"}},
		{ImportPath: m("solvers"), Imports: []string{"fmt", "gonum.org/v1/gonum/mat"}},
		{ImportPath: m("systems"), Imports: []string{m("solvers"), m("internal/suggest")}},
		{ImportPath: m("spec"), Imports: []string{"go.yaml.in/yaml/v3", m("internal/suggest")}},
		{ImportPath: m("artifacts"), Imports: []string{"github.com/apache/arrow-go/v18/arrow"}},
		{ImportPath: m("stages/basic"), Imports: []string{m("systems"), m("artifacts"), m("spec")}},
		{ImportPath: m("runner"), Imports: []string{m("stages/basic"), m("spec"), m("artifacts")}},
	}
	tests := []struct {
		name  string
		extra []*pkg // replace or add to the clean graph
		want  []string
	}{
		{name: "clean", want: nil},
		{
			name:  "solvers imports systems",
			extra: []*pkg{{ImportPath: m("solvers"), Imports: []string{m("systems")}}},
			want:  []string{"solvers imports " + m("systems") + " (solvers -> systems)"},
		},
		{
			name: "science reaches YAML through an internal package",
			extra: []*pkg{
				{ImportPath: m("internal/config"), Imports: []string{"go.yaml.in/yaml/v3"}},
				{ImportPath: m("metrics"), Imports: []string{m("internal/config")}},
			},
			want: []string{
				"metrics imports go.yaml.in/yaml/v3 (metrics -> internal/config -> go.yaml.in/yaml/v3)", // forbidden
				"metrics imports " + m("internal/config") + " (metrics -> internal/config)",             // not stdlib-only
				"metrics imports go.yaml.in/yaml/v3 (metrics -> internal/config -> go.yaml.in/yaml/v3)", // not in only
				"internal/config imports go.yaml.in/yaml/v3 (internal/config -> go.yaml.in/yaml/v3)",    // not spec
			},
		},
		{
			name:  "artifacts imports the runner",
			extra: []*pkg{{ImportPath: m("artifacts"), Imports: []string{m("runner")}}},
			want: []string{
				"artifacts imports " + m("runner") + " (artifacts -> runner)",
				"artifacts imports " + m("stages/basic") + " (artifacts -> runner -> stages/basic)",
				"stages/basic imports " + m("runner") + " (stages/basic -> artifacts -> runner)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			graph := map[string]*pkg{}
			for _, p := range slices.Concat(clean, tt.extra) {
				graph[p.ImportPath] = p
			}
			var got []string
			for _, v := range violations(graph, rules) {
				v, _, _ = strings.Cut(v, ": ")
				got = append(got, strings.ReplaceAll(v, module+"/", ""))
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, strings.ReplaceAll(w, module+"/", ""))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
