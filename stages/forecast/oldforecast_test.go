package forecast

// Temporary: the hand-built forecast writer this commit replaces, kept to
// prove the declared table writes the same IPC bytes.

import (
	"bytes"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/schemas"
)

// oldForecastRecord is the hand-built writer of forecastStage.output this
// commit replaces, over the same rows.
func oldForecastRecord(rows []ForecastRow, maxDim int, meta map[string]string) arrow.RecordBatch {
	fields := append([]arrow.Field(nil), schemas.Trajectory(maxDim, nil).Fields()...)
	fields = append(fields,
		arrow.Field{Name: ColDiverged, Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: ColFailureStep, Type: arrow.PrimitiveTypes.Int64})
	md := arrow.MetadataFrom(meta)
	schema := arrow.NewSchema(fields, &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	sysB := b.Field(0).(*array.StringBuilder)
	trB := b.Field(1).(*array.Int64Builder)
	stB := b.Field(2).(*array.Int64Builder)
	tmB := b.Field(3).(*array.Float64Builder)
	divB := b.Field(4 + maxDim).(*array.BooleanBuilder)
	fsB := b.Field(5 + maxDim).(*array.Int64Builder)
	for _, r := range rows {
		sysB.Append(r.System)
		trB.Append(r.Trajectory)
		stB.Append(r.Step)
		tmB.Append(r.Time)
		for k := 0; k < maxDim; k++ {
			v := math.NaN()
			if k < len(r.State) {
				v = r.State[k]
			}
			b.Field(4 + k).(*array.Float64Builder).Append(v)
		}
		divB.Append(r.Diverged)
		fsB.Append(r.FailureStep)
	}
	return b.NewRecordBatch()
}

func TestForecastTableBytesUnchanged(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 200, 1000} {
		rows := make([]ForecastRow, n)
		for i := range rows {
			d := 3 + i%2*7
			st := make([]float64, d)
			for k := range st {
				st[k] = float64(i*k) - 0.5
			}
			if i > n/2 {
				st[0] = math.NaN()
			}
			rows[i] = ForecastRow{TrajectoryRow: schemas.TrajectoryRow{System: []string{"Lorenz", "MackeyGlass"}[i%2], Trajectory: int64(i % 3), Step: int64(1000 + i), Time: float64(i) * 0.01}, Diverged: i > n/2, FailureStep: int64(n / 2)}
			rows[i].State = st
		}
		maxDim := 1
		if n > 1 {
			maxDim = 10
		} else if n == 1 {
			maxDim = 3
		}
		meta := map[string]string{"runner.kind": "forecast", "failures": "[]"}
		old := oldForecastRecord(rows, maxDim, meta)
		got := Forecasts.RecordWidth(rows, maxDim, meta)
		if !bytes.Equal(ipcBytes(t, old), ipcBytes(t, got)) {
			t.Errorf("%d rows: IPC bytes differ", n)
		}
		old.Release()
		got.Release()
	}
}
