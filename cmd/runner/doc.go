// Command runner runs declarative YAML pipelines of typed scientific stages
// as a DAG and caches every stage's output as Arrow files in a
// content-addressed store.
//
//	runner validate pipelines/chaos-benchmark.yaml
//	runner plan     pipelines/chaos-benchmark.yaml
//	runner apply    pipelines/chaos-benchmark.yaml --jobs 2
//	runner run      generate --set system=Lorenz --set n=1000 --format csv
//	runner stages   [KIND]
//
// Exit codes: 0 success, 1 a stage failed, 2 invalid input or usage,
// 130 interrupted.
package main
