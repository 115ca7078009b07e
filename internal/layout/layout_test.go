package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/chaos-runner/runner"

// deps lists the packages pkg imports, transitively, standard library excluded.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestSciencePackagesStayPlainGo keeps systems, solvers, models and metrics
// usable as plain Go libraries: only the standard library, gonum, each
// other and internal/suggest (standard library only), never Arrow, YAML
// or the runner.
func TestSciencePackagesStayPlainGo(t *testing.T) {
	science := map[string]bool{module + "/systems": true, module + "/solvers": true, module + "/models": true, module + "/metrics": true}
	for pkg := range science {
		for _, d := range deps(t, strings.TrimPrefix(pkg, module+"/")) {
			switch {
			case science[d], strings.HasPrefix(d, "gonum.org/v1/gonum/"), d == module+"/internal/suggest":
			default:
				t.Errorf("%s imports %s", pkg, d)
			}
		}
	}
}

// TestOnlySpecImportsYAML keeps the YAML library behind package spec.
func TestOnlySpecImportsYAML(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "go.yaml.in/yaml") && f[0] != module+"/spec" {
				t.Errorf("%s imports %s; only spec may", f[0], imp)
			}
		}
	}
}

// TestStagesDoNotImportTheRunner keeps the dependency arrows one way:
// runner imports spec, stages and artifacts; stage families never import
// runner or cmd.
func TestStagesDoNotImportTheRunner(t *testing.T) {
	for _, pkg := range []string{"stages/all", "spec", "artifacts"} {
		for _, d := range deps(t, pkg) {
			if d == module+"/runner" || strings.HasPrefix(d, module+"/cmd/") {
				t.Errorf("%s imports %s", pkg, d)
			}
		}
	}
}

// TestSuggestIsStdlibOnly keeps internal/suggest free of imports, so the
// science packages may use it.
func TestSuggestIsStdlibOnly(t *testing.T) {
	if d := deps(t, "internal/suggest"); len(d) != 1 || d[0] != module+"/internal/suggest" {
		t.Errorf("internal/suggest imports %v", d)
	}
}
