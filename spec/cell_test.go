package spec

import (
	"reflect"
	"testing"
)

// TestCellRenderings pins the two renderings of a cell: String for
// messages, journals and manifests, Label for instance ids.
func TestCellRenderings(t *testing.T) {
	tests := []struct {
		cell       Cell
		str, label string
		m          map[string]string
	}{
		{nil, "", "", map[string]string{}},
		{Cell{{"system", "Lorenz"}}, "system=Lorenz", "Lorenz", map[string]string{"system": "Lorenz"}},
		{Cell{{"system", "Lorenz"}, {"model", "nvar"}}, "system=Lorenz,model=nvar", "Lorenz,nvar",
			map[string]string{"system": "Lorenz", "model": "nvar"}},
	}
	for _, tt := range tests {
		if got := tt.cell.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.cell.Label(); got != tt.label {
			t.Errorf("Label() = %q, want %q", got, tt.label)
		}
		if got := tt.cell.Map(); !reflect.DeepEqual(got, tt.m) {
			t.Errorf("Map() = %v, want %v", got, tt.m)
		}
	}
}
