package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxRefName bounds escaped ref file names (file systems allow 255 bytes).
const maxRefName = 200

// SetRef records key as the last key that instance (a stage instance id such
// as `fit[Lorenz,nvar]`) of pipeline resolved to, so that `runner plan` can
// explain what changed. The file <root>/refs/<pipeline>/<instance> is
// replaced atomically (temporary file + rename, not fsynced: refs are
// advisory); an unchanged ref is not rewritten.
func (s *Store) SetRef(pipeline, instance string, key Key) error {
	if err := checkKey("set ref", key); err != nil {
		return err
	}
	if pipeline == "" || instance == "" {
		return fmt.Errorf("artifacts: set ref %q %q: empty pipeline or instance", pipeline, instance)
	}
	path := s.refPath(pipeline, instance)
	content := string(key) + "\n" + instance + "\n"
	if cur, err := os.ReadFile(path); err == nil && string(cur) == content {
		return nil
	}
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+s.tmpName("ref"))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if isNotExist(err) {
		if err = os.MkdirAll(dir, 0o755); err == nil {
			f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		}
	}
	if err != nil {
		return fmt.Errorf("artifacts: set ref %s %s: %w", pipeline, instance, err)
	}
	_, err = f.WriteString(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("artifacts: set ref %s %s: %w", pipeline, instance, err)
	}
	return nil
}

// Ref returns the key last recorded by SetRef for instance of pipeline.
func (s *Store) Ref(pipeline, instance string) (Key, bool) {
	if pipeline == "" || instance == "" {
		return "", false
	}
	data, err := os.ReadFile(s.refPath(pipeline, instance))
	if err != nil {
		return "", false
	}
	k, inst, ok := parseRef(data)
	if !ok || inst != instance {
		return "", false
	}
	return k, true
}

// Refs returns every ref recorded for pipeline, by instance id.
func (s *Store) Refs(pipeline string) (map[string]Key, error) {
	dir := filepath.Join(s.root, refsDir, escapeRefName(pipeline))
	ents, err := os.ReadDir(dir)
	if err != nil {
		if isNotExist(err) {
			return map[string]Key{}, nil
		}
		return nil, fmt.Errorf("artifacts: refs %s: %w", pipeline, err)
	}
	refs := make(map[string]Key, len(ents))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("artifacts: refs %s: %w", pipeline, err)
		}
		if k, inst, ok := parseRef(data); ok {
			refs[inst] = k
		}
	}
	return refs, nil
}

// Pipelines returns the names of the pipelines that have refs.
func (s *Store) Pipelines() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, refsDir))
	if err != nil {
		return nil, fmt.Errorf("artifacts: pipelines: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			if n, ok := unescapeRefName(e.Name()); ok {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

func parseRef(data []byte) (Key, string, bool) {
	k, inst, _ := strings.Cut(string(data), "\n")
	inst = strings.TrimSuffix(inst, "\n")
	if !validKey(k) {
		return "", "", false
	}
	return Key(k), inst, true
}

func (s *Store) refPath(pipeline, instance string) string {
	return filepath.Join(s.root, refsDir, escapeRefName(pipeline), escapeRefName(instance))
}

// escapeRefName maps any string to a file name: bytes outside
// [A-Za-z0-9_.,=+@[]-] become %XX, a leading '.' too; names longer than
// maxRefName are cut and suffixed with a digest of the whole (the instance id
// is also stored inside the file, so nothing is lost).
func escapeRefName(name string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("_.,=+@[]-", c) >= 0
		if c == '.' && i == 0 {
			ok = false
		}
		if ok {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	out := b.String()
	if len(out) > maxRefName {
		sum := sha256.Sum256([]byte(name))
		out = out[:maxRefName-33] + "~" + hex.EncodeToString(sum[:16])
	}
	return out
}

func unescapeRefName(s string) (string, bool) {
	if strings.Contains(s, "~") {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := hex.DecodeString(s[i+1 : i+3])
		if err != nil {
			return "", false
		}
		b.Write(v)
		i += 2
	}
	return b.String(), true
}
