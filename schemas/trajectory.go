package schemas

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column names of trajectory tables.
const (
	ColSystem     = "system"     // string: catalog name
	ColTrajectory = "trajectory" // int64: initial-condition index
	ColStep       = "step"       // int64: sample index from the trajectory start
	ColTime       = "time"       // float64: time (iterations for maps)
)

// StateColumn names the i-th state coordinate column: x0, x1, ...
func StateColumn(i int) string { return "x" + strconv.Itoa(i) }

// TrajectoryKey is the part of every trajectory schema a consumer may rely
// on; the state columns x0..x{d-1} follow and depend on the systems.
var TrajectoryKey = arrow.NewSchema([]arrow.Field{
	{Name: ColSystem, Type: arrow.BinaryTypes.String},
	{Name: ColTrajectory, Type: arrow.PrimitiveTypes.Int64},
	{Name: ColStep, Type: arrow.PrimitiveTypes.Int64},
	{Name: ColTime, Type: arrow.PrimitiveTypes.Float64},
}, nil)

// Trajectory returns the schema of a trajectory table with dim state
// columns (NaN where a system has fewer coordinates) and the given metadata.
func Trajectory(dim int, meta map[string]string) *arrow.Schema {
	fields := append([]arrow.Field(nil), TrajectoryKey.Fields()...)
	for i := 0; i < dim; i++ {
		fields = append(fields, arrow.Field{Name: StateColumn(i), Type: arrow.PrimitiveTypes.Float64})
	}
	md := arrow.MetadataFrom(meta)
	return arrow.NewSchema(fields, &md)
}

// StateDim counts the state columns x0, x1, ... of a trajectory schema.
func StateDim(s *arrow.Schema) (int, error) {
	d := 0
	for s.HasField(StateColumn(d)) {
		d++
	}
	if d == 0 {
		return 0, fmt.Errorf("table has no state columns (x0, x1, ...)")
	}
	return d, nil
}
