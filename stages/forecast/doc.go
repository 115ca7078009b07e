// Package forecast is the `tune`, `train` and `forecast` stages: it adapts
// the models package to Arrow tables. `train` fits one model per system of a
// trajectory table and writes the fitted snapshots as a table (one row per
// system and weight array) that round-trips exactly to models.Family.Load;
// `forecast` loads them and rolls each test trajectory out, flagging
// divergence in the rows instead of failing. `tune` chooses hyperparameters
// per system from a grid by validation sMAPE on a separate series, through
// the same fit and forecast code, and `train` fits the choice when its
// `tuned` input is connected.
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
//	  inputs:
//	    train: data[${system}].train
//	  params: {model: "${model}"}
//	predict:
//	  kind: forecast
//	  foreach: [system, model]
//	  inputs:
//	    model: fit[${system},${model}].model
//	    test: data[${system}].test
//	    history: data[${system}].train
//	  params: {horizon: 200}
//
// Gilpin 2023's hyperparameter selection adds a train-IC series (the same
// orbit after a further 1,200 points), tunes on it and fits the choice
// (`${...}` inside a flow mapping is not valid YAML, hence the block style):
//
//	tuning:
//	  kind: generate
//	  foreach: [system]
//	  params: {system: "${system}", n: 1200, transient: 1200, train_fraction: 1}
//	select:
//	  kind: tune
//	  foreach: [system]
//	  inputs:
//	    train: tuning[${system}].train
//	  params: {model: linear_ar, label: linear_ar_gilpin, grid: {lags: [3, 5, 10, 25]}}
//	fit:
//	  kind: train
//	  foreach: [system]
//	  inputs:
//	    train: data[${system}].train
//	    tuned: select[${system}].trials
//	  params: {model: linear_ar, label: linear_ar_gilpin}
package forecast
