package spec

import "testing"

func TestScalarTag(t *testing.T) {
	for v, want := range map[string]string{
		"1": "!!int", "-12": "!!int", "+3": "!!int", "0.1": "!!float", ".5": "!!float", "1e3": "!!float",
		"1.5E-3": "!!float", "99999999999999999999": "!!float", "true": "!!bool", "false": "!!bool",
		"": "!!str", "Lorenz": "!!str", "1e": "!!str", "-": "!!str", ".": "!!str", "1.2.3": "!!str",
		"1-2": "!!str", "e5": "!!str", "0x10": "!!str", "inf": "!!str", "1e+": "!!str",
	} {
		if got := scalarTag(v); got != want {
			t.Errorf("scalarTag(%q) = %s, want %s", v, got, want)
		}
	}
}
