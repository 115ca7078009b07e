// Package stages defines the stage contract of runner (ports, the Stage
// interface, typed parameter decoding) and the registry of stage kinds from
// which come strict decoding, the JSON Schema of pipeline files, the stage
// reference documentation and the example checks.
//
// A stage family lives in its own sub-package, a thin adapter between Arrow
// tables and a science package, and registers itself from init:
//
//	func init() {
//		stages.Register(stages.Default, stages.Definition[Params]{
//			Name: "generate", Version: 1, Summary: "...",
//			Defaults: Params{N: 1000},
//			New:      newStage,
//		})
//	}
package stages
