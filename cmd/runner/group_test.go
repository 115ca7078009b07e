//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// groupPipeline has 13 stage instances, enough for two runners started
// together to contend for keys.
const groupPipeline = `version: 1
name: group
seed: 3
matrix:
  k: [a, b, c, d, e, f]
stages:
  s:
    kind: sample
    foreach: [k]
    params: {n: 50}
  t:
    kind: sample
    foreach: [k]
    params: {n: 20}
  all:
    kind: collect
    inputs: {tables: "s[*].table"}
`

type account struct {
	name     string
	uid, gid uint32
}

// groupAccounts creates a group and two users in it, removed at cleanup.
func groupAccounts(t *testing.T) (gid uint32, users []account) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("two-user shared store test: needs root to create two Unix accounts (useradd); run the tests as root, as CI does")
	}
	for _, tool := range []string{"useradd", "groupadd", "userdel", "groupdel"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("two-user shared store test: %s not found", tool)
		}
	}
	suffix := strconv.Itoa(os.Getpid() % 100000)
	group := "rgrp" + suffix
	if out, err := exec.Command("groupadd", group).CombinedOutput(); err != nil {
		t.Fatalf("groupadd: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("groupdel", group).Run() })
	g, err := user.LookupGroup(group)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(g.Gid)
	gid = uint32(n)
	for _, who := range []string{"ra", "rb"} {
		name := who + suffix
		if out, err := exec.Command("useradd", "-M", "-N", "-g", group, "-s", "/bin/sh", name).CombinedOutput(); err != nil {
			t.Fatalf("useradd: %v\n%s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("userdel", name).Run() })
		u, err := user.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		users = append(users, account{name: name, uid: uint32(uid), gid: gid})
	}
	return gid, users
}

// asUser prepares the runner binary to run as acct with umask 002.
func asUser(ctx context.Context, bin string, acct account, dir string, args ...string) *exec.Cmd {
	script := `umask 002 && exec "$0" "$@"`
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", script, bin}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: acct.uid, Gid: acct.gid, Groups: []uint32{acct.gid}}}
	return cmd
}

// TestTwoUsersShareOneStore: two Unix accounts of one group, with umask
// 002, apply one pipeline into one store at the same time; every key is
// computed once (counted from both journals), every directory is setgid and
// group-writable and every file group-readable; and one user's runner
// breaks a stale lease the other user left behind.
func TestTwoUsersShareOneStore(t *testing.T) {
	gid, users := groupAccounts(t)
	base := t.TempDir()
	// t.TempDir's directories are private; open the path to the accounts.
	for d := base; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The test binary is the runner (see TestMain); copy it where both may run it.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "bin", "runner")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, self, bin, 0o755)
	work := filepath.Join(base, "work")
	if err := os.Mkdir(work, 0o775); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(work, 0, int(gid)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(work, 0o775|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, filepath.Join(work, "p.yaml"), groupPipeline)
	store := filepath.Join(work, "store")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, u := range users {
		c := asUser(ctx, bin, u, work, "--store", store, "apply", "-q", "-j", "3", p)
		out := &strings.Builder{}
		c.Stdout, c.Stderr = out, out
		cmds, outs = append(cmds, c), append(outs, out)
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("apply as %s: %v\n%s", users[i].name, err, outs[i])
		}
	}

	// Each key ran exactly once over both journals; each run saw all 13.
	ran := map[string]int{}
	runs, _ := filepath.Glob(filepath.Join(store, "runs", "*.jsonl"))
	if len(runs) != 2 {
		t.Fatalf("%d journals, want 2", len(runs))
	}
	for _, j := range runs {
		seen := map[string]bool{}
		for _, e := range readJournalLines(t, j) {
			if e.Status == "ran" {
				ran[e.Key]++
			}
			if e.Status == "ran" || e.Status == "cached" {
				seen[e.Key] = true
			}
		}
		if len(seen) != 13 {
			t.Fatalf("%s: %d keys ran or cached, want 13", j, len(seen))
		}
	}
	if len(ran) != 13 {
		t.Fatalf("%d keys ran, want 13", len(ran))
	}
	for k, n := range ran {
		if n != 1 {
			t.Fatalf("key %s computed %d times", k[:12], n)
		}
	}
	owners := map[uint32]bool{}
	_ = filepath.Walk(store, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		owners[st.Uid] = true
		if st.Gid != gid {
			t.Errorf("%s belongs to group %d, want %d", path, st.Gid, gid)
		}
		switch {
		case fi.IsDir() && (fi.Mode()&fs.ModeSetgid == 0 || fi.Mode()&0o070 != 0o070):
			t.Errorf("directory %s has mode %v, want setgid and group rwx", path, fi.Mode())
		case !fi.IsDir() && fi.Mode()&0o040 == 0:
			t.Errorf("file %s has mode %v, want group-readable", path, fi.Mode())
		}
		return nil
	})
	if !owners[users[0].uid] || !owners[users[1].uid] {
		t.Logf("note: one runner computed every key (owners %v); the race was not exercised this time", owners)
	}

	// A stale lease of user A on a key that is not computed yet: user B's
	// runner breaks it (it removes A's file from the group's locks dir).
	key := planKey(t, store, p, "s[a]", "s.n=51")
	lease := filepath.Join(store, "locks", key+".lock")
	stale := fmt.Sprintf(`{"key":%q,"host":"elsewhere","pid":1,"token":"t","acquired":"2020-01-01T00:00:00Z","expires":"2020-01-01T00:01:00Z"}`+"\n", key)
	writeFile(t, lease, stale)
	if err := os.Chown(lease, int(users[0].uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(lease, 0o644); err != nil {
		t.Fatal(err)
	}
	c := asUser(ctx, bin, users[1], work, "--store", store, "apply", "-q", "--set", "s.n=51", p)
	if b, err := c.CombinedOutput(); err != nil || !strings.Contains(string(b), "7 ran") {
		t.Fatalf("apply as %s over %s's stale lease: %v\n%s", users[1].name, users[0].name, err, b)
	}
	if _, err := os.Stat(lease); !os.IsNotExist(err) {
		t.Fatalf("the stale lease is still there: %v", err)
	}

	// In a sticky locks directory B cannot remove A's file: the stage fails
	// with the reason instead of waiting for ever.
	locks := filepath.Join(store, "locks")
	fi, err := os.Stat(locks)
	if err != nil {
		t.Fatal(err)
	}
	// The owner of a sticky directory may still remove anything in it, and
	// either account may have created it: give it to root.
	if err := os.Chown(locks, 0, int(gid)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locks, fi.Mode().Perm()|fs.ModeSetgid|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	key2 := planKey(t, store, p, "s[a]", "s.n=52")
	lease2 := filepath.Join(locks, key2+".lock")
	writeFile(t, lease2, strings.ReplaceAll(stale, key, key2))
	if err := os.Chown(lease2, int(users[0].uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	c = asUser(ctx, bin, users[1], work, "--store", store, "apply", "-q", "--set", "s.n=52", p)
	b, err := c.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "cannot break the stale lease") || !strings.Contains(string(b), "5 ran, 6 cached, 1 failed, 1 skipped") {
		t.Fatalf("apply as %s over a lease it may not remove: %v\n%s", users[1].name, err, b)
	}
	if err := os.Chmod(locks, fi.Mode().Perm()|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(lease2); err != nil {
		t.Fatal(err)
	}

	// Either member can collect what the other wrote: user A removes every
	// entry, B's included.
	c = asUser(ctx, bin, users[0], work, "--store", store, "artifacts", "gc", "--yes", "--keep-within", "0", "--grace", "0")
	if b, err := c.CombinedOutput(); err != nil || !strings.Contains(string(b), "removed 25 entries") {
		t.Fatalf("gc as %s: %v\n%s", users[0].name, err, b)
	}
	if ents, _ := filepath.Glob(filepath.Join(store, "objects", "*", "*")); len(ents) != 0 {
		t.Fatalf("%d entries left after gc", len(ents))
	}
}

// planKey returns the key of instance id in the plan of p with one override.
func planKey(t *testing.T, store, p, id, set string) string {
	t.Helper()
	var plan struct {
		Stages []struct {
			Stage, Key string
		}
	}
	var out, errOut strings.Builder
	if code := run([]string{"--store", store, "plan", "--format", "json", "--set", set, p}, &out, &errOut); code != 0 {
		t.Fatalf("plan: %s%s", out.String(), errOut.String())
	}
	if err := json.Unmarshal([]byte(out.String()), &plan); err != nil {
		t.Fatal(err)
	}
	for _, s := range plan.Stages {
		if s.Stage == id {
			return s.Key
		}
	}
	t.Fatalf("no %s in the plan", id)
	return ""
}

type journalLine struct {
	Key    string `json:"key"`
	Status string `json:"status"`
}

func readJournalLines(t *testing.T, path string) []journalLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []journalLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l journalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	return out
}

func copyFile(t *testing.T, src, dst string, mode fs.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
