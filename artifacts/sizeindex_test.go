package artifacts

import (
	"os"
	"testing"
)

func TestSizeIndexChecksSizesAndPersists(t *testing.T) {
	s := newStore(t, false)
	a, b := testKey("a"), testKey("b")
	ma := putTest(t, s, a, 10)
	putTest(t, s, b, 5)

	ix := s.OpenSizeIndex("p")
	if ix.Check(a) {
		t.Fatal("an empty index vouched for an entry")
	}
	ix.Record(a, ma)
	if !ix.Check(a) {
		t.Fatal("a recorded, intact entry failed the check")
	}
	if err := ix.Save(map[Key]bool{a: true, b: true}); err != nil {
		t.Fatal(err)
	}
	ix2 := s.OpenSizeIndex("p")
	if !ix2.Check(a) || ix2.Check(b) {
		t.Fatal("the saved index did not round-trip")
	}
	// A truncated output file, or a rewritten manifest of another size, is
	// no longer vouched for.
	path := s.Path(a, ma.Outputs[0].Port)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, ma.Outputs[0].Bytes-1); err != nil {
		t.Fatal(err)
	}
	if ix2.Check(a) {
		t.Fatal("a truncated entry passed the check")
	}
	// Save prunes keys outside keep.
	if err := ix2.Save(map[Key]bool{b: true}); err != nil {
		t.Fatal(err)
	}
	if len(s.OpenSizeIndex("p").entries) != 0 {
		t.Fatal("Save kept a key outside keep")
	}
}

func TestSizeIndexNeedsSave(t *testing.T) {
	s := newStore(t, false)
	a, b := testKey("a"), testKey("b")
	ma, mb := putTest(t, s, a, 10), putTest(t, s, b, 5)
	ix := s.OpenSizeIndex("p")
	if ix.NeedsSave(2) {
		t.Error("an empty, unchanged index needs saving")
	}
	ix.Record(a, ma)
	ix.Record(b, mb)
	if !ix.NeedsSave(2) {
		t.Error("an index with new entries does not need saving")
	}
	if err := ix.Save(map[Key]bool{a: true, b: true}); err != nil {
		t.Fatal(err)
	}
	ix = s.OpenSizeIndex("p")
	for planned, want := range map[int]bool{2: false, 3: false, 1: true} {
		if got := ix.NeedsSave(planned); got != want {
			t.Errorf("NeedsSave(%d) of an unchanged two-entry index = %v, want %v", planned, got, want)
		}
	}
}
