package solvereval

// ResultsTable declares solver_eval's results table, for consumers that
// read it typed (the report stage).
var ResultsTable = resultsTable
