// Package schemas holds the declared tables that stages share
// (trajectories) and the Table type that declares every output table once,
// as a Go row struct (see Table), plus the files generated from the stage
// registry:
// pipeline.schema.json (the JSON Schema of pipeline files, for editors) and
// STAGES.md (the stage reference). Regenerate them with
//
//	go generate ./schemas
//
// A test fails when they are stale.
package schemas

//go:generate go run ./gen
