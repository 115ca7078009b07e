package artifacts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadLayer(t *testing.T) {
	shared := newStore(t, false)
	good, bad := testKey("layer-good"), testKey("layer-bad")
	putTest(t, shared, good, 20)
	putTest(t, shared, bad, 20)
	// Damage one layer entry in place (same size, so the cheap checks pass).
	p := shared.Path(bad, "train")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}

	local := newStore(t, false)
	if err := local.AddReadStore(shared.Root()); err != nil {
		t.Fatal(err)
	}
	if got := local.ReadStores(); len(got) != 1 || got[0] != shared.Root() {
		t.Fatalf("ReadStores = %v", got)
	}
	m, err := local.Lookup(good)
	if err != nil {
		t.Fatalf("Lookup through the layer: %v", err)
	}
	if m.Key != good {
		t.Fatalf("manifest names %s", m.Key)
	}
	rec, err := local.Read(good, "train")
	if err != nil {
		t.Fatalf("Read through the layer: %v", err)
	}
	rec.Release()
	if root, layer := local.Holder(good); !layer || root != shared.Root() {
		t.Fatalf("Holder = %s, %v", root, layer)
	}
	// A damaged layer entry is not found (so it is recomputed locally) and
	// the layer is left alone.
	if _, err := local.Lookup(bad); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup of a damaged layer entry: %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(shared.Dir(bad)); err != nil {
		t.Fatalf("damaged layer entry was touched: %v", err)
	}
	// A local entry wins over the layer's, and new entries go to the local store.
	putTest(t, local, bad, 20)
	if root, layer := local.Holder(bad); layer || root != local.Root() {
		t.Fatalf("after Put, Holder = %s, %v", root, layer)
	}
	if err := local.Verify(bad); err != nil {
		t.Fatal(err)
	}
	if keys, _ := local.List(); len(keys) != 1 || keys[0] != bad {
		t.Fatalf("local List = %v, want only the recomputed entry", keys)
	}
	// A directory that is not a store is refused; nothing is created in it.
	empty := t.TempDir()
	if err := local.AddReadStore(empty); err == nil {
		t.Fatal("AddReadStore of an empty directory succeeded")
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Fatalf("AddReadStore created %v", ents)
	}
	if _, err := OpenReadOnly(filepath.Join(empty, "missing")); err == nil {
		t.Fatal("OpenReadOnly of a missing directory succeeded")
	}
	ro, err := OpenReadOnly(shared.Root())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Collect(GCOptions{Delete: true}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("gc of a read-only store: %v", err)
	}
	if _, err := ro.BeginRun(context.Background(), "r", nil, 0); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("BeginRun on a read-only store: %v", err)
	}
}
