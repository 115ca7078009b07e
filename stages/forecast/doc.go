// Package forecast is the `train` and `forecast` stages: it adapts the
// models package to Arrow tables. `train` fits one model per system of a
// trajectory table and writes the fitted snapshots as a table (one row per
// system and weight array) that round-trips exactly to models.Family.Load;
// `forecast` loads them and rolls each test trajectory out, flagging
// divergence in the rows instead of failing.
//
// A typical pipeline fragment (Gilpin 2023 standard task: fit on 1,000
// points at 100 points per period, forecast 200):
//
//	data:
//	  kind: generate
//	  foreach: [system]
//	  params: {system: "${system}", n: 1200, test_points: 200}
//	fit:
//	  kind: train
//	  foreach: [system, model]
//	  inputs: {train: data[${system}].train}
//	  params: {model: "${model}"}
//	predict:
//	  kind: forecast
//	  foreach: [system, model]
//	  inputs:
//	    model: fit[${system},${model}].model
//	    test: data[${system}].test
//	    history: data[${system}].train
//	  params: {horizon: 200}
package forecast
