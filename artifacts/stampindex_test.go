package artifacts

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestStampIndexChecksAndPersists(t *testing.T) {
	s := newStore(t, false)
	a, b := testKey("a"), testKey("b")
	putTest(t, s, a, 10)
	mb := putTest(t, s, b, 5)

	ix := s.OpenStampIndex("p")
	if ix.Check(a) {
		t.Fatal("an empty index vouched for an entry")
	}
	ix.Record(a)
	if !ix.Check(a) {
		t.Fatal("a recorded, intact entry failed the check")
	}
	if err := ix.Save([]Key{a, b}); err != nil {
		t.Fatal(err)
	}
	ix2 := s.OpenStampIndex("p")
	if !ix2.Check(a) || ix2.Check(b) {
		t.Fatal("the saved index did not round-trip")
	}
	// A deleted manifest, a file added to the entry, or an entry replaced
	// by a copy is no longer vouched for; a file changed in place is (that
	// is for verify and the readers).
	manifest := filepath.Join(s.Dir(a), manifestName)
	if err := os.Remove(manifest); err != nil {
		t.Fatal(err)
	}
	if ix2.Check(a) {
		t.Fatal("an entry without its manifest passed the check")
	}
	if ix2.Check(b) {
		t.Fatal("an entry never recorded passed the check")
	}
	ix2.Record(b)
	if !ix2.Check(b) {
		t.Fatal("a recorded entry failed the check")
	}
	if err := os.WriteFile(filepath.Join(s.Dir(b), "stray"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if ix2.Check(b) {
		t.Fatal("an entry with a file added passed the check")
	}
	if err := os.Remove(filepath.Join(s.Dir(b), "stray")); err != nil {
		t.Fatal(err)
	}
	ix2.Record(b)
	copyDir := s.Dir(b) + ".copy"
	if err := os.CopyFS(copyDir, os.DirFS(s.Dir(b))); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.Dir(b), s.Dir(b)+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(copyDir, s.Dir(b)); err != nil {
		t.Fatal(err)
	}
	if ix2.Check(b) {
		t.Fatal("an entry replaced by a copy passed the check")
	}
	ix2.Record(b)
	path := s.Path(b, mb.Outputs[0].Port)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, mb.Outputs[0].Bytes-1); err != nil {
		t.Fatal(err)
	}
	if !ix2.Check(b) {
		t.Fatal("a file changed in place failed the cheap check (verify's business)")
	}
	// Save keeps only the plan's keys.
	if err := ix2.Save([]Key{b, testKey("other")}); err != nil {
		t.Fatal(err)
	}
	if ix3 := s.OpenStampIndex("p"); ix3.Len() != 1 || !ix3.Check(b) {
		t.Fatal("Save kept a key outside the plan or lost one in it")
	}
}

func TestStampIndexNeedsSave(t *testing.T) {
	s := newStore(t, false)
	a, b := testKey("a"), testKey("b")
	putTest(t, s, a, 10)
	putTest(t, s, b, 5)
	ix := s.OpenStampIndex("p")
	if ix.NeedsSave(2) {
		t.Error("an empty, unchanged index needs saving")
	}
	ix.Record(a)
	ix.Record(b)
	if !ix.NeedsSave(2) {
		t.Error("an index with new entries does not need saving")
	}
	if err := ix.Save([]Key{a, b}); err != nil {
		t.Fatal(err)
	}
	ix = s.OpenStampIndex("p")
	for planned, want := range map[int]bool{2: false, 3: false, 1: true} {
		if got := ix.NeedsSave(planned); got != want {
			t.Errorf("NeedsSave(%d) of an unchanged two-entry index = %v, want %v", planned, got, want)
		}
	}
}

// Save writes the plan's order; checks of consecutive keys through one
// cursor then find each entry after the previous one, and an index in
// another order is found all the same but asks to be saved again.
func TestStampIndexPlanOrder(t *testing.T) {
	s := newStore(t, false)
	var keys []Key
	ix := s.OpenStampIndex("p")
	for i := range 6 {
		k := testKey(fmt.Sprint("k", i))
		putTest(t, s, k, 3+i)
		ix.Record(k)
		keys = append(keys, k)
	}
	// Plan order, with a key repeated and one without an entry.
	order := append([]Key{keys[3], keys[3], testKey("none")}, keys[:3]...)
	order = append(order, keys[4:]...)
	if err := ix.Save(order); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(ix.path)
	if err != nil {
		t.Fatal(err)
	}
	var got []Key
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		got = append(got, Key(strings.Fields(line)[0]))
	}
	want := append([]Key{keys[3]}, keys[:3]...)
	want = append(want, keys[4:]...)
	if !slices.Equal(got, want) {
		t.Fatalf("saved order %v, want %v", got, want)
	}

	for name, c := range map[string]struct {
		order []Key
		save  bool
	}{
		"plan order": {want, false},
		"reversed":   {[]Key{keys[5], keys[4], keys[2], keys[1], keys[0], keys[3]}, true},
		// A gap is a miss: more than one in a hundred checks (here: any).
		"one node gone": {append(append([]Key{}, want[:2]...), want[3:]...), true},
	} {
		ix := s.OpenStampIndex("p")
		var cur StampCursor
		for _, k := range c.order {
			if !ix.CheckNext(&cur, k) {
				t.Errorf("%s: %s not vouched for", name, k.Short())
			}
		}
		if got := ix.NeedsSave(len(c.order)); got != c.save {
			t.Errorf("%s: NeedsSave = %v, want %v", name, got, c.save)
		}
	}
}
