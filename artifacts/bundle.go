package artifacts

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bundles.
//
// A bundle is one tar file holding the closure of a pipeline's entries, to
// move results between stores without a shared file system:
//
//	BUNDLE.json                      table of contents: every entry and file with its size and SHA-256
//	objects/<key>/manifest.json      each entry's manifest ...
//	objects/<key>/<port>.arrow       ... its Arrow files, sorted by port ...
//	objects/<key>/files/<port>/<name> ... and the files of its file ports, in manifest order
//	BUNDLE.sha256                    SHA-256 (hex) of every byte of the tar file before this member
//
// The last member is followed by the two zero blocks that end a tar file
// and nothing else, so the last 2048 bytes of a bundle are its digest member
// and the end marker. Members have fixed owner, mode (0444) and time, so the
// same entries always give the same bytes. Any tar tool lists and extracts a
// bundle; ImportBundle checks every byte before anything enters a store.
//
// Format 2 added the files of file ports and the publish folders; format 1
// bundles (no file ports) are still imported.

const (
	bundleFormat       = 2
	bundleFormatNoFile = 1
	bundleTOCName      = "BUNDLE.json"
	bundleSumName      = "BUNDLE.sha256"
	// bundleTail is the size of the digest member plus the end marker.
	bundleTail = 4 * 512
	// maxTOCBytes bounds the table of contents an import will decode.
	maxTOCBytes = 256 << 20
)

// BundleTOC is the table of contents of a bundle (BUNDLE.json).
type BundleTOC struct {
	Format   int           `json:"format"`
	Pipeline string        `json:"pipeline,omitempty"`
	Entries  []BundleEntry `json:"entries"` // sorted by key
	// Publish lists the pipeline's publish folders, for information only:
	// published files are copies of entry files and are not in the bundle;
	// `runner apply` in the target store publishes them again.
	Publish []BundlePublish `json:"publish,omitempty"`
}

// BundlePublish is one publish folder of the bundled pipeline: the folder as
// the pipeline names it and the stages (instance ids) whose files go there.
type BundlePublish struct {
	Folder string   `json:"folder"`
	Stages []string `json:"stages,omitempty"`
}

// BundleEntry lists the files of one entry: manifest.json first, then the
// Arrow files sorted by port, then the files of file ports
// (files/<port>/<name>) in the order of the manifest.
type BundleEntry struct {
	Key   Key          `json:"key"`
	Stage string       `json:"stage,omitempty"`
	Files []BundleFile `json:"files"`
}

// BundleFile is one file of an entry in a bundle.
type BundleFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Bytes returns the total size of the files the table lists.
func (t *BundleTOC) Bytes() int64 {
	var n int64
	for _, e := range t.Entries {
		for _, f := range e.Files {
			n += f.Bytes
		}
	}
	return n
}

var bundleTime = time.Unix(0, 0).UTC()

func bundleHeader(name string, size int64) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o444, ModTime: bundleTime, Format: tar.FormatUSTAR}
}

// WriteBundle writes a bundle of the entries for keys (read through the
// layers) to w. Every file's digest is checked while it is copied; a key
// without a valid entry is an error naming it.
func (s *Store) WriteBundle(w io.Writer, pipeline string, keys []Key) (*BundleTOC, error) {
	return s.WriteBundleTOC(w, &BundleTOC{Pipeline: pipeline}, keys)
}

// WriteBundleTOC is WriteBundle with the pipeline name and publish folders
// taken from toc; it fills toc's format and entries and returns it.
func (s *Store) WriteBundleTOC(w io.Writer, toc *BundleTOC, keys []Key) (*BundleTOC, error) {
	uniq := map[Key]bool{}
	for _, k := range keys {
		uniq[k] = true
	}
	sorted := make([]Key, 0, len(uniq))
	for k := range uniq {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })

	toc.Format, toc.Entries = bundleFormat, nil
	var missing []string
	for _, k := range sorted {
		m, err := s.Lookup(k)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (%v)", k.Short(), err))
			continue
		}
		msum, mn, err := hashFile(filepath.Join(s.EntryDir(k), manifestName))
		if err != nil {
			return nil, fmt.Errorf("artifacts: bundle %s: %w", k.Short(), err)
		}
		e := BundleEntry{Key: k, Stage: m.Stage, Files: []BundleFile{{Name: manifestName, Bytes: mn, SHA256: msum}}}
		for _, o := range m.Outputs {
			e.Files = append(e.Files, BundleFile{Name: o.File, Bytes: o.Bytes, SHA256: o.SHA256})
		}
		for _, f := range m.Files {
			e.Files = append(e.Files, BundleFile{Name: f.File, Bytes: f.Bytes, SHA256: f.SHA256})
		}
		toc.Entries = append(toc.Entries, e)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("artifacts: bundle: %d of %d entries are not in the store: %s", len(missing), len(sorted), strings.Join(missing, "; "))
	}

	h := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(w, h))
	data, err := json.MarshalIndent(toc, "", " ")
	if err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	data = append(data, '\n')
	if err := tw.WriteHeader(bundleHeader(bundleTOCName, int64(len(data)))); err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	if _, err := tw.Write(data); err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	for _, e := range toc.Entries {
		dir := s.EntryDir(e.Key)
		for _, f := range e.Files {
			if err := copyIntoBundle(tw, e.Key, filepath.Join(dir, filepath.FromSlash(f.Name)), f); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	sum := []byte(hex.EncodeToString(h.Sum(nil)) + "\n")
	if err := tw.WriteHeader(bundleHeader(bundleSumName, int64(len(sum)))); err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	if _, err := tw.Write(sum); err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("artifacts: bundle: %w", err)
	}
	return toc, nil
}

func copyIntoBundle(tw *tar.Writer, key Key, path string, f BundleFile) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("artifacts: bundle %s: %w", key.Short(), err)
	}
	defer src.Close()
	name := bundleObjectName(key, f.Name)
	if err := tw.WriteHeader(bundleHeader(name, f.Bytes)); err != nil {
		return fmt.Errorf("artifacts: bundle %s: %w", key.Short(), err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), io.LimitReader(src, f.Bytes))
	if err != nil {
		return fmt.Errorf("artifacts: bundle %s: %w", key.Short(), err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != f.Bytes || sum != f.SHA256 {
		return corrupt(key, "%s has %d bytes and sha256 %s, manifest says %d and %s", f.Name, n, sum, f.Bytes, f.SHA256)
	}
	return nil
}

func bundleObjectName(key Key, file string) string {
	return objectsDir + "/" + string(key) + "/" + file
}

// ErrBadBundle is wrapped by every error of ImportBundle that is due to the
// bundle's content (corrupted, truncated, or not a bundle).
var ErrBadBundle = errors.New("bad bundle")

func badBundle(format string, args ...any) error {
	return fmt.Errorf("artifacts: import: %w: %s", ErrBadBundle, fmt.Sprintf(format, args...))
}

// ImportReport says what ImportBundle did.
type ImportReport struct {
	TOC      *BundleTOC
	Imported []Key // entries added to the store
	Present  []Key // entries the store already had (valid), left as they were
	// RunID names the journal that lists every entry of the bundle (status
	// "imported"), so that gc's retention window and pins cover imports.
	RunID string
}

// StatusImported is the journal status of an entry that ImportBundle added
// or found present.
const StatusImported = "imported"

// ImportBundle adds the entries of the bundle at path to the store. It
// checks the bundle's whole-file digest, then stages every entry under
// <root>/tmp and checks each file's size and SHA-256 against the table of
// contents and each manifest against its key and files; only when all of
// that passed is each entry renamed into place (each rename is atomic). A
// corrupted, truncated or foreign file is refused with an error wrapping
// ErrBadBundle, and the store is left as it was.
func (s *Store) ImportBundle(path string) (*ImportReport, error) {
	if err := s.checkWritable("import"); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("artifacts: import: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("artifacts: import: %w", err)
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() || size < bundleTail+2*512 || size%512 != 0 {
		return nil, badBundle("%s: %d bytes is not the size of a bundle (truncated?)", path, size)
	}
	if err := checkBundleDigest(f, size); err != nil {
		return nil, err
	}

	stage := filepath.Join(s.root, tmpDir, s.tmpName("import"))
	if err := os.Mkdir(stage, sharedDirPerm); err != nil {
		return nil, fmt.Errorf("artifacts: import: %w", err)
	}
	defer os.RemoveAll(stage)
	toc, err := s.stageBundle(tar.NewReader(io.NewSectionReader(f, 0, size-bundleTail)), stage)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{TOC: toc}
	for _, e := range toc.Entries {
		added, err := s.commitStaged(filepath.Join(stage, string(e.Key)), e.Key)
		if err != nil {
			return rep, err
		}
		if added {
			rep.Imported = append(rep.Imported, e.Key)
		} else {
			rep.Present = append(rep.Present, e.Key)
		}
	}
	// Record the import as a run: gc keeps it for the retention window, and
	// `artifacts pin` can keep it for good.
	rep.RunID = "import-" + time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + strconv.Itoa(os.Getpid())
	j, err := s.NewJournal(rep.RunID)
	if err != nil {
		return rep, err
	}
	for _, e := range toc.Entries {
		if err := j.Append(JournalEntry{Stage: e.Stage, Key: e.Key, Status: StatusImported}); err != nil {
			_ = j.Close()
			return rep, err
		}
	}
	return rep, j.Close()
}

// checkBundleDigest checks the digest member against the bytes before it,
// and that nothing but zeros follows.
func checkBundleDigest(f *os.File, size int64) error {
	tail := make([]byte, bundleTail)
	if _, err := f.ReadAt(tail, size-bundleTail); err != nil {
		return badBundle("read end: %v", err)
	}
	tr := tar.NewReader(bytes.NewReader(tail[:1024]))
	hdr, err := tr.Next()
	if err != nil || hdr.Name != bundleSumName || hdr.Size != 65 || hdr.Typeflag != tar.TypeReg {
		return badBundle("no digest member at the end (truncated or not a bundle)")
	}
	want := tail[512 : 512+64]
	for _, b := range tail[512+64 : 512+65] {
		if b != '\n' {
			return badBundle("malformed digest member")
		}
	}
	for _, b := range tail[512+65:] {
		if b != 0 {
			return badBundle("non-zero bytes after the digest member")
		}
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size-bundleTail)); err != nil {
		return badBundle("read: %v", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != string(want) {
		return badBundle("digest mismatch: the file has sha256 %s, its digest member says %s (corrupted)", got, want)
	}
	return nil
}

// stageBundle reads the table of contents and every entry into stage,
// checking each file.
func (s *Store) stageBundle(tr *tar.Reader, stage string) (*BundleTOC, error) {
	hdr, err := tr.Next()
	if err != nil || hdr.Name != bundleTOCName || hdr.Size > maxTOCBytes {
		return nil, badBundle("first member is not %s", bundleTOCName)
	}
	data, err := io.ReadAll(tr)
	if err != nil {
		return nil, badBundle("%s: %v", bundleTOCName, err)
	}
	toc := new(BundleTOC)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(toc); err != nil {
		return nil, badBundle("%s: %v", bundleTOCName, err)
	}
	if toc.Format != bundleFormat && toc.Format != bundleFormatNoFile {
		return nil, badBundle("%s: format %d, want %d or %d", bundleTOCName, toc.Format, bundleFormatNoFile, bundleFormat)
	}
	seen := map[Key]bool{}
	for _, e := range toc.Entries {
		if !validKey(string(e.Key)) || seen[e.Key] {
			return nil, badBundle("%s: invalid or repeated key %q", bundleTOCName, e.Key)
		}
		seen[e.Key] = true
		if len(e.Files) == 0 || e.Files[0].Name != manifestName {
			return nil, badBundle("%s: entry %s: manifest.json must come first", bundleTOCName, e.Key.Short())
		}
		dir := filepath.Join(stage, string(e.Key))
		if err := os.Mkdir(dir, sharedDirPerm); err != nil {
			return nil, fmt.Errorf("artifacts: import: %w", err)
		}
		inFiles := false // past the Arrow files, in files/
		for i, bf := range e.Files {
			if i > 0 {
				if !inFiles && strings.HasPrefix(bf.Name, filesDir+"/") && toc.Format >= bundleFormat {
					inFiles = true
				}
				ok := false
				if inFiles {
					// Same rule as the manifest's files (checkFiles); their
					// order and digests are checked against the manifest.
					ok = safeRelPath(bf.Name) && strings.HasPrefix(bf.Name, filesDir+"/")
				} else {
					port, isArrow := strings.CutSuffix(bf.Name, arrowExt)
					ok = isArrow && validPort(port) && (i == 1 || bf.Name > e.Files[i-1].Name)
				}
				if !ok {
					return nil, badBundle("%s: entry %s: bad file name %q", bundleTOCName, e.Key.Short(), bf.Name)
				}
				if inFiles {
					if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, filepath.FromSlash(bf.Name))), 0o755); err != nil {
						return nil, fmt.Errorf("artifacts: import: %w", err)
					}
				}
			}
			if err := s.stageFile(tr, dir, e.Key, bf); err != nil {
				return nil, err
			}
		}
		if err := checkStagedManifest(dir, e); err != nil {
			return nil, err
		}
	}
	if hdr, err := tr.Next(); err != io.EOF {
		name := ""
		if hdr != nil {
			name = hdr.Name
		}
		return nil, badBundle("unexpected member %q after the listed entries (%v)", name, err)
	}
	return toc, nil
}

func (s *Store) stageFile(tr *tar.Reader, dir string, key Key, bf BundleFile) error {
	want := bundleObjectName(key, bf.Name)
	hdr, err := tr.Next()
	if err != nil {
		return badBundle("%s: %v (truncated?)", want, err)
	}
	if hdr.Name != want || hdr.Size != bf.Bytes || hdr.Typeflag != tar.TypeReg {
		return badBundle("member %q (%d bytes), want %q (%d bytes)", hdr.Name, hdr.Size, want, bf.Bytes)
	}
	out, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(bf.Name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("artifacts: import: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), tr)
	if err == nil && !s.noSync {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return badBundle("%s: truncated", want)
		}
		return fmt.Errorf("artifacts: import: %s: %w", want, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != bf.Bytes || sum != bf.SHA256 {
		return badBundle("%s has %d bytes and sha256 %s, the table of contents says %d and %s", want, n, sum, bf.Bytes, bf.SHA256)
	}
	return nil
}

// checkStagedManifest checks that a staged entry's manifest names its key
// and lists exactly the staged output files with their digests.
func checkStagedManifest(dir string, e BundleEntry) error {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return fmt.Errorf("artifacts: import: %w", err)
	}
	m := new(Manifest)
	mf := manifestFile{Manifest: m}
	if err := json.Unmarshal(data, &mf); err != nil {
		return badBundle("entry %s: manifest.json: %v", e.Key.Short(), err)
	}
	if cerr := checkManifest(e.Key, &mf, data); cerr != nil {
		return badBundle("entry %s: %v", e.Key.Short(), cerr)
	}
	if len(m.Outputs)+len(m.Files) != len(e.Files)-1 {
		return badBundle("entry %s: manifest lists %d files, the bundle holds %d", e.Key.Short(), len(m.Outputs)+len(m.Files), len(e.Files)-1)
	}
	for i, o := range m.Outputs {
		bf := e.Files[i+1]
		if o.File != bf.Name || o.Bytes != bf.Bytes || o.SHA256 != bf.SHA256 {
			return badBundle("entry %s: file %s does not match its manifest", e.Key.Short(), bf.Name)
		}
	}
	for i, f := range m.Files {
		bf := e.Files[1+len(m.Outputs)+i]
		if f.File != bf.Name || f.Bytes != bf.Bytes || f.SHA256 != bf.SHA256 {
			return badBundle("entry %s: file %s does not match its manifest", e.Key.Short(), bf.Name)
		}
	}
	return nil
}

// commitStaged renames a verified staged entry into place. It reports false
// when the store already had a valid entry for key (the staged copy is
// dropped); a corrupt existing entry is replaced.
func (s *Store) commitStaged(staged string, key Key) (bool, error) {
	final := s.Dir(key)
	if err := mkdirShared(filepath.Dir(final)); err != nil {
		return false, fmt.Errorf("artifacts: import %s: %w", key.Short(), err)
	}
	for attempt := 0; ; attempt++ {
		err := os.Rename(staged, final)
		if err == nil {
			return true, nil
		}
		if !isExistErr(err) {
			return false, fmt.Errorf("artifacts: import %s: %w", key.Short(), err)
		}
		existing, lerr := s.Lookup(key)
		if lerr == nil {
			lerr = s.verifyFiles(key, existing)
		}
		switch {
		case lerr == nil:
			return false, nil
		case attempt >= 4:
			return false, fmt.Errorf("artifacts: import %s: cannot replace existing entry: %w", key.Short(), lerr)
		case errors.Is(lerr, ErrNotFound):
		case errors.Is(lerr, ErrCorrupt):
			if err := s.Remove(key); err != nil {
				return false, fmt.Errorf("artifacts: import %s: evict corrupt entry: %w", key.Short(), err)
			}
		default:
			return false, fmt.Errorf("artifacts: import %s: %w", key.Short(), lerr)
		}
	}
}
