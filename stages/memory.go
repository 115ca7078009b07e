package stages

import (
	"context"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chaos-runner/runner/spec"
)

// A stage must not allocate more than the memory limit (runner's
// --max-memory, or $RUNNER_MAX_MEMORY): absurd sizes such as `n: 1e12` would
// otherwise kill the whole process with a fatal out-of-memory error,
// abandoning every other stage. Where params alone fix the size, the params
// type implements MemoryEstimator and `validate` reports the problem at the
// field, while `apply` fails that one instance before it allocates; where
// only the inputs tell, the stage calls CheckMemory in Run.

// MemoryEstimator is implemented by params types whose stage's peak memory
// follows from the params. EstimatedBytes returns the estimate (a float, so
// absurd sizes cannot overflow) and the field that drives it.
type MemoryEstimator interface {
	EstimatedBytes() (bytes float64, field string)
}

var memLimit atomic.Int64

// DefaultMemoryLimit is half the physical memory, or 4 GiB when that is
// unknown.
func DefaultMemoryLimit() int64 { return defaultLimit() }

var defaultLimit = sync.OnceValue(func() int64 {
	if total := physicalMemory(); total > 0 {
		return total / 2
	}
	return 4 << 30
})

// MemoryLimit is the most a stage may allocate, in bytes.
func MemoryLimit() int64 {
	if l := memLimit.Load(); l > 0 {
		return l
	}
	return DefaultMemoryLimit()
}

// SetMemoryLimit sets the limit (0 restores the default).
func SetMemoryLimit(bytes int64) { memLimit.Store(bytes) }

// MemoryError is a stage's allocation over the limit.
type MemoryError struct {
	Need, Limit float64
	What        string // what needs it, such as "n = 1e+12 points"
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("needs about %s for %s, over the memory limit of %s (raise it with --max-memory or RUNNER_MAX_MEMORY)",
		FormatBytes(e.Need), e.What, FormatBytes(e.Limit))
}

// CheckMemory returns a *MemoryError when need bytes exceed the limit.
// Stages call it before allocating what their inputs size.
func CheckMemory(need float64, what string) error {
	if lim := float64(MemoryLimit()); need > lim || math.IsNaN(need) {
		return &MemoryError{Need: need, Limit: lim, What: what}
	}
	return nil
}

// checkParamsMemory checks the estimate of a MemoryEstimator params value.
func checkParamsMemory(p any) (field string, err error) {
	// Estimators have value receivers: params values are not addressable.
	e, ok := p.(MemoryEstimator)
	if !ok {
		return "", nil
	}
	need, field := e.EstimatedBytes()
	if CheckMemory(need, "") == nil {
		return "", nil // the common case, without printing the field (a million cells)
	}
	what := "these params"
	if field != "" {
		what = field + " = " + paramValue(p, field)
	}
	return field, CheckMemory(need, what)
}

// MemoryProblem returns the params' memory problem as a FieldError, or nil.
// `validate` reports it at plan time.
func MemoryProblem(p Params) *FieldError {
	field, err := checkParamsMemory(p.Value)
	if err == nil {
		return nil
	}
	return &FieldError{Field: field, Message: err.Error()}
}

// paramValue prints the params field with yaml name field.
func paramValue(p any, field string) string {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "?"
	}
	for _, f := range spec.Fields(v.Type()) {
		if f.Name == field {
			return fmt.Sprint(v.FieldByIndex(f.Index).Interface())
		}
	}
	return "?"
}

// overLimit is what Build returns for params over the memory limit: it has
// the stage's ports, so the plan binds, and fails when it runs, alone.
type overLimit struct {
	Stage
	err error
}

func (o overLimit) Run(context.Context, Inputs) (Outputs, error) { return nil, o.err }

// ParseBytes parses a size: a number of bytes ("1e9", "4294967296"), with
// a unit (KB, MB, GB, TB powers of 1000; KiB, MiB, GiB, TiB powers of 1024;
// case-insensitive), or a percentage of physical memory ("50%").
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(f > 0 && f <= 100) {
			return 0, fmt.Errorf("memory size %q: want a percentage in (0, 100]", s)
		}
		return int64(f / 100 * float64(2*DefaultMemoryLimit())), nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1},
	}
	mult := 1.0
	lower := strings.ToLower(t)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			mult, lower = u.mult, strings.TrimSpace(strings.TrimSuffix(lower, u.suffix))
			break
		}
	}
	f, err := strconv.ParseFloat(lower, 64)
	if err != nil || !(f*mult >= 1) || f*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("memory size %q: want bytes such as 4GiB, 512MB, 1e9 or 50%%", s)
	}
	return int64(f * mult), nil
}

// FormatBytes prints a size with a binary unit, such as "7.3 TiB".
func FormatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}

// MemoryLimitFromEnv reads $RUNNER_MAX_MEMORY, if set.
func MemoryLimitFromEnv() (int64, bool, error) {
	v := os.Getenv("RUNNER_MAX_MEMORY")
	if v == "" {
		return 0, false, nil
	}
	b, err := ParseBytes(v)
	if err != nil {
		return 0, true, fmt.Errorf("RUNNER_MAX_MEMORY: %w", err)
	}
	return b, true, nil
}
