package main

import (
	"reflect"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	for in, want := range map[string][]string{
		"":                              nil,
		"  ":                            nil,
		"--qos=short -p debug":          {"--qos=short", "-p", "debug"},
		`--comment='a b' --x="c \"d\""`: {"--comment=a b", `--x=c "d"`},
		`a\ b ''`:                       {"a b", ""},
	} {
		got, err := splitArgs(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`'open`, `"open`} {
		if _, err := splitArgs(in); err == nil {
			t.Errorf("splitArgs(%q): no error", in)
		}
	}
}
