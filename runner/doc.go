// Package runner plans and applies pipelines.
//
// Plan binds a parsed pipeline (package spec) to the stage registry:
// NewPlan builds every stage instance before anything runs, checks each
// input port's schema against its producer's, and computes each instance's
// seed and content-addressed cache key, so bad params and mismatched ports
// are reported all at once. Plan.Decide says which instances are cached and,
// for the others, which key ingredient changed since the last apply.
//
// Apply walks the plan's DAG in parallel and in dependency order: cached
// instances are skipped, the others run under their key lock, failures skip
// their dependents (and nothing else, unless FailFast), and every outcome
// goes to a run journal in the artifact store.
//
// Computing an instance is an Executor's job. By default it is computed in
// this process, with its retries and timeout; Options.Executor can run it
// elsewhere instead, and Apply keeps the scheduling, locking and cache
// checks either way. Package runner/slurm is the executor that runs each
// instance as a Slurm batch job of `runner exec-node`, which calls
// ExecuteNode on the compute node.
package runner
