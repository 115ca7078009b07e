package artifacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func writable(t *testing.T, p string) {
	t.Helper()
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyStoreFindsAndQuarantinesDamage damages entries in every way
// that keeps Lookup's cheap check happy or that List does not show (a
// same-size flip, an edited manifest, a deleted manifest) and in the
// obvious ways (a missing file), plus stray items under objects/: verify
// finds exactly those, quarantines them, and leaves intact entries alone.
func TestVerifyStoreFindsAndQuarantinesDamage(t *testing.T) {
	s := newStore(t, false)
	damages := map[string]func(t *testing.T, k Key){
		"same-size flip": func(t *testing.T, k Key) {
			p := s.Path(k, "train")
			writable(t, p)
			data, _ := os.ReadFile(p)
			data[len(data)/2] ^= 0x01
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"deleted manifest": func(t *testing.T, k Key) {
			if err := os.Remove(filepath.Join(s.Dir(k), manifestName)); err != nil {
				t.Fatal(err)
			}
		},
		"edited manifest": func(t *testing.T, k Key) {
			// Same size, still valid JSON, still names its key: only the
			// manifest's own digest tells.
			p := filepath.Join(s.Dir(k), manifestName)
			writable(t, p)
			data, _ := os.ReadFile(p)
			edited := bytes.Replace(data, []byte(`"wall_seconds":1.25`), []byte(`"wall_seconds":9.25`), 1)
			if bytes.Equal(edited, data) {
				t.Fatal("edit did not apply")
			}
			if err := os.WriteFile(p, edited, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Lookup(k); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Lookup of an edited manifest = %v, want corrupt", err)
			}
		},
		"missing file": func(t *testing.T, k Key) {
			if err := os.Remove(s.Path(k, "test")); err != nil {
				t.Fatal(err)
			}
		},
	}
	want := map[Key]string{}
	for name, damage := range damages {
		k := testKey(name)
		putTest(t, s, k, 200)
		damage(t, k)
		want[k] = name
	}
	intact := []Key{testKey("intact-1"), testKey("intact-2")}
	for _, k := range intact {
		putTest(t, s, k, 50)
	}
	strays := []string{
		filepath.Join(objectsDir, "zz"),                                // not a shard
		filepath.Join(objectsDir, "ab", "partial"),                     // not a key
		filepath.Join(objectsDir, "ab", "stray.txt"),                   // a file
		filepath.Join(objectsDir, "00", string(testKey("x"))[2:]+"00"), // a key in the wrong shard (if it does not start with 00)
	}
	if strings.HasPrefix(string(testKey("x"))[2:], "00") {
		t.Fatal("pick another key for the wrong-shard case")
	}
	for _, p := range strays {
		full := filepath.Join(s.Root(), p)
		if filepath.Ext(p) == ".txt" {
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Report only: everything found, nothing moved.
	rep, err := s.VerifyStore(context.Background(), VerifyOptions{ReportOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	checkReport := func(rep *VerifyReport, quarantined bool) {
		t.Helper()
		if rep.Entries != len(damages)+len(intact) {
			t.Errorf("%d entries verified, want %d", rep.Entries, len(damages)+len(intact))
		}
		var gotStrays []string
		gotKeys := map[Key]bool{}
		for _, d := range rep.Damaged {
			if d.Key == "" {
				gotStrays = append(gotStrays, d.Path)
			} else {
				gotKeys[d.Key] = true
				if _, ok := want[d.Key]; !ok {
					t.Errorf("intact entry %s reported: %s", d.Key.Short(), d.Reason)
				}
			}
			if (d.Quarantined != "") != quarantined {
				t.Errorf("%s: quarantined %q", d.Path, d.Quarantined)
			}
			if d.Reason == "" {
				t.Errorf("%s: no reason", d.Path)
			}
		}
		for k, name := range want {
			if !gotKeys[k] {
				t.Errorf("%s not found", name)
			}
		}
		sort.Strings(gotStrays)
		wantStrays := append([]string(nil), strays...)
		sort.Strings(wantStrays)
		if strings.Join(gotStrays, " ") != strings.Join(wantStrays, " ") {
			t.Errorf("strays %v, want %v", gotStrays, wantStrays)
		}
	}
	checkReport(rep, false)
	for k := range want {
		if _, err := os.Lstat(s.Dir(k)); err != nil {
			t.Errorf("report-only moved %s: %v", k.Short(), err)
		}
	}

	// Repair: the same report, everything damaged moved into quarantine.
	rep, err = s.VerifyStore(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(rep, true)
	if rep.QuarantineDir == "" {
		t.Fatal("no quarantine dir")
	}
	for _, d := range rep.Damaged {
		if _, err := os.Lstat(filepath.Join(s.Root(), d.Path)); !os.IsNotExist(err) {
			t.Errorf("%s still in place (%v)", d.Path, err)
		}
		if _, err := os.Lstat(filepath.Join(s.Root(), d.Quarantined)); err != nil {
			t.Errorf("%s not in quarantine: %v", d.Path, err)
		}
	}
	reasons, err := os.ReadFile(filepath.Join(s.Root(), rep.QuarantineDir, "reasons.txt"))
	if err != nil || bytes.Count(reasons, []byte("\n")) != len(rep.Damaged) {
		t.Errorf("reasons.txt = %q, %v", reasons, err)
	}
	for k := range want {
		if _, err := s.Lookup(k); !errors.Is(err, ErrNotFound) {
			t.Errorf("quarantined %s: Lookup = %v, want not found (so it is recomputed)", k.Short(), err)
		}
	}
	for _, k := range intact {
		if err := s.Verify(k); err != nil {
			t.Errorf("intact entry damaged: %v", err)
		}
	}
	// Afterwards the store is clean.
	rep, err = s.VerifyStore(context.Background(), VerifyOptions{})
	if err != nil || len(rep.Damaged) != 0 || rep.Entries != len(intact) {
		t.Fatalf("second verify: %+v, %v", rep, err)
	}
}

// TestVerifyStoreKeys checks only the given keys and skips an entry that was
// repaired between the check and the quarantine (it is re-verified under
// its key lock).
func TestVerifyStoreKeys(t *testing.T) {
	s := newStore(t, false)
	a, b := testKey("a"), testKey("b")
	putTest(t, s, a, 20)
	putTest(t, s, b, 20)
	for _, k := range []Key{a, b} {
		p := s.Path(k, "train")
		writable(t, p)
		data, _ := os.ReadFile(p)
		data[len(data)/2] ^= 0x01
		os.WriteFile(p, data, 0o644)
	}
	rep, err := s.VerifyStore(context.Background(), VerifyOptions{Keys: []Key{a}, ReportOnly: true})
	if err != nil || rep.Entries != 1 || len(rep.Damaged) != 1 || rep.Damaged[0].Key != a {
		t.Fatalf("verify a: %+v, %v", rep, err)
	}
	// A runner recomputes b (under its lock) before quarantine gets to it.
	if err := s.Remove(b); err != nil {
		t.Fatal(err)
	}
	putTest(t, s, b, 20)
	rep = &VerifyReport{Damaged: []Damage{{Key: b, Path: s.rel(s.Dir(b)), Reason: "seen damaged"}}}
	if err := s.quarantine(context.Background(), rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Damaged) != 0 || s.Verify(b) != nil {
		t.Fatalf("a repaired entry was quarantined: %+v, %v", rep, s.Verify(b))
	}
}

// TestLegacyManifestReadable: entries written before manifests carried their
// own digest (format 1) stay readable and verify, and are counted as
// legacy; their files are still checked.
func TestLegacyManifestReadable(t *testing.T) {
	s := newStore(t, false)
	k := testKey("legacy")
	m := putTest(t, s, k, 30)
	p := filepath.Join(s.Dir(k), manifestName)
	writable(t, p)
	data, err := json.Marshal(manifestFile{Format: manifestFormatLegacy, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(data, '\n'), 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(k); err != nil {
		t.Fatalf("Lookup of a format-1 entry: %v", err)
	}
	rec, err := s.Read(k, "train")
	if err != nil {
		t.Fatalf("Read of a format-1 entry: %v", err)
	}
	rec.Release()
	rep, err := s.VerifyStore(context.Background(), VerifyOptions{})
	if err != nil || rep.Entries != 1 || rep.Legacy != 1 || len(rep.Damaged) != 0 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	// A format-2 manifest stripped of its digest is damage, not legacy.
	data, _ = json.Marshal(manifestFile{Format: manifestFormat, Manifest: m})
	os.WriteFile(p, append(data, '\n'), 0o444)
	if _, err := s.Lookup(k); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Lookup of a format-2 manifest without digest = %v", err)
	}
}
