package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// testKey returns a deterministic key derived from s.
func testKey(s string) Key {
	sum := sha256.Sum256([]byte(s))
	return Key(hex.EncodeToString(sum[:]))
}

// newStore opens a store in a temporary directory; fsync is skipped unless
// sync is true.
func newStore(t testing.TB, sync bool) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), ".runner"))
	if err != nil {
		t.Fatal(err)
	}
	s.noSync = !sync
	return s
}

// testRecord builds a small trajectory table with schema and field metadata.
func testRecord(mem memory.Allocator, n int, offset float64) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "t", Type: arrow.PrimitiveTypes.Float64, Metadata: arrow.NewMetadata([]string{"unit"}, []string{"s"})},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, func() *arrow.Metadata {
		md := arrow.NewMetadata([]string{"system", "params", "seed"}, []string{"Lorenz", `{"sigma":10,"rho":28,"beta":2.6666666666666665}`, "42"})
		return &md
	}())
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Float64Builder).Append(float64(i) * 0.01)
		b.Field(1).(*array.Float64Builder).Append(offset + float64(i*i))
		if i%3 == 0 {
			b.Field(2).(*array.StringBuilder).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("row-%d", i))
		}
	}
	return b.NewRecordBatch()
}

func testManifest(key Key) Manifest {
	return Manifest{
		Key:           key,
		Kind:          "generate",
		Version:       3,
		Stage:         "data[Lorenz]",
		Cell:          map[string]string{"system": "Lorenz"},
		Params:        json.RawMessage(`{"n":10000,"pts_per_period":100,"system":"Lorenz"}`),
		Seed:          0x9e3779b97f4a7c15,
		Inputs:        map[string][]Key{"train": {testKey("upstream-1")}, "all": {testKey("a"), testKey("b")}},
		WallSeconds:   1.25,
		RunnerVersion: "v0.1.0-test",
	}
}

// putTest stores a two-port entry for key.
func putTest(t testing.TB, s *Store, key Key, rows int) *Manifest {
	t.Helper()
	a := testRecord(memory.DefaultAllocator, rows, 0)
	defer a.Release()
	b := testRecord(memory.DefaultAllocator, rows/2+1, 1000)
	defer b.Release()
	m, err := s.Put(testManifest(key), map[string]arrow.RecordBatch{"train": a, "test": b})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseKey(t *testing.T) {
	k := testKey("x")
	if got, err := ParseKey(string(k)); err != nil || got != k {
		t.Fatalf("ParseKey(valid) = %q, %v", got, err)
	}
	for _, bad := range []string{"", "abc", strings.ToUpper(string(k)), string(k) + "0", "g" + string(k[1:]), "../" + string(k[3:])} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}

func TestPutLookupReadRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := newStore(t, true)
	s.mem = mem
	key := testKey("round-trip")

	train := testRecord(mem, 257, 0)
	defer train.Release()
	test := testRecord(mem, 31, 5)
	defer test.Release()
	in := testManifest(key)
	put, err := s.Put(in, map[string]arrow.RecordBatch{"train": train, "test": test})
	if err != nil {
		t.Fatal(err)
	}
	if put.Key != key || len(put.Outputs) != 2 || put.Outputs[0].Port != "test" || put.Outputs[1].Port != "train" {
		t.Fatalf("Put manifest: %+v", put)
	}
	if put.Host == "" || put.Created.IsZero() {
		t.Errorf("Put did not fill Host/Created: %q %v", put.Host, put.Created)
	}

	got, err := s.Lookup(key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != in.Kind || got.Version != in.Version || got.Stage != in.Stage || got.Seed != in.Seed ||
		!reflect.DeepEqual(got.Cell, in.Cell) || !reflect.DeepEqual(got.Inputs, in.Inputs) ||
		string(got.Params) != string(in.Params) || got.WallSeconds != in.WallSeconds ||
		got.RunnerVersion != in.RunnerVersion || !got.Created.Equal(put.Created) {
		t.Errorf("Lookup manifest differs:\n got %+v\nwant %+v", got, put)
	}
	if !reflect.DeepEqual(got.Outputs, put.Outputs) {
		t.Errorf("outputs differ:\n got %+v\nwant %+v", got.Outputs, put.Outputs)
	}
	o, _ := got.Output("train")
	if o.Rows != 257 || o.Schema != train.Schema().String() || o.Bytes <= 0 {
		t.Errorf("train FileInfo: %+v", o)
	}

	rec, err := s.Read(key, "train")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if !rec.Schema().Equal(train.Schema()) || !reflect.DeepEqual(rec.Schema().Metadata(), train.Schema().Metadata()) {
		t.Errorf("schema not preserved:\n got %v\nwant %v", rec.Schema(), train.Schema())
	}
	if md := rec.Schema().Field(0).Metadata; !reflect.DeepEqual(md, train.Schema().Field(0).Metadata) {
		t.Errorf("field metadata not preserved: %v", md)
	}
	if !array.RecordEqual(rec, train) {
		t.Error("train data differs")
	}

	all, err := s.ReadAll(key)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || !array.RecordEqual(all["test"], test) {
		t.Error("ReadAll differs")
	}
	for _, r := range all {
		r.Release()
	}
	if _, err := s.Read(key, "nope"); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("Read of unknown port: %v", err)
	}
	if err := s.Verify(key); err != nil {
		t.Errorf("Verify: %v", err)
	}

	// The stored file is a plain Arrow IPC file.
	plain, err := ReadIPCFile(s.Path(key, "train"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Release()
	if !array.RecordEqual(plain, train) {
		t.Error("ReadIPCFile differs")
	}

	// Determinism: the same record stored under another key gives the same bytes.
	key2 := testKey("round-trip-2")
	put2, err := s.Put(testManifest(key2), map[string]arrow.RecordBatch{"train": train, "test": test})
	if err != nil {
		t.Fatal(err)
	}
	if put2.Outputs[1].SHA256 != put.Outputs[1].SHA256 {
		t.Error("equal records gave different files")
	}

	if keys, err := s.List(); err != nil || len(keys) != 2 {
		t.Errorf("List = %v, %v", keys, err)
	}
	if _, err := s.Lookup(testKey("absent")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup(absent) = %v, want ErrNotFound", err)
	}
	if _, err := s.Lookup("nothex"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup(invalid key) = %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Root(), tmpDir)); len(entries) != 0 {
		t.Errorf("tmp not empty after Put: %v", entries)
	}
}

func TestPutRejects(t *testing.T) {
	s := newStore(t, false)
	rec := testRecord(memory.DefaultAllocator, 3, 0)
	defer rec.Release()
	for name, tc := range map[string]struct {
		m   Manifest
		out map[string]arrow.RecordBatch
	}{
		"no key":      {Manifest{}, map[string]arrow.RecordBatch{"a": rec}},
		"bad port":    {Manifest{Key: testKey("p")}, map[string]arrow.RecordBatch{"../x": rec}},
		"dot port":    {Manifest{Key: testKey("p")}, map[string]arrow.RecordBatch{".x": rec}},
		"nil record":  {Manifest{Key: testKey("p")}, map[string]arrow.RecordBatch{"a": nil}},
		"bad params":  {Manifest{Key: testKey("p"), Params: json.RawMessage("{")}, map[string]arrow.RecordBatch{"a": rec}},
		"upper key":   {Manifest{Key: Key(strings.ToUpper(string(testKey("p"))))}, nil},
		"short key":   {Manifest{Key: "ab"}, nil},
		"key escapes": {Manifest{Key: Key("../../" + string(testKey("p"))[6:])}, nil},
	} {
		if _, err := s.Put(tc.m, tc.out); err == nil {
			t.Errorf("%s: Put succeeded", name)
		}
	}
	if keys, _ := s.List(); len(keys) != 0 {
		t.Errorf("entries after rejected Puts: %v", keys)
	}
}

func TestPutExistingKeepsFirst(t *testing.T) {
	s := newStore(t, false)
	key := testKey("twice")
	first := putTest(t, s, key, 10)
	second := putTest(t, s, key, 10)
	if !second.Created.Equal(first.Created) {
		t.Errorf("second Put returned a new manifest (%v), want the existing one (%v)", second.Created, first.Created)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Root(), tmpDir)); len(entries) != 0 {
		t.Errorf("tmp not empty: %v", entries)
	}
}

// TestCorruption damages entries in every way and checks who notices.
func TestCorruption(t *testing.T) {
	type damage struct {
		name   string
		do     func(t *testing.T, s *Store, k Key)
		lookup bool // Lookup (cheap) must notice; otherwise Read and Verify must
	}
	chmodW := func(t *testing.T, p string) {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	damages := []damage{
		{"truncated", func(t *testing.T, s *Store, k Key) {
			p := s.Path(k, "train")
			chmodW(t, p)
			fi, _ := os.Stat(p)
			if err := os.Truncate(p, fi.Size()-9); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"grown", func(t *testing.T, s *Store, k Key) {
			p := s.Path(k, "train")
			chmodW(t, p)
			f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte("x"))
			f.Close()
		}, true},
		{"flipped byte", func(t *testing.T, s *Store, k Key) {
			p := s.Path(k, "train")
			chmodW(t, p)
			data, _ := os.ReadFile(p)
			data[len(data)/2] ^= 0x40
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"missing file", func(t *testing.T, s *Store, k Key) {
			if err := os.Remove(s.Path(k, "train")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"file replaced by dir", func(t *testing.T, s *Store, k Key) {
			p := s.Path(k, "train")
			os.Remove(p)
			os.Mkdir(p, 0o755)
		}, true},
		{"garbage manifest", func(t *testing.T, s *Store, k Key) {
			p := filepath.Join(s.Dir(k), manifestName)
			chmodW(t, p)
			if err := os.WriteFile(p, []byte("{\"key\": garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"empty manifest", func(t *testing.T, s *Store, k Key) {
			p := filepath.Join(s.Dir(k), manifestName)
			chmodW(t, p)
			os.WriteFile(p, nil, 0o644)
		}, true},
		{"manifest of another key", func(t *testing.T, s *Store, k Key) {
			p := filepath.Join(s.Dir(k), manifestName)
			chmodW(t, p)
			data, _ := os.ReadFile(p)
			data = []byte(strings.Replace(string(data), string(k), string(testKey("other")), 1))
			os.WriteFile(p, data, 0o644)
		}, true},
		{"manifest port escapes", func(t *testing.T, s *Store, k Key) {
			p := filepath.Join(s.Dir(k), manifestName)
			chmodW(t, p)
			data, _ := os.ReadFile(p)
			data = []byte(strings.Replace(string(data), `"train.arrow"`, `"../../x.arrow"`, 1))
			os.WriteFile(p, data, 0o644)
		}, true},
		{"manifest missing", func(t *testing.T, s *Store, k Key) {
			if err := os.Remove(filepath.Join(s.Dir(k), manifestName)); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			s := newStore(t, false)
			k := testKey(d.name)
			putTest(t, s, k, 100)
			d.do(t, s, k)

			_, err := s.Lookup(k)
			var ce *CorruptError
			if d.lookup {
				if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || ce.Key != k || ce.Reason == "" {
					t.Fatalf("Lookup = %v, want *CorruptError", err)
				}
				t.Logf("Lookup: %v", err)
			} else if err != nil {
				t.Fatalf("Lookup = %v, want the cheap check to pass", err)
			}
			if rec, err := s.Read(k, "train"); !errors.Is(err, ErrCorrupt) {
				if rec != nil {
					rec.Release()
				}
				t.Errorf("Read = %v, want ErrCorrupt", err)
			} else if !d.lookup {
				t.Logf("Read: %v", err)
			}
			if err := s.Verify(k); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify = %v, want ErrCorrupt", err)
			}
			if err := s.Export(k, t.TempDir()); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Export = %v, want ErrCorrupt", err)
			}
			// The intact port still reads.
			if d.lookup == false {
				rec, err := s.Read(k, "test")
				if err != nil {
					t.Errorf("Read(intact port) = %v", err)
				} else {
					rec.Release()
				}
			}
			// A Put over a corrupt entry replaces it.
			putTest(t, s, k, 100)
			if err := s.Verify(k); err != nil {
				t.Errorf("after re-Put: %v", err)
			}
			// Remove then Lookup: not found; Remove is idempotent.
			if err := s.Remove(k); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Lookup(k); !errors.Is(err, ErrNotFound) {
				t.Errorf("after Remove: %v", err)
			}
			if err := s.Remove(k); err != nil {
				t.Errorf("second Remove: %v", err)
			}
		})
	}
}

// TestCrashLeftovers simulates crashes during Put: a complete-looking
// directory left in tmp/ and an entry directory without a manifest are never
// entries.
func TestCrashLeftovers(t *testing.T) {
	s := newStore(t, false)
	good := testKey("good")
	putTest(t, s, good, 10)

	// Crash before the rename: the whole entry sits in tmp/ under a dead pid.
	crashed := testKey("crashed")
	deadPID := deadPID(t)
	leftover := filepath.Join(s.Root(), tmpDir, fmt.Sprintf("put-%s.%d.deadbeef.%s", crashed.Short(), deadPID, safeHost(s.host)))
	if err := os.CopyFS(leftover, os.DirFS(s.Dir(good))); err != nil {
		t.Fatal(err)
	}
	// A live writer's temp dir (ours) must survive GC.
	live := filepath.Join(s.Root(), tmpDir, s.tmpName("put-live"))
	if err := os.Mkdir(live, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(crashed); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup(crashed) = %v, want ErrNotFound", err)
	}

	// A directory at the final place without a manifest (say, copied in by
	// hand) is not an entry either.
	noManifest := testKey("no-manifest")
	if err := os.MkdirAll(s.Dir(noManifest), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.Dir(noManifest), "train.arrow"), []byte("partial"), 0o644)
	if _, err := s.Lookup(noManifest); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Lookup(no manifest) = %v, want ErrCorrupt", err)
	}
	keys, err := s.List()
	if err != nil || len(keys) != 1 || keys[0] != good {
		t.Errorf("List = %v, %v; want only %s", keys, err, good.Short())
	}
	// Put succeeds over the manifest-less directory.
	putTest(t, s, noManifest, 5)
	if err := s.Verify(noManifest); err != nil {
		t.Errorf("Put over manifest-less dir: %v", err)
	}

	removed, freed, err := s.GC(map[Key]bool{good: true, noManifest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 0 || freed <= 0 {
		t.Errorf("GC removed %v, freed %d; want nothing removed and the leftover freed", removed, freed)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("crashed tmp dir survived GC: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live tmp dir removed by GC: %v", err)
	}
}

func TestGC(t *testing.T) {
	s := newStore(t, false)
	var keys []Key
	for i := 0; i < 4; i++ {
		k := testKey(fmt.Sprint("gc", i))
		putTest(t, s, k, 20)
		keys = append(keys, k)
	}
	// A damaged entry not kept is removed too.
	os.Remove(filepath.Join(s.Dir(keys[3]), manifestName))
	removed, freed, err := s.GC(map[Key]bool{keys[0]: true, keys[2]: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{keys[1], keys[3]}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	if !reflect.DeepEqual(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	if freed <= 0 {
		t.Errorf("freed %d", freed)
	}
	got, _ := s.List()
	if len(got) != 2 {
		t.Errorf("List after GC = %v", got)
	}
	for _, k := range []Key{keys[0], keys[2]} {
		if err := s.Verify(k); err != nil {
			t.Errorf("kept entry damaged: %v", err)
		}
	}
}

func TestExport(t *testing.T) {
	s := newStore(t, false)
	k := testKey("export")
	putTest(t, s, k, 40)
	dir := filepath.Join(t.TempDir(), "out")
	if err := s.Export(k, dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("exported %v", ents)
	}
	for _, port := range []string{"train", "test"} {
		want, err := s.Read(k, port)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadIPCFile(filepath.Join(dir, port+".arrow"))
		if err != nil {
			t.Fatal(err)
		}
		if !array.RecordEqual(got, want) || !reflect.DeepEqual(got.Schema().Metadata(), want.Schema().Metadata()) {
			t.Errorf("exported %s differs", port)
		}
		got.Release()
		want.Release()
	}
	if err := s.Export(testKey("absent"), dir); !errors.Is(err, ErrNotFound) {
		t.Errorf("Export(absent) = %v", err)
	}
}

func TestReadIPCFileBatches(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	a := testRecord(mem, 5, 0)
	defer a.Release()
	b := testRecord(mem, 7, 100)
	defer b.Release()

	// Several batches are concatenated.
	p := filepath.Join(dir, "multi.arrow")
	f, _ := os.Create(p)
	if err := writeBatches(f, a.Schema(), a, b); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rec, err := ReadIPCFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if rec.NumRows() != 12 || !reflect.DeepEqual(rec.Schema().Metadata(), a.Schema().Metadata()) {
		t.Errorf("concatenated: %d rows, schema %v", rec.NumRows(), rec.Schema())
	}
	if v := rec.Column(1).(*array.Float64).Value(5); v != 100 {
		t.Errorf("row 5 x = %v, want 100", v)
	}
	rec.Release()

	// No batch: an empty record with the schema.
	p = filepath.Join(dir, "empty.arrow")
	f, _ = os.Create(p)
	if err := writeBatches(f, a.Schema()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rec, err = ReadIPCFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if rec.NumRows() != 0 || !rec.Schema().Equal(a.Schema()) {
		t.Errorf("empty file: %d rows, %v", rec.NumRows(), rec.Schema())
	}
	rec.Release()

	// Not an Arrow file.
	os.WriteFile(p, []byte("PAR1 not arrow"), 0o644)
	if _, err := ReadIPCFile(p); err == nil {
		t.Error("ReadIPCFile accepted garbage")
	}
}
