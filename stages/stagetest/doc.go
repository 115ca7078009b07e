// Package stagetest holds the helpers that stage-family tests share: build a
// registered kind from YAML params as a pipeline file would, run it with
// its outputs checked against the declared ports, and assemble inputs.
package stagetest
