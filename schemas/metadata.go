package schemas

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// SystemMeta is what a table's schema metadata says about one system.
// Unknown or unusable values (absent, not positive, not finite) are zero.
type SystemMeta struct {
	Family       string  // model family (forecast tables)
	Dim          int     // the system's state dimension
	SampleDt     float64 // sampling step in time units
	LyapunovTime float64 // 1/λmax in time units
}

// SystemsMetadata reads the "systems" schema metadata that generate, train
// and forecast write (a JSON list of objects with system, family, dim,
// sample_dt, lyapunov_time) and the single-system keys system, sample_dt and
// lyapunov_time, which fill what the list leaves unknown. Unparseable
// metadata is ignored: it only supplies defaults.
func SystemsMetadata(sch *arrow.Schema) map[string]SystemMeta {
	out := map[string]SystemMeta{}
	md := sch.Metadata()
	if v, ok := md.GetValue("systems"); ok {
		var list []map[string]any
		if json.Unmarshal([]byte(v), &list) == nil {
			for _, m := range list {
				name, _ := m["system"].(string)
				if name == "" {
					continue
				}
				var sm SystemMeta
				sm.Family, _ = m["family"].(string)
				if f, ok := m["dim"].(float64); ok && f > 0 {
					sm.Dim = int(f)
				}
				sm.SampleDt = positive(m["sample_dt"])
				sm.LyapunovTime = positive(m["lyapunov_time"])
				out[name] = sm
			}
		}
	}
	if name, ok := md.GetValue("system"); ok && name != "" {
		sm := out[name]
		if v, ok := md.GetValue("sample_dt"); ok && sm.SampleDt == 0 {
			sm.SampleDt = parsePositive(v)
		}
		if v, ok := md.GetValue("lyapunov_time"); ok && sm.LyapunovTime == 0 {
			sm.LyapunovTime = parsePositive(v)
		}
		out[name] = sm
	}
	return out
}

func positive(v any) float64 {
	f, ok := v.(float64)
	if !ok || !(f > 0) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func parsePositive(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return positive(f)
}
