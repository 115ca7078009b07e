package stages

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"4GiB", 4 << 30}, {"4gib", 4 << 30}, {"512MB", 512e6}, {"1e9", 1e9}, {"2 KiB", 2048},
		{"3G", 3 << 30}, {"100", 100}, {"1.5TB", 1.5e12},
	} {
		got, err := ParseBytes(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "abc", "-3", "0", "0%", "150%", "1e300", "GiB", "nan"} {
		if got, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) = %d, want an error", bad, got)
		}
	}
	if got, err := ParseBytes("50%"); err != nil || got <= 0 {
		t.Errorf("ParseBytes(50%%) = %d, %v", got, err)
	}
}

type bigParams struct {
	N int `yaml:"n,omitempty"`
}

func (p bigParams) EstimatedBytes() (float64, string) { return 8 * float64(p.N), "n" }

// Params over the limit build a stage with the real ports that fails alone,
// with a message naming the param and its value.
func TestBuildOverTheMemoryLimitFailsWhenRun(t *testing.T) {
	r := NewRegistry()
	Register(r, Definition[bigParams]{
		Name: "big", Version: 1, Summary: "test kind",
		New: func(p bigParams, env Env) (Stage, error) { return nopStage{}, nil },
	})
	SetMemoryLimit(1 << 20)
	defer SetMemoryLimit(0)
	k, _ := r.Lookup("big")
	for _, c := range []struct {
		src  string
		fail bool
	}{{"n: 1000", false}, {"n: 1e12", true}} {
		p, ds := decode(t, k, c.src)
		if len(ds) > 0 {
			t.Fatal(ds)
		}
		st, err := k.Build(p, Env{})
		if err != nil {
			t.Fatal(err)
		}
		if _, out := st.Ports(); len(out) != 1 || out[0].Name != "out" {
			t.Errorf("%s: ports %v, want the stage's own", c.src, out)
		}
		_, err = st.Run(context.Background(), nil)
		var me *MemoryError
		if got := errors.As(err, &me); got != c.fail {
			t.Fatalf("%s: Run error %v, want a MemoryError: %v", c.src, err, c.fail)
		}
		if c.fail && !strings.Contains(err.Error(), "for n = 1000000000000, over the memory limit of 1.0 MiB") {
			t.Errorf("message %q", err)
		}
		if fe := MemoryProblem(p); (fe != nil) != c.fail || (fe != nil && fe.Field != "n") {
			t.Errorf("%s: MemoryProblem = %v", c.src, fe)
		}
	}
}
