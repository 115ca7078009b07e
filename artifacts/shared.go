package artifacts

import (
	"io/fs"
	"os"
	"path/filepath"
)

// A store can be shared by the members of one Unix group: every directory
// the store creates is group-writable and setgid as far as the umask allows
// (mode 0777 and 02000, then the umask), so with `umask 002` new entries,
// shards, journals and lease files belong to the directory's group and every
// member can create, break and remove them. The mode is never forced against
// the umask: with the usual 022 a store is private to its owner as before.
// Files of entries are written 0444 (readable by everyone the umask lets);
// lease, ref and index files 0666 before the umask.

// sharedDirPerm is the mode directories are created with, before the umask.
const sharedDirPerm fs.FileMode = 0o777

// sharedFilePerm is the mode of files that other group members must be able
// to append to or replace, before the umask.
const sharedFilePerm fs.FileMode = 0o666

// mkdirShared creates dir and any missing parents (with the umask's mode)
// and makes dir setgid if it created it. An existing directory is left
// alone: its owner chose its mode.
func mkdirShared(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), sharedDirPerm); err != nil {
		return err
	}
	if err := os.Mkdir(dir, sharedDirPerm); err != nil {
		if os.IsExist(err) {
			return nil
		}
		return err
	}
	setgid(dir)
	return nil
}

// setgid adds the setgid bit to a directory this process just created,
// keeping the permission bits the umask gave it, so that everything created
// below belongs to the directory's group (Linux also copies the bit to new
// subdirectories). Failures are ignored: some file systems refuse it, and
// the store works without it.
func setgid(dir string) {
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode()&fs.ModeSetgid != 0 {
		return
	}
	_ = os.Chmod(dir, fi.Mode().Perm()|fs.ModeSetgid)
}
