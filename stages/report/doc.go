// Package report is the `report` stage: one self-contained HTML page and a
// Markdown summary of a benchmark, drawn from the tables of the stages that
// computed it (leaderboard, metrics, forecasts and their truth, invariants,
// clustering, solver evaluation). Every input is optional: a section whose
// input is not connected is left out.
//
// The page opens with no network: figures are PNG images embedded as data:
// URIs (each also output as SVG under figures/), the CSS is inline and
// there are no scripts or fonts to fetch.
//
// Provenance is split in two so that the report stays cached and
// bitwise-reproducible: the report holds what belongs to its inputs (the
// producing instance and cache key of every table, its own params and
// seed); what changes from run to run (run id, host, runner version, the
// pipeline file's digest and root seed, what was cached and what ran, the
// stage failures of the run) is written by `runner apply` into run.json
// beside the published files.
package report
