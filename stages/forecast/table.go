package forecast

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/systems"
)

// trajectoryInput is the schema accepted on trajectory inputs: the key
// columns and at least one state column.
var trajectoryInput = schemas.Trajectory(1, nil)

// readTrajectories decodes a trajectory table with schemas.ReadTrajectories
// and cuts every state to its system's dimension (TrajectorySet.SystemDim:
// the "systems" metadata, else the columns that hold a value for that
// system), so a model never sees the NaN padding of a multi-system table.
func readTrajectories(rec arrow.RecordBatch) (*schemas.TrajectorySet, error) {
	t, err := schemas.ReadTrajectories(rec)
	if err != nil {
		return nil, err
	}
	for _, name := range t.Order {
		d := t.SystemDim(name)
		for _, s := range t.Series[name] {
			for i := range s.X {
				s.X[i] = s.X[i][:d:d]
			}
		}
	}
	return t, nil
}

// sampleDt returns the system's sampling step: the metadata value, else the
// time difference of consecutive rows of its first trajectory, else 1.
func sampleDt(t *schemas.TrajectorySet, name string) float64 {
	if in := t.Meta[name]; in.SampleDt > 0 && !math.IsInf(in.SampleDt, 0) {
		return in.SampleDt
	}
	for _, s := range t.Series[name] {
		for i := 1; i < s.Len(); i++ {
			dt := (s.Times[i] - s.Times[i-1]) / float64(s.Steps[i]-s.Steps[i-1])
			if dt > 0 && !math.IsInf(dt, 0) {
				return dt
			}
		}
	}
	return 1
}

// lyapunovTime returns 1/lambda_max of the system in time units: the
// table's metadata value, else the catalog's, else NaN.
func lyapunovTime(t *schemas.TrajectorySet, name string) float64 {
	if in := t.Meta[name]; in.LyapunovTime > 0 && !math.IsInf(in.LyapunovTime, 0) {
		return in.LyapunovTime
	}
	if s, err := systems.Lookup(name); err == nil && s.LyapunovMax > 0 && !math.IsInf(s.LyapunovMax, 0) {
		return 1 / s.LyapunovMax
	}
	return math.NaN()
}
