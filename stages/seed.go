package stages

import (
	"hash/fnv"
)

// NameHash is the 64-bit FNV-1a hash of a name: the stream id a stage gives
// each system or model it handles, so their random streams are independent
// of one another and of their order in the table.
func NameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// SubSeed derives the seed of one named part of a stage (a system of a
// multi-system fit, for example) from the stage seed: splitmix64 of the
// seed xor the name's hash.
func SubSeed(seed uint64, name string) uint64 {
	z := seed ^ NameHash(name) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
