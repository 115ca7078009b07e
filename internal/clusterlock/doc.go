// Package clusterlock lets the test binaries of several packages share one
// local Slurm cluster: tests that submit jobs hold the lock shared, a test
// that stops the controller holds it exclusive, so no job of another package
// is submitted while the controller is down (a killed slurmctld forgets the
// jobs it had not saved yet, which the other test would see as lost).
package clusterlock
