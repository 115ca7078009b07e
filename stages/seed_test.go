package stages

import "testing"

// The FNV-1a test vectors of the reference implementation (Fowler, Noll,
// Vo; draft-eastlake-fnv, appendix C) and the splitmix64 finaliser of
// Steele, Lea and Flood (OOPSLA 2014): SubSeed of seed 0 and "" is
// splitmix64(0xcbf29ce484222325).
func TestNameHashAndSubSeed(t *testing.T) {
	for _, c := range []struct {
		name string
		want uint64
	}{
		{"", 0xcbf29ce484222325},
		{"a", 0xaf63dc4c8601ec8c},
		{"foobar", 0x85944171f73967e8},
	} {
		if got := NameHash(c.name); got != c.want {
			t.Errorf("NameHash(%q) = %#x, want %#x", c.name, got, c.want)
		}
	}
	if SubSeed(1, "Lorenz") == SubSeed(1, "Rossler") || SubSeed(1, "Lorenz") == SubSeed(2, "Lorenz") {
		t.Error("SubSeed does not separate names or seeds")
	}
	// splitmix64 step from state 0xcbf29ce484222325 (the golden-gamma add included).
	z := uint64(0xcbf29ce484222325)
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	if got, want := SubSeed(0, ""), z^(z>>31); got != want {
		t.Errorf("SubSeed(0, \"\") = %#x, want %#x", got, want)
	}
}
