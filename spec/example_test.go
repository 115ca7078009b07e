package spec_test

import (
	"fmt"

	"github.com/chaos-runner/runner/spec"
)

func ExampleParse() {
	src := `version: 1
name: demo
matrix:
  system: [Lorenz, Rossler]
stages:
  data:
    kind: generate
    foreach: [system]
    params: {system: "${system}", n: 1000}
  summary:
    kind: collect
    inputs: {all: "data[*].table"}
`
	p, ds := spec.Parse("demo.yaml", []byte(src), spec.Options{})
	if len(ds) > 0 {
		fmt.Println(ds)
		return
	}
	for _, in := range p.Instances {
		fmt.Printf("%s cell=[%s] params=%d inputs=%d\n", in.ID, in.Cell.Label(), len(in.Params.Entries), len(in.Inputs))
	}
	// Output:
	// data[Lorenz] cell=[Lorenz] params=2 inputs=0
	// data[Rossler] cell=[Rossler] params=2 inputs=0
	// summary cell=[] params=0 inputs=1
}

func ExampleDecode() {
	type fitParams struct {
		Model string  `yaml:"model"`
		Ridge float64 `yaml:"ridge,omitempty"`
	}
	n, _ := spec.ParseNode("fit.yaml", []byte("model: nvar\nridg: 1e-3\n"))
	p := fitParams{Ridge: 1e-6}
	fmt.Println(spec.Decode(n, "stages.fit.params", &p))
	// Output:
	// fit.yaml:2:1: stages.fit.params: unknown field "ridg" (did you mean "ridge"?)
}
