package basic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
)

// SampleParams configure the sample stage.
type SampleParams struct {
	N      int     `yaml:"n,omitempty" doc:"number of rows"`
	Scale  float64 `yaml:"scale,omitempty" doc:"values are offset + scale * U(0,1)"`
	Offset float64 `yaml:"offset,omitempty" doc:"added to every value"`
	Label  string  `yaml:"label,omitempty" doc:"free text copied into the schema metadata (runner.label)"`
}

// Validate checks cross-field rules.
func (p *SampleParams) Validate() []stages.FieldError {
	if p.N < 0 {
		return []stages.FieldError{{Field: "n", Message: "must be >= 0"}}
	}
	return nil
}

// EstimatedBytes bounds the stage's memory: each row is held as a Go
// struct, an Arrow row and the builders' growth (measured: about 50 bytes
// a row at n = 1e7).
func (p SampleParams) EstimatedBytes() (float64, string) { return 64 * float64(p.N), "n" }

// sampleRow is one row of the sample table.
type sampleRow struct {
	I     int     `arrow:"i" doc:"row index, from 0"`
	Value float64 `arrow:"value" doc:"offset + scale * U(0,1), U drawn from a PCG generator seeded with the stage's derived seed"`
}

var sampleTable = schemas.NewTable[sampleRow]()

func init() {
	stages.Register(stages.Default, stages.Definition[SampleParams]{
		Name:    "sample",
		Version: 1,
		Summary: "A small table of seeded uniform random numbers (smoke tests and runner benchmarks).",
		Doc: "Writes rows (i, value) with value = offset + scale * U(0,1), drawn from a PCG generator seeded " +
			"with the stage's derived seed, so the table changes when the root seed, the stage id or the matrix " +
			"cell changes, and never otherwise.",
		Defaults: SampleParams{N: 10, Scale: 1},
		Examples: []stages.Example{{Title: "Ten numbers in [5, 7)", Params: "n: 10\nscale: 2\noffset: 5\n"}},
		New: func(p SampleParams, env stages.Env) (stages.Stage, error) {
			return &sample{p: p, seed: env.Seed}, nil
		},
	})
}

type sample struct {
	p    SampleParams
	seed uint64
}

func (s *sample) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{stages.TablePort("table", "the rows.", sampleTable)}
}

func (s *sample) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.p.N < 0 {
		return nil, fmt.Errorf("n must be >= 0")
	}
	rng := rand.New(rand.NewPCG(s.seed, 0x5a17))
	rows := make([]sampleRow, s.p.N)
	for i := range rows {
		rows[i] = sampleRow{I: i, Value: s.p.Offset + s.p.Scale*rng.Float64()}
	}
	rec := sampleTable.Record(rows, nil)
	defer rec.Release()
	// Table.Record takes the metadata as a map, which sorts the keys; the
	// table has always carried runner.seed before runner.label, so the
	// columns are rewrapped with that order to keep its bytes.
	meta := arrow.NewMetadata([]string{"runner.seed", "runner.label"}, []string{strconv.FormatUint(s.seed, 10), s.p.Label})
	schema := arrow.NewSchema(rec.Schema().Fields(), &meta)
	return stages.Outputs{"table": array.NewRecordBatch(schema, rec.Columns(), rec.NumRows())}, nil
}
