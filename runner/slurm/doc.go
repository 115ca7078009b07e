// Package slurm provides a runner.Executor that runs stage instances as Slurm
// batch jobs: every instance that must run becomes a job (or a task of a job
// array) that runs `runner exec-node FILE --node ID --store S` on a compute
// node. The command runner wires it up for `runner apply --executor slurm`.
//
// The executor talks to Slurm through a small Client (submit, query,
// cancel); CLI, the real one, runs sbatch, squeue, scontrol and scancel.
//
// Design choices:
//
//   - The runner stays the scheduler. It submits a node only once all its
//     inputs are in the store, holds the node's key lock while the job runs,
//     checks the entry afterwards, and marks dependents skipped when a node
//     fails. No `--dependency=afterok` chains are submitted, so a failed job
//     can never leave children PENDING forever (DependencyNeverSatisfied on
//     clusters without DependencyParameters=kill_invalid_depend), and a
//     cached or failed branch costs the queue nothing.
//   - The store must be on a filesystem that the submitting host and every
//     compute node mount at the same path (so must the runner binary, the
//     pipeline file and the work directory): jobs write their entries there
//     and the runner reads them back.
//   - One shared poller asks Slurm about every outstanding job at once, one
//     Client.Query per interval (with CLI: one squeue call, then scontrol
//     for the ids squeue no longer lists). Each job also writes its exit
//     code to a file, which settles jobs that have left the controller's
//     memory (MinJobAge) before they were seen.
//   - Cells of one matrix stage that become ready within ArrayWindow of each
//     other are submitted as one job array; the job script holds the
//     index -> node map. Everything else is one job per node.
//   - Stage errors are retried inside the job (exec-node honours the stage's
//     retries and timeout, as the local executor does). A job that ends
//     without a stage verdict (node failure, preemption, out of memory, Slurm
//     time limit, cancelled by someone else, lost) is resubmitted up to the
//     stage's retries.
package slurm
