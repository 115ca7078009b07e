package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "abc", 0},
		{"Lorenz69", "Lorenz96", 1}, // a swap is one edit
		{"kitten", "sitting", 3},
		{"test_pts", "test_points", 3},
		{"sïstem", "system", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	tests := []struct {
		got        string
		candidates []string
		want       string
	}{
		{"test_pts", []string{"n", "test_points", "train_points"}, "test_points"},
		{"nvr", []string{"naive", "nvar", "esn"}, "nvar"},
		{"Lorenz69", []string{"Lorenz", "Lorenz96"}, "Lorenz96"},
		{"lorenz", []string{"Lorenz", "Rossler"}, "Lorenz"}, // case is one rule with spelling
		{"Lornz", []string{"Lorenz84", "Lorenz"}, "Lorenz"},
		{"colect", []string{"collect", "sample"}, "collect"},
		{"tabel", []string{"table"}, "table"},
		{"nn", []string{"n"}, "n"},
		{"wei", []string{"ridge", "weights"}, "weights"}, // an abbreviation
		{"we", []string{"weights"}, ""},                  // too short to abbreviate
		{"ab", []string{"ab"}, ""},                       // equal is not a suggestion
		{"xyz", []string{"generate"}, ""},                // too far
		{"", []string{"a"}, ""},                          // nothing to compare
		{"abcd", []string{"abxy", "abcx"}, "abcx"},       // smallest distance wins
		{"ab", []string{"ax", "ay"}, "ax"},               // ties go to the earlier
		{"nothing_like_it", []string{"generate", "train", "collect"}, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.got, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q, %v) = %q, want %q", tt.got, tt.candidates, got, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	if got, want := DidYouMean("nvr", []string{"nvar"}), ` (did you mean "nvar"?)`; got != want {
		t.Errorf("DidYouMean = %q, want %q", got, want)
	}
	if got := DidYouMean("zzz", []string{"nvar"}); got != "" {
		t.Errorf("DidYouMean far = %q, want empty", got)
	}
}
