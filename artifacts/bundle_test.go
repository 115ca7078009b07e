package artifacts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// storeListing lists every file below a store's objects and tmp directories
// with its content, so that "unchanged" can be compared exactly.
func storeListing(t *testing.T, s *Store) string {
	t.Helper()
	var lines []string
	for _, d := range []string{objectsDir, tmpDir} {
		root := filepath.Join(s.Root(), d)
		_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(s.Root(), p)
			line := rel
			if fi.Mode().IsRegular() {
				data, _ := os.ReadFile(p)
				line += " " + string(data)
			}
			lines = append(lines, line)
			return nil
		})
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func writeBundleFile(t *testing.T, s *Store, keys []Key) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.WriteBundle(&buf, "p", keys); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.tar")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

func TestBundleRoundTrip(t *testing.T) {
	src := newStore(t, false)
	keys := []Key{testKey("b1"), testKey("b2"), testKey("b3")}
	for i, k := range keys {
		putTest(t, src, k, 10+i*7)
	}
	path, data := writeBundleFile(t, src, append(keys, keys[0]))
	if _, again := writeBundleFile(t, src, keys); !bytes.Equal(data, again) {
		t.Fatal("two bundles of the same entries differ")
	}

	dst := newStore(t, false)
	rep, err := dst.ImportBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Imported) != 3 || len(rep.Present) != 0 {
		t.Fatalf("imported %v, present %v", rep.Imported, rep.Present)
	}
	for _, k := range keys {
		for _, name := range []string{manifestName, "train.arrow", "test.arrow"} {
			a, err1 := os.ReadFile(filepath.Join(src.Dir(k), name))
			b, err2 := os.ReadFile(filepath.Join(dst.Dir(k), name))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Fatalf("%s/%s differs after the round trip (%v, %v)", k.Short(), name, err1, err2)
			}
		}
		if err := dst.Verify(k); err != nil {
			t.Fatal(err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dst.Root(), tmpDir)); len(ents) != 0 {
		t.Fatalf("import left %d items in tmp", len(ents))
	}
	rep, err = dst.ImportBundle(path)
	if err != nil || len(rep.Present) != 3 || len(rep.Imported) != 0 {
		t.Fatalf("second import: %v, %+v", err, rep)
	}
	// A key without an entry cannot be bundled.
	if _, err := src.WriteBundle(&bytes.Buffer{}, "p", []Key{testKey("absent")}); err == nil {
		t.Fatal("bundle of a missing entry succeeded")
	}
}

func TestBundleRefusesDamage(t *testing.T) {
	src := newStore(t, false)
	keys := []Key{testKey("d1"), testKey("d2")}
	for _, k := range keys {
		putTest(t, src, k, 30)
	}
	_, data := writeBundleFile(t, src, keys)
	dst := newStore(t, false)
	putTest(t, dst, testKey("already-there"), 5)
	before := storeListing(t, dst)

	dir := t.TempDir()
	try := func(what string, bad []byte) {
		t.Helper()
		p := filepath.Join(dir, "bad.tar")
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := dst.ImportBundle(p); !errors.Is(err, ErrBadBundle) {
			t.Fatalf("%s: import error %v, want ErrBadBundle", what, err)
		}
		if after := storeListing(t, dst); after != before {
			t.Fatalf("%s: the store changed", what)
		}
	}
	// One flipped byte anywhere: table of contents, headers, file data,
	// padding, the digest member and the end marker.
	for i := 0; i < len(data); i += 509 {
		bad := bytes.Clone(data)
		bad[i] ^= 0x01
		try("flip at "+itoa(i), bad)
	}
	for _, i := range []int{len(data) - 1, len(data) - 1024, len(data) - 1500, len(data) - 2048 + 600} {
		bad := bytes.Clone(data)
		bad[i] ^= 0x80
		try("flip at "+itoa(i), bad)
	}
	for _, n := range []int{0, 100, 512, len(data) / 2, len(data) - 1024, len(data) - 512, len(data) - 1} {
		try("truncated to "+itoa(n), bytes.Clone(data[:n]))
	}
	try("extended", append(bytes.Clone(data), make([]byte, 512)...))
}

func itoa(i int) string { return strconv.Itoa(i) }
