package artifacts

import "testing"

// A store that prefetched a pipeline's refs and stamp index answers from
// them as a fresh read would; the prefetched index is handed out once, and
// another pipeline's reads are not affected.
func TestPrefetch(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := testKey("a")
	putTest(t, s, a, 10)
	if err := s.SetRef("p", "cell[0]", a); err != nil {
		t.Fatal(err)
	}
	ix := s.OpenStampIndex("p")
	ix.Record(a)
	if err := ix.Save([]Key{a}); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s2.Prefetch("p")
	s2.Prefetch("q") // ignored: one prefetch per store
	if k, ok := s2.Ref("p", "cell[0]"); !ok || k != a {
		t.Errorf("prefetched Ref = %s, %v; want %s", k.Short(), ok, a.Short())
	}
	if _, ok := s2.Ref("q", "cell[0]"); ok {
		t.Error("a ref of another pipeline")
	}
	first := s2.OpenStampIndex("p")
	if !first.Check(a) {
		t.Error("the prefetched stamp index does not vouch for a recorded entry")
	}
	second := s2.OpenStampIndex("p")
	if second == first || !second.Check(a) {
		t.Error("a second OpenStampIndex shares the prefetched index or lost its entries")
	}
	if s2.OpenStampIndex("q").Len() != 0 {
		t.Error("another pipeline's stamp index is not empty")
	}
}
