package artifacts

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages"
)

// entryFiles maps every regular file under an entry directory (manifest,
// Arrow files, the files/ folder of file ports) to its bytes.
func entryFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// An entry with a file port (a report: HTML and a figure) goes through a
// bundle whole: every file arrives byte for byte and the entry verifies;
// a flipped byte inside the HTML is refused with the target unchanged.
func TestBundleCarriesFilePorts(t *testing.T) {
	src := newStore(t, false)
	files, err := stages.FilesRecord([]stages.File{
		{Name: "report.html", MediaType: "text/html", Data: []byte("<html><body><p>leaderboard</p></body></html>")},
		{Name: "figures/vpt.svg", MediaType: "image/svg+xml", Data: []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer files.Release()
	tab := testRecord(memory.DefaultAllocator, 4, 0)
	defer tab.Release()
	key := testKey("report-entry")
	if _, err := src.Put(Manifest{Key: key, Kind: "report"}, map[string]arrow.RecordBatch{"files": files, "table": tab}); err != nil {
		t.Fatal(err)
	}
	want := entryFiles(t, src.Dir(key))
	if len(want) < 5 { // manifest, two Arrow files, two port files
		t.Fatalf("entry holds %d files: %v", len(want), want)
	}
	path, data := writeBundleFile(t, src, []Key{key})

	dst := newStore(t, false)
	if _, err := dst.ImportBundle(path); err != nil {
		t.Fatal(err)
	}
	got := entryFiles(t, dst.Dir(key))
	if len(got) != len(want) {
		t.Fatalf("imported %d files, want %d", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs after the round trip", name)
		}
	}
	if err := dst.Verify(key); err != nil {
		t.Fatalf("imported entry: %v", err)
	}

	i := bytes.Index(data, []byte("leaderboard"))
	if i < 0 {
		t.Fatal("the HTML is not in the bundle")
	}
	bad := bytes.Clone(data)
	bad[i] ^= 0x20
	p := filepath.Join(t.TempDir(), "bad.tar")
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := newStore(t, false)
	before := storeListing(t, fresh)
	if _, err := fresh.ImportBundle(p); err == nil {
		t.Fatal("a bundle with a flipped byte in a file-port file was imported")
	}
	if storeListing(t, fresh) != before {
		t.Fatal("a refused bundle changed the store")
	}
}
