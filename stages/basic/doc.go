// Package basic holds the general-purpose stage kinds: collect (fan-in of
// many tables into one) and sample (a small seeded random table, for smoke
// tests and benchmarks of the runner itself).
package basic
