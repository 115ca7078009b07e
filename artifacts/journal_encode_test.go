package artifacts

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// The fast journal encoder must produce exactly what encoding/json does.
func TestJournalLineMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	strs := []string{"", "fit[Lorenz,nvar]", `quote " and \ slash`, "<html>&", "tab\tnewline\n", "ünïcode ✓", "\u2028", string([]byte{0xff, 'a'})}
	floats := []float64{0, 1e-7, 1e-6, 0.125, 3.5, 1e20, 1e21, 1e300, -2.5}
	for i := 0; i < 2000; i++ {
		e := JournalEntry{
			Time:        time.Unix(rng.Int64N(2e9), rng.Int64N(1e9)).UTC(),
			Stage:       strs[rng.IntN(len(strs))],
			Status:      strs[rng.IntN(len(strs))],
			WallSeconds: floats[rng.IntN(len(floats))] * rng.Float64(),
			Error:       strs[rng.IntN(len(strs))],
		}
		if rng.IntN(4) == 0 {
			e.Time = e.Time.In(time.FixedZone("x", 5400))
		}
		if rng.IntN(2) == 0 {
			e.Key = Key(strs[rng.IntN(len(strs))])
		}
		if rng.IntN(2) == 0 {
			e.Cell = map[string]string{strs[rng.IntN(len(strs))]: strs[rng.IntN(len(strs))], "system": "Lorenz"}
		}
		want, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJournalLine(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("entry %+v:\nfast %s\njson %s", e, got, want)
		}
	}
}

// The live-run marker's fast key list must produce exactly what
// encoding/json does, for hex keys and (through the fallback) others.
func TestLiveMarkerMatchesEncodingJSON(t *testing.T) {
	hexKey := Key("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	for name, keys := range map[string][]Key{
		"none":     nil,
		"empty":    {},
		"hex":      {hexKey, hexKey},
		"not hex":  {hexKey, `odd "key" <&>`},
		"too long": {hexKey + "00"},
	} {
		m := liveMarker{Run: "r<1>", Host: "h\"ost", PID: 42, Started: time.Unix(1e9, 5).UTC(), TTLSeconds: 120, Keys: keys}
		got, err := m.marshal()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(&m)
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}
