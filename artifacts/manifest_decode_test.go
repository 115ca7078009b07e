package artifacts

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// sampleManifests returns manifests as Put writes them, including awkward
// content (escapes, non-ASCII, surrogate pairs, nulls, empty collections).
func sampleManifests(t testing.TB) [][]byte {
	t.Helper()
	created := time.Date(2026, 1, 2, 3, 4, 5, 600700800, time.UTC)
	ms := []Manifest{
		testManifest(testKey("a")),
		{Key: testKey("b"), Outputs: []FileInfo{}},
		{
			Key: testKey("c"), Kind: "exec \"quoted\" \\ tab\t", Version: -3, Stage: "fit[Lörenz,ñ,😀]",
			Cell:   map[string]string{"system": "Rössler\n", "": "empty", "ctl": "\x01\x1f<>&"},
			Params: json.RawMessage(`{"a":[1,2.5e-3,-0,true,false,null,{"b":"\u00e9\ud83d\ude00"}],"s":"x\"y"}`),
			Seed:   1<<64 - 1, Inputs: map[string][]Key{"none": nil, "empty": {}, "one": {testKey("u")}},
			Outputs: []FileInfo{
				{Port: "a", File: "a.arrow", Rows: 0, Bytes: 1 << 40, SHA256: string(testKey("f")), Schema: "schema:\n  fields: 1\n    - ü: type=utf8"},
			},
			WallSeconds: 1e-300, RunnerVersion: "v1 (devel)", Host: "node-1.cluster", Created: created,
		},
	}
	var out [][]byte
	for i := range ms {
		data, err := encodeManifest(&ms[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	// Hand-written variants: whitespace, escapes the encoder never emits.
	out = append(out,
		[]byte(" {\n \"format\" : 1 , \"key\":\"k\\u0041\\/\", \"outputs\" : [ ] , \"params\": null, \"cell\": null, \"inputs\": {\"x\": null}}\n\t"),
		[]byte(`{"format":1,"seed":0,"version":0,"wall_seconds":-0.0e+0,"created":"2026-01-02T03:04:05Z"}`),
	)
	return out
}

func decodeBoth(data []byte) (fast, slow *manifestFile, fastOK bool, slowErr error) {
	fast = &manifestFile{Manifest: new(Manifest)}
	fastOK = fastDecodeManifest(data, fast)
	slow = &manifestFile{Manifest: new(Manifest)}
	slowErr = json.Unmarshal(data, slow)
	return
}

// TestFastDecodeMatchesJSON checks the specialised decoder against
// encoding/json: it must accept every manifest Put writes, and whenever it
// accepts an input, encoding/json must accept it and decode the same value.
// Mutated manifests exercise the rejection paths.
func TestFastDecodeMatchesJSON(t *testing.T) {
	samples := sampleManifests(t)
	accepted := 0
	check := func(data []byte, mustAccept bool) {
		t.Helper()
		fast, slow, ok, err := decodeBoth(data)
		if ok {
			accepted++
		}
		if mustAccept && !ok {
			t.Fatalf("fast decoder rejected a well-formed manifest:\n%s", data)
		}
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast decoder accepted what encoding/json rejects (%v):\n%q", err, data)
		}
		if fast.Format != slow.Format || !reflect.DeepEqual(fast.Manifest, slow.Manifest) {
			t.Fatalf("decoders differ on %q:\nfast %+v\njson %+v", data, fast.Manifest, slow.Manifest)
		}
	}
	for _, s := range samples {
		check(s, true)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("{}[]:,\"\\ \n0123456789.eE+-tfnul\x00\x1f\x80\xffaA")
	for i := 0; i < 20000; i++ {
		src := samples[rng.IntN(len(samples))]
		data := append([]byte(nil), src...)
		for n := 1 + rng.IntN(3); n > 0 && len(data) > 0; n-- {
			p := rng.IntN(len(data))
			switch rng.IntN(4) {
			case 0: // replace
				data[p] = alphabet[rng.IntN(len(alphabet))]
			case 1: // delete
				data = append(data[:p], data[p+1:]...)
			case 2: // insert
				data = append(data[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[p:]...)...)
			case 3: // truncate
				data = data[:p]
			}
		}
		check(data, false)
	}
	t.Logf("fast decoder accepted %d of %d inputs", accepted, 20000+len(samples))
}

// FuzzFastDecode runs the same property on fuzzer inputs (go test -fuzz).
func FuzzFastDecode(f *testing.F) {
	for _, s := range sampleManifests(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, slow, ok, err := decodeBoth(data)
		if ok && (err != nil || fast.Format != slow.Format || !reflect.DeepEqual(fast.Manifest, slow.Manifest)) {
			t.Fatalf("fast decoder disagrees with encoding/json (%v) on %q", err, data)
		}
	})
}
