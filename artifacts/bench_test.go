package artifacts

import (
	"fmt"
	"testing"
)

// BenchmarkLookup measures the cache-hit check of a no-op apply: a
// two-port entry with params, cell and inputs (a manifest of about 1.9 KB).
func BenchmarkLookup(b *testing.B) {
	s := newStore(b, false)
	const n = 64
	keys := make([]Key, n)
	for i := range keys {
		keys[i] = testKey(fmt.Sprint("bench", i))
		putTest(b, s, keys[i], 50)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Lookup(keys[i%n]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupMiss measures Lookup of an absent key (a first apply).
func BenchmarkLookupMiss(b *testing.B) {
	s := newStore(b, false)
	k := testKey("absent")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Lookup(k); err == nil {
			b.Fatal("found")
		}
	}
}

// BenchmarkSetRef measures SetRef of a changed ref.
func BenchmarkSetRef(b *testing.B) {
	s := newStore(b, false)
	k1, k2 := testKey("1"), testKey("2")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := k1
		if (i/100)%2 == 1 {
			k = k2
		}
		if err := s.SetRef("chaos-benchmark", fmt.Sprintf("fit[Lorenz,nvar%d]", i%100), k); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJournalAppend measures one "cached" line, as a no-op apply
// writes for every stage.
func BenchmarkJournalAppend(b *testing.B) {
	s := newStore(b, false)
	j, err := s.NewJournal("bench")
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	e := JournalEntry{Stage: "fit[Lorenz,nvar]", Cell: map[string]string{"system": "Lorenz", "model": "nvar"}, Key: testKey("j"), Status: StatusCached}
	b.ReportAllocs()
	for b.Loop() {
		if err := j.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRef measures Ref of an existing ref (read on every apply).
func BenchmarkRef(b *testing.B) {
	s := newStore(b, false)
	if err := s.SetRef("chaos-benchmark", "fit[Lorenz,nvar]", testKey("1")); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Ref("chaos-benchmark", "fit[Lorenz,nvar]"); !ok {
			b.Fatal("no ref")
		}
	}
}
