package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/artifacts"
)

// matrixPipeline is a side x side matrix of trivial stages plus a fan-in.
func matrixPipeline(side int) string {
	vals := make([]string, side)
	for i := range vals {
		vals[i] = fmt.Sprint(i)
	}
	v := strings.Join(vals, ", ")
	return fmt.Sprintf(`version: 1
name: bench
seed: 1
matrix:
  a: [%s]
  b: [%s]
stages:
  cell:
    kind: src
    foreach: [a, b]
    params: {n: 1}
  all:
    kind: gather
    inputs: {tables: "cell[*].table"}
`, v, v)
}

// BenchmarkNoopApply measures a fully cached apply of 10,000 cells plus a
// fan-in: load and expand the file, bind and key the plan, check the store.
func BenchmarkNoopApply(b *testing.B) {
	for _, side := range []int{10, 100} {
		b.Run(fmt.Sprintf("cells=%d", side*side), func(b *testing.B) {
			dir := b.TempDir()
			path := writePipeline(dir, "p.yaml", matrixPipeline(side))
			store, err := artifacts.Open(filepath.Join(dir, "store"))
			if err != nil {
				b.Fatal(err)
			}
			reg := testRegistry(1)
			apply := func() *Result {
				p, ds := Load(path, nil, reg)
				if len(ds) > 0 {
					b.Fatal(ds)
				}
				plan, ds := NewPlan(p, reg)
				if len(ds) > 0 {
					b.Fatal(ds)
				}
				res, err := Apply(context.Background(), plan, store, Options{Jobs: 2})
				if err != nil {
					b.Fatal(err)
				}
				return res
			}
			apply()
			runLog.take()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if res := apply(); res.Ran != 0 {
					b.Fatalf("no-op apply ran %d", res.Ran)
				}
			}
		})
	}
}
