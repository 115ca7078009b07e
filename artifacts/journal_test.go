package artifacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// journalFullLimit is the file size limit (RLIMIT_FSIZE) of the
// journalfull helper: writes past it are short, then fail with EFBIG, as
// on a full disk.
const journalFullLimit = 4000

// journalFullHelper appends lines of varying length to the journal "full"
// under a small file size limit until appends fail, then a few more. Go
// ignores SIGXFSZ, so the limit shows up as a short write.
func journalFullHelper(s *Store) error {
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: journalFullLimit, Max: journalFullLimit}); err != nil {
		return err
	}
	j, err := s.NewJournal("full")
	if err != nil {
		return err
	}
	failed := 0
	for i := 0; failed < 5 && i < 1000; i++ {
		e := JournalEntry{Stage: fmt.Sprintf("stage-%d-%s", i, strings.Repeat("x", i%37)), Key: testKey(fmt.Sprint(i)), Status: StatusRan}
		if err := j.Append(e); err != nil {
			failed++
		}
	}
	if failed == 0 {
		return errors.New("the file size limit never stopped an append")
	}
	_ = j.Close()
	return nil
}

// TestJournalShortWriteLeavesWholeLines fills a journal up to a file size
// limit (a full disk, without needing one): the journal ends with a whole
// line, every line parses, and reopening it appends after that line.
func TestJournalShortWriteLeavesWholeLines(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RLIMIT_FSIZE short writes are checked on Linux")
	}
	s := newStore(t, false)
	cmd := helperCmd(t, "journalfull", s.Root(), testKey("full"))
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	data, err := os.ReadFile(s.JournalPath("full"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || len(data) > journalFullLimit || data[len(data)-1] != '\n' {
		t.Fatalf("journal of %d bytes (limit %d) ends with %q, want whole lines", len(data), journalFullLimit, data[max(0, len(data)-20):])
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var e JournalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
	}
}

// TestJournalReopenCutsTornLine: a journal torn by a crash (as older
// runners left it) is cut back to its last whole line when continued, so the
// torn line never ends up in the middle where ReadJournal would refuse it.
func TestJournalReopenCutsTornLine(t *testing.T) {
	s := newStore(t, false)
	for _, torn := range []string{`{"time":"2026-01-0`, `{"stage":"no newline at all"`} {
		whole := `{"time":"2026-01-02T03:04:05Z","stage":"a","status":"ran","wall_seconds":0}` + "\n"
		content := whole + torn
		if strings.HasPrefix(torn, `{"stage"`) {
			content = torn // only a torn line
		}
		if err := os.WriteFile(s.JournalPath("torn"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		j, err := s.NewJournal("torn")
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Append(JournalEntry{Stage: "b", Status: StatusRan}); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		entries, err := s.ReadJournal("torn")
		if err != nil {
			t.Fatalf("torn %q: ReadJournal: %v", torn, err)
		}
		var stages []string
		for _, e := range entries {
			stages = append(stages, e.Stage)
		}
		want := "a b"
		if content == torn {
			want = "b"
		}
		if got := strings.Join(stages, " "); got != want {
			t.Errorf("torn %q: stages %q, want %q", torn, got, want)
		}
	}
}
