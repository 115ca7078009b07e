package artifacts

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRefs(t *testing.T) {
	s := newStore(t, false)
	k1, k2 := testKey("r1"), testKey("r2")
	names := []string{
		"data[Lorenz]", "fit[Lorenz,nvar]", "score[a/b,../c]", ".hidden", "..", "sp ace%25",
		"ünïcode", "new\nline \"quoted\"", strings.Repeat("long-instance-", 40),
	}
	for _, pipeline := range []string{"chaos-benchmark", "../evil/pipe"} {
		for i, n := range names {
			if _, ok := s.Ref(pipeline, n); ok {
				t.Fatalf("Ref(%q) before SetRef", n)
			}
			if err := s.SetRef(pipeline, n, k1); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if err := s.SetRef(pipeline, n, k2); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, n := range names {
			want := k1
			if i%2 == 0 {
				want = k2
			}
			if got, ok := s.Ref(pipeline, n); !ok || got != want {
				t.Errorf("Ref(%q, %q) = %s, %v; want %s", pipeline, n, got.Short(), ok, want.Short())
			}
		}
		refs, err := s.Refs(pipeline)
		if err != nil || len(refs) != len(names) {
			t.Errorf("Refs(%q) = %d refs, %v; want %d", pipeline, len(refs), err, len(names))
		}
	}
	// Everything stays below refs/.
	err := filepath.WalkDir(s.Root(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(p, filepath.Join(s.Root(), refsDir)+string(filepath.Separator)) {
			t.Errorf("file outside refs/: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pipelines(); err != nil || len(p) != 2 {
		t.Errorf("Pipelines = %v, %v", p, err)
	}
	// Unchanged refs are not rewritten; a fresh Store reads the log back.
	path := s.refLogPath("chaos-benchmark")
	before, _ := os.ReadFile(path)
	if err := s.SetRef("chaos-benchmark", "data[Lorenz]", k2); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); len(after) != len(before) {
		t.Error("unchanged ref rewritten")
	}
	s2, _ := Open(s.Root())
	if got, ok := s2.Ref("chaos-benchmark", "fit[Lorenz,nvar]"); !ok || got != k1 {
		t.Errorf("fresh store: Ref = %s, %v", got.Short(), ok)
	}
	// A torn last line is ignored.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(string(k1) + " \"torn")
	f.Close()
	if refs, err := s.Refs("chaos-benchmark"); err != nil || len(refs) != len(names) {
		t.Errorf("Refs with a torn line = %d, %v", len(refs), err)
	}
	// Compaction keeps the last key of every instance.
	for i := 0; i < 2*refCompactLines+10; i++ {
		k := k1
		if i%2 == 1 {
			k = k2
		}
		if err := s.SetRef("compact", fmt.Sprint("i", i%7), k); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(s.refLogPath("compact"))
	if n := strings.Count(string(data), "\n"); n > refCompactLines {
		t.Errorf("log not compacted: %d lines", n)
	}
	s3, _ := Open(s.Root())
	for i := 0; i < 7; i++ {
		last := 2*refCompactLines + 10 - 1
		for last%7 != i {
			last--
		}
		want := k1
		if last%2 == 1 {
			want = k2
		}
		if got, _ := s3.Ref("compact", fmt.Sprint("i", i)); got != want {
			t.Errorf("after compaction i%d = %s, want %s", i, got.Short(), want.Short())
		}
	}
	if err := s.SetRef("p", "i", "bad"); err == nil {
		t.Error("SetRef(invalid key) succeeded")
	}
	if err := s.SetRef("", "i", k1); err == nil {
		t.Error("SetRef(empty pipeline) succeeded")
	}
}

func TestJournal(t *testing.T) {
	s := newStore(t, false)
	j, err := s.NewJournal("2026-01-02T03-04-05-abc")
	if err != nil {
		t.Fatal(err)
	}
	statuses := []string{StatusCached, StatusRan, StatusFailed, StatusSkipped, StatusInterrupted}
	var wg sync.WaitGroup
	const workers, per = 4, 250
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				e := JournalEntry{
					Stage: fmt.Sprintf("fit[s%d,m%d]", w, i), Cell: map[string]string{"system": fmt.Sprint("s", w)},
					Key: testKey(fmt.Sprint(w, i)), Status: statuses[i%len(statuses)], WallSeconds: float64(i) / 7,
				}
				if e.Status == StatusFailed {
					e.Error = "stage fit[s,m]: pipelines/x.yaml:9:13: boom\nsecond line \"quoted\""
				}
				if err := j.Append(e); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := j.Append(JournalEntry{Stage: "late"}); err == nil {
		t.Error("Append after Close succeeded")
	}

	// Every line is a complete JSON object on its own.
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != workers*per {
		t.Fatalf("%d lines, want %d", len(lines), workers*per)
	}
	for i, line := range lines {
		var e JournalEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Stage == "" || e.Time.IsZero() || !e.Key.Valid() {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
	}
	// A torn last line (crash during Append) is ignored by ReadJournal.
	f, _ := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"time":"2026-01-0`)
	f.Close()
	entries, err := s.ReadJournal("2026-01-02T03-04-05-abc")
	if err != nil || len(entries) != workers*per {
		t.Errorf("ReadJournal = %d entries, %v", len(entries), err)
	}
	// Appending to an existing journal continues it.
	j2, err := s.NewJournal("2026-01-02T03-04-05-abc")
	if err != nil {
		t.Fatal(err)
	}
	j2.Close()
	for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := s.NewJournal(bad); err == nil {
			t.Errorf("NewJournal(%q) succeeded", bad)
		}
	}
}
