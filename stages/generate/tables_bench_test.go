package generate

import (
	"math/rand/v2"
	"testing"

	"github.com/chaos-runner/runner/stages/stagetest"
	"github.com/chaos-runner/runner/systems"
)

// BenchmarkTables times the assembly of the train, test and failures tables
// from integrated trajectories (the integration itself excluded): every
// flow of the catalog, 1,200 points each, a 200-point test tail.
func BenchmarkTables(b *testing.B) {
	names, err := systems.Select("flows")
	if err != nil {
		b.Fatal(err)
	}
	p := Defaults
	p.N, p.TestPoints = 1200, 200
	s := &stage{p: p, names: names}
	rng := rand.New(rand.NewPCG(1, 2))
	results := make([]result, len(names))
	for i, name := range names {
		sys, err := systems.Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		s.maxDim = max(s.maxDim, sys.Dim)
		traj := make([][]float64, p.N)
		for j := range traj {
			traj[j] = make([]float64, sys.Dim)
			for k := range traj[j] {
				traj[j][k] = rng.NormFloat64()
			}
		}
		results[i] = result{name: name, dim: sys.Dim, dt: 0.01, data: [][][]float64{traj},
			info: map[string]any{"system": name, "dim": sys.Dim}}
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.tables(results)
		if err != nil {
			b.Fatal(err)
		}
		stagetest.Release(out)
	}
}
