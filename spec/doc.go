// Package spec reads pipeline files: it parses YAML into positioned Node
// trees, strictly decodes nodes into Go structs, reports every problem as a
// positioned Diagnostic, and expands the stage matrix into concrete stage
// instances wired by their input selectors.
//
// It is the only package of the runner that imports the YAML library. It
// knows nothing about stage implementations or Arrow: stage kinds are plain
// names, checked by the caller, named matrix selections are resolved through a
// callback (Options.Resolve), and stage parameters are handed on as raw
// *Node trees, to be decoded later with Decode into each kind's params
// struct.
//
// # Pipeline files
//
// A pipeline file has the top-level keys version (required, must be 1), name
// (required), seed (default 0), matrix and stages (required):
//
//	version: 1
//	name: chaos-benchmark
//	seed: 42
//	matrix:
//	  system: {catalog: flows, exclude: [Lorenz96]}
//	  model: [nvar, esn, linear_ar]
//	  exclude: [{system: Lorenz, model: esn}]
//	stages:
//	  data:
//	    kind: generate
//	    foreach: [system]
//	    params: {system: "${system}", n: 10000}
//	  fit:
//	    kind: train
//	    foreach: [system, model]
//	    inputs: {train: "data[${system}].train"}
//	  leaderboard:
//	    kind: collect
//	    inputs: {scores: "fit[*].model"}
//
// A stage with foreach expands to one Instance per matrix cell (the
// cartesian product of the named axes, minus the matrix-level combination
// excludes). "${axis}" is replaced in parameter strings and input selectors;
// "$${" writes a literal "${".
//
// An input selector is "stage.port" for a producer without foreach, or
// "stage[SEL].port" where SEL is "*" (every cell) or one element per
// producer axis, each a value, "${axis}", "*" or "axis=value".
//
// # Decoding rules
//
// Decode and Fields share one rule set: a struct field's name is its yaml tag
// name (or the snake_case of the Go name), a field is required exactly when
// its yaml tag lacks ",omitempty", unknown keys are errors with a
// did-you-mean suggestion, and all problems are reported at once.
package spec
