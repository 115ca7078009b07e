package stages

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/spec"
)

// Port is a named input or output of a stage.
type Port struct {
	Name string
	// Schema is the Arrow schema of the table on this port. For an output it
	// is what the stage writes; for an input, what it accepts. A nil Schema on
	// an input accepts any table. Fields are compared by name and type; schema
	// metadata is never compared.
	Schema *arrow.Schema
	Doc    string
	// Many marks an input that takes a fan-in: every selected upstream cell.
	Many bool
	// Optional marks an input that may be left unconnected.
	Optional bool
	// Partial marks a fan-in input that tolerates failed producers: when
	// an upstream instance feeding it failed or was skipped, the stage
	// still runs, with that instance delivered as an Item with Missing set
	// and a nil Record. The runner then stores the outputs under a key
	// that names the missing instances, so a complete run never reuses
	// them.
	Partial bool
	// Columns documents the port's table when it is a declared table
	// (TablePort); docs fall back to the schema's names and types.
	Columns []schemas.Column
	// MediaTypes, when not nil, make this a file port (FilePort): it carries
	// files of these media types, published by the runner.
	MediaTypes []string
}

// TablePort declares a port that carries table t: its schema (without
// metadata, and without spread columns: set Schema to t.SchemaWidth when a
// consumer needs some) and its column documentation.
func TablePort[R any](name, doc string, t *schemas.Table[R]) Port {
	return Port{Name: name, Doc: doc, Schema: t.Schema(nil), Columns: t.Columns()}
}

// Cell is a matrix cell: one value per axis, in the stage's foreach order.
// It is spec's type, so the runner hands cells on without converting them.
type Cell = spec.Cell

// AxisValue is one coordinate of a matrix cell.
type AxisValue = spec.AxisValue

// Item is one upstream table delivered on an input port.
type Item struct {
	Stage  string // producing instance id, such as "data[Lorenz]"
	Cell   Cell   // the producer's matrix cell
	Record arrow.RecordBatch
	// Missing is set, on a Partial port, for a producer that failed or
	// was skipped; Record is then nil.
	Missing bool
	// Key is the producer's cache key (set by the runner; "" in stage
	// tests), for provenance: it depends only on the inputs' recipe, so a
	// stage may write it into its outputs without breaking determinism.
	Key string
}

// Inputs maps an input port name to its tables (exactly one unless the port is Many).
type Inputs map[string][]Item

// One returns the single table on port, or nil.
func (in Inputs) One(port string) arrow.RecordBatch {
	items := in[port]
	if len(items) == 0 {
		return nil
	}
	return items[0].Record
}

// Outputs maps an output port name to the table the stage produced. The
// runner takes ownership and releases the records.
type Outputs map[string]arrow.RecordBatch

// Stage is one built, configured instance of a stage kind.
type Stage interface {
	// Ports lists inputs and outputs; they may depend on params.
	Ports() (in, out []Port)
	// Run computes the outputs. It must honour ctx promptly, be deterministic
	// given its params, seed and inputs, and must not keep references to the
	// input records after it returns.
	Run(ctx context.Context, in Inputs) (Outputs, error)
}

// Env is what a constructor learns about the instance it builds besides params.
type Env struct {
	ID   string // instance id, such as "fit[Lorenz,nvar]"
	Cell Cell
	Seed uint64 // derived from (root seed, stage id, cell)
	// Dir is the absolute directory of the pipeline file, against which
	// stages resolve the paths their params name ("" outside a pipeline:
	// the working directory).
	Dir string
}

// Fingerprinter is implemented by stages whose outputs depend on files
// outside the store, such as the scripts an exec stage runs. The plan hashes
// each listed file (a path relative to the pipeline file's directory) into
// the stage's cache key and records the digests with its params, under
// FileDigestsKey, so that editing a file reruns exactly the stages that list
// it and `runner plan` can say which file changed.
type Fingerprinter interface {
	FingerprintFiles() []string
}

// FileDigestsUser is implemented by Fingerprinters that want the digests
// their key was computed from ("sha256:<hex>" by listed path), so that they
// can refuse to run a file edited since the plan: its results would be
// stored under the old file's key.
type FileDigestsUser interface {
	UseFileDigests(map[string]string)
}

// FileDigestsKey is the params key under which the plan records a
// Fingerprinter's file digests (an object from path to "sha256:<hex>").
const FileDigestsKey = "file_digests"

// Volatile is implemented by stages whose outputs must never be cached
// (wall-clock timings, for example): they run on every apply.
type Volatile interface {
	Volatile() bool
}

// Validator is implemented by params types with cross-field rules. It returns
// problems keyed by the yaml field name they concern ("" for the whole map).
type Validator interface {
	Validate() []FieldError
}

// FieldError is a params problem attributed to one field.
type FieldError struct {
	Field   string
	Message string
}
