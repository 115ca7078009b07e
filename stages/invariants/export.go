package invariants

// Row is one row of the invariants table, exported for consumers that read
// it typed (the report stage).
type Row = invariantsRow

// Table declares the invariants output.
var Table = invariantsTable
