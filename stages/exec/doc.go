// Package exec is the exec stage kind: it runs an external command (a
// Python, PyTorch or Node script, any program) on its input tables, written
// as files in the stage's own temporary working directory, and reads back the
// output tables the command writes there, checked against their declared
// schemas. The files the command declares (its scripts) are part of the
// stage's cache key (stages.Fingerprinter), so editing a script reruns
// exactly the stages that use it.
//
// Tables cross the process boundary as Arrow IPC files, Parquet files, CSV
// files or npy files (one 2-D float64 array per table, plus a JSON sidecar
// with the column names, their Arrow types, the codes of string columns and
// the schema metadata), so plain numpy reads them.
package exec
