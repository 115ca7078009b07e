package artifacts

import (
	"errors"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages"
)

// TestPutKeepsFilesWithDigests: the files of a file port are kept in the
// entry beside its Arrow file, listed in the manifest with size, SHA-256
// and media type; a damaged file makes the entry corrupt.
func TestPutKeepsFilesWithDigests(t *testing.T) {
	s := newStore(t, false)
	files, err := stages.FilesRecord([]stages.File{
		{Name: "report.html", MediaType: "text/html", Data: []byte("<p>hi</p>")},
		{Name: "figures/a.svg", MediaType: "image/svg+xml", Data: []byte("<svg/>")},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer files.Release()
	tab := testRecord(memory.DefaultAllocator, 3, 0)
	defer tab.Release()
	key := testKey("files")
	m, err := s.Put(Manifest{Key: key, Kind: "report"}, map[string]arrow.RecordBatch{"files": files, "table": tab})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 || m.Files[0].Name != "report.html" || m.Files[0].MediaType != "text/html" ||
		m.Files[0].Bytes != 9 || m.Files[1].File != "files/files/figures/a.svg" {
		t.Fatalf("manifest files %+v", m.Files)
	}
	got, err := os.ReadFile(s.FilePath(key, m.Files[0]))
	if err != nil || string(got) != "<p>hi</p>" {
		t.Fatalf("stored file %q, %v", got, err)
	}
	if _, ok := m.Output("files"); !ok {
		t.Fatal("the file port's table is not an output")
	}
	if err := s.Verify(key); err != nil {
		t.Fatal(err)
	}
	// Same size, other bytes: Verify finds it; a missing file: Lookup does.
	path := s.FilePath(key, m.Files[0])
	_ = os.Chmod(path, 0o644)
	if err := os.WriteFile(path, []byte("<p>ho</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(key); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("verify of a damaged file: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(key); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("lookup with a missing file: %v", err)
	}
}

func TestPutRejectsUnsafeFileNames(t *testing.T) {
	if _, err := stages.FilesRecord([]stages.File{{Name: "../x.html"}}); err == nil {
		t.Fatal("FilesRecord accepted ../x.html")
	}
	for _, name := range []string{"../x", "/abs", "a//b", ".hidden", "a/./b", ""} {
		if safeRelPath(name) {
			t.Errorf("safeRelPath(%q) = true", name)
		}
	}
}
