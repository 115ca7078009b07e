// Package schemas holds the Arrow schemas that stages share (trajectories,
// forecasts, metric tables) and the files generated from the stage registry:
// pipeline.schema.json (the JSON Schema of pipeline files, for editors) and
// STAGES.md (the stage reference). Regenerate them with
//
//	go generate ./schemas
//
// A test fails when they are stale.
package schemas

//go:generate go run ./gen
