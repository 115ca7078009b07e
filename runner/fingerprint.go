package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
)

// pipelineDir is the absolute directory of a pipeline file ("" for none).
func pipelineDir(file string) string {
	if file == "" {
		return ""
	}
	if abs, err := filepath.Abs(file); err == nil {
		return filepath.Dir(abs)
	}
	return filepath.Dir(file)
}

// fileDigests hashes the files that Fingerprinter stages list, each file
// once per plan however many matrix cells list it.
type fileDigests struct {
	dir  string
	memo map[string]digestResult
}

type digestResult struct {
	sum string
	err error
}

func newFileDigests(dir string) *fileDigests {
	return &fileDigests{dir: dir, memo: map[string]digestResult{}}
}

func (d *fileDigests) digest(rel string) (string, error) {
	path := rel
	if !filepath.IsAbs(path) && d.dir != "" {
		path = filepath.Join(d.dir, rel)
	}
	if r, ok := d.memo[path]; ok {
		return r.sum, r.err
	}
	sum, err := func() (string, error) {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return "", fmt.Errorf("%s is a directory, not a file", rel)
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
	}()
	d.memo[path] = digestResult{sum, err}
	return sum, err
}

// withFileDigests returns canonical params with the digests of files added
// under stages.FileDigestsKey (sorted by path, so the encoding stays
// canonical): they enter the cache key and the manifest like any param.
func (d *fileDigests) withFileDigests(canon []byte, files []string) ([]byte, map[string]string, error) {
	if len(files) == 0 {
		return canon, nil, nil
	}
	sums := map[string]string{}
	var problems []string
	for _, f := range files {
		sum, err := d.digest(f)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said already, relative to the pipeline
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("file %s: %v", f, err))
			continue
		}
		sums[f] = sum
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	enc, err := json.Marshal(sums) // encoding/json sorts map keys
	if err != nil {
		return nil, nil, err
	}
	body := bytes.TrimSpace(canon)
	if len(body) < 2 || body[len(body)-1] != '}' {
		return nil, nil, fmt.Errorf("params are not a JSON object")
	}
	var out bytes.Buffer
	out.Write(body[:len(body)-1])
	if len(bytes.TrimSpace(body[1:len(body)-1])) > 0 {
		out.WriteByte(',')
	}
	out.WriteString(`"` + stages.FileDigestsKey + `":`)
	out.Write(enc)
	out.WriteByte('}')
	return out.Bytes(), sums, nil
}

// paramPos is the position of a params key's value, else of the params.
func paramPos(params *spec.Node, key string, fallback spec.Pos) spec.Pos {
	if params == nil {
		return fallback
	}
	for _, e := range params.Entries {
		if e.Key == key && e.Value != nil {
			return e.Value.Pos
		}
	}
	return fallback
}

// fileChanges explains a change of recorded file digests: "script X
// changed", "script X added", "script X removed".
func fileChanges(oldJSON, newJSON string) []string {
	var oldM, newM map[string]string
	_ = json.Unmarshal([]byte(oldJSON), &oldM)
	_ = json.Unmarshal([]byte(newJSON), &newM)
	paths := map[string]bool{}
	for p := range oldM {
		paths[p] = true
	}
	for p := range newM {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var out []string
	for _, p := range sorted {
		o, n := oldM[p], newM[p]
		switch {
		case o == n:
		case o == "":
			out = append(out, "script "+p+" added")
		case n == "":
			out = append(out, "script "+p+" removed")
		default:
			out = append(out, "script "+p+" changed")
		}
	}
	if len(out) == 0 {
		out = append(out, "script digests changed")
	}
	return out
}
