package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/artifacts"

	"github.com/chaos-runner/runner/stages"
)

// Fake stage kinds for runner tests. Every Run appends the instance id to
// runLog (and, when RUNNER_TEST_RUNLOG is set, to that file, so tests can
// count runs across processes).

var tableSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int64},
	{Name: "v", Type: arrow.PrimitiveTypes.Float64},
}, nil)

type runLogT struct {
	mu  sync.Mutex
	ids []string
}

var runLog runLogT

func (r *runLogT) add(id string) {
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
	if path := os.Getenv("RUNNER_TEST_RUNLOG"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, id)
			f.Close()
		}
	}
}

func (r *runLogT) take() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]int{}
	for _, id := range r.ids {
		m[id]++
	}
	r.ids = nil
	return m
}

type srcParams struct {
	N     int           `yaml:"n,omitempty"`
	Fail  bool          `yaml:"fail,omitempty"`
	Sleep time.Duration `yaml:"sleep,omitempty"`
	// FailTimes makes the first FailTimes attempts fail (for retries).
	FailTimes int    `yaml:"fail_times,omitempty"`
	Tag       string `yaml:"tag,omitempty"`
}

type addParams struct {
	Delta float64       `yaml:"delta,omitempty"`
	Sleep time.Duration `yaml:"sleep,omitempty"`
	Fail  bool          `yaml:"fail,omitempty"`
}

type gatherParams struct{}

var attempts sync.Map // instance id -> *int

func testRegistry(version int) *stages.Registry {
	r := stages.NewRegistry()
	stages.Register(r, stages.Definition[srcParams]{
		Name: "src", Version: version, Summary: "seeded random table",
		Defaults: srcParams{N: 5},
		Examples: []stages.Example{{Title: "five rows", Params: "n: 5\n"}},
		New: func(p srcParams, env stages.Env) (stages.Stage, error) {
			if p.N < 0 {
				return nil, fmt.Errorf("n must be >= 0")
			}
			return &srcStage{p: p, env: env}, nil
		},
	})
	stages.Register(r, stages.Definition[addParams]{
		Name: "add", Version: 1, Summary: "adds delta",
		Examples: []stages.Example{{Title: "add one", Params: "delta: 1\n"}},
		New:      func(p addParams, env stages.Env) (stages.Stage, error) { return &addStage{p: p, env: env}, nil },
	})
	stages.Register(r, stages.Definition[gatherParams]{
		Name: "gather", Version: 1, Summary: "fan-in sum",
		Examples: []stages.Example{{Title: "sum", Params: "{}\n"}},
		New:      func(p gatherParams, env stages.Env) (stages.Stage, error) { return &gatherStage{env: env}, nil },
	})
	return r
}

type srcStage struct {
	p   srcParams
	env stages.Env
}

func (s *srcStage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{{Name: "table", Schema: tableSchema}}
}

func (s *srcStage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	runLog.add(s.env.ID)
	if err := sleepCtx(ctx, s.p.Sleep); err != nil {
		return nil, err
	}
	if s.p.Fail {
		return nil, fmt.Errorf("told to fail")
	}
	if s.p.FailTimes > 0 {
		v, _ := attempts.LoadOrStore(s.env.ID, new(int))
		n := v.(*int)
		*n++
		if *n <= s.p.FailTimes {
			return nil, fmt.Errorf("flaky attempt %d", *n)
		}
	}
	rng := rand.New(rand.NewPCG(s.env.Seed, 1))
	b := array.NewRecordBuilder(memory.DefaultAllocator, tableSchema)
	defer b.Release()
	for i := 0; i < s.p.N; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float64Builder).Append(rng.Float64())
	}
	return stages.Outputs{"table": b.NewRecordBatch()}, nil
}

type addStage struct {
	p   addParams
	env stages.Env
}

func (s *addStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "in", Schema: tableSchema}}, []stages.Port{{Name: "table", Schema: tableSchema}}
}

func (s *addStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	runLog.add(s.env.ID)
	if err := sleepCtx(ctx, s.p.Sleep); err != nil {
		return nil, err
	}
	if s.p.Fail {
		return nil, fmt.Errorf("add told to fail")
	}
	rec := in.One("in")
	b := array.NewRecordBuilder(memory.DefaultAllocator, tableSchema)
	defer b.Release()
	is := rec.Column(0).(*array.Int64)
	vs := rec.Column(1).(*array.Float64)
	for i := 0; i < int(rec.NumRows()); i++ {
		b.Field(0).(*array.Int64Builder).Append(is.Value(i))
		b.Field(1).(*array.Float64Builder).Append(vs.Value(i) + s.p.Delta)
	}
	return stages.Outputs{"table": b.NewRecordBatch()}, nil
}

type gatherStage struct{ env stages.Env }

func (s *gatherStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "tables", Schema: tableSchema, Many: true}}, []stages.Port{{Name: "table", Schema: tableSchema}}
}

func (s *gatherStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	runLog.add(s.env.ID)
	b := array.NewRecordBuilder(memory.DefaultAllocator, tableSchema)
	defer b.Release()
	for k, it := range in["tables"] {
		vs := it.Record.Column(1).(*array.Float64)
		sum := 0.0
		for i := 0; i < vs.Len(); i++ {
			sum += vs.Value(i)
		}
		b.Field(0).(*array.Int64Builder).Append(int64(k))
		b.Field(1).(*array.Float64Builder).Append(sum)
	}
	return stages.Outputs{"table": b.NewRecordBatch()}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writePipeline writes a pipeline file into dir and returns its path.
func writePipeline(dir, name, body string) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		panic(err)
	}
	return path
}

func entryPath(s *artifacts.Store, key artifacts.Key, file string) string {
	return filepath.Join(s.Dir(key), file)
}
