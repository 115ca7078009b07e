package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/chaos-runner/runner/internal/clusterlock"
)

// The scripts in testdata/script run the real binary: `runner` exits with
// its own code; `runner-code` runs the same CLI and prints "exit code N", so
// scripts can assert exact exit codes (2 invalid, 1 failed, 130 interrupted).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"runner": main,
		"runner-code": func() {
			code := run(os.Args[1:], os.Stdout, os.Stderr)
			fmt.Printf("exit code %d\n", code)
			os.Exit(0)
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: sleep DURATION")
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
			"signal": cmdSignal,
			// clusterlock: hold the local Slurm cluster shared until the
			// script ends (internal/clusterlock: no other package's test
			// stops the controller meanwhile).
			"clusterlock": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 0 {
					ts.Fatalf("usage: clusterlock")
				}
				l, err := clusterlock.Shared()
				ts.Check(err)
				ts.Defer(func() { l.Release() })
			},
			// flip FILE N: invert the byte N bytes before the end of FILE.
			"flip": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: flip FILE N")
				}
				n, err := strconv.Atoi(args[1])
				ts.Check(err)
				b, err := os.ReadFile(ts.MkAbs(args[0]))
				ts.Check(err)
				if n < 1 || n > len(b) {
					ts.Fatalf("flip: %s has %d bytes", args[0], len(b))
				}
				b[len(b)-n] ^= 0xff
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
			},
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("RUNNER_STORE", env.WorkDir+"/.runner")
			return nil
		},
	})
}

// cmdSignal is the script command `signal INT|TERM PATTERN PROG [ARGS...]`:
// it runs PROG, sends it the signal as soon as a line of its stdout or stderr
// matches the regexp PATTERN (so a test waits for "start ..." instead of
// sleeping), and waits for it; PROG's output becomes the command's output.
// It fails if PROG exits without printing a matching line.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: signal INT|TERM PATTERN PROG [ARGS...]")
	}
	sig := map[string]os.Signal{"INT": os.Interrupt, "TERM": syscall.SIGTERM}[args[0]]
	if sig == nil {
		ts.Fatalf("signal: unknown signal %q", args[0])
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	path, err := exec.LookPath(args[2])
	ts.Check(err)
	cmd := exec.Command(path, args[3:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = os.Environ()
	for _, k := range []string{"RUNNER_STORE", "HOME", "TMPDIR", "WORK", "PATH"} {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	outPipe, err := cmd.StdoutPipe()
	ts.Check(err)
	errPipe, err := cmd.StderrPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	var once sync.Once
	sent := false
	var wg sync.WaitGroup
	// A long table is kept only by its head and its last lines.
	scan := func(r io.Reader, dst *bytes.Buffer) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var tail []string
		for sc.Scan() {
			line := sc.Text()
			if dst.Len() < 64<<10 {
				dst.WriteString(line + "\n")
			} else {
				tail = append(tail, line)
				if len(tail) > 5 {
					tail = tail[1:]
				}
			}
			if re.MatchString(line) {
				once.Do(func() { sent = cmd.Process.Signal(sig) == nil })
			}
		}
		_, _ = io.Copy(io.Discard, r)
		if len(tail) > 0 {
			dst.WriteString("...\n")
			for _, l := range tail {
				dst.WriteString(l + "\n")
			}
		}
	}
	var stdout, stderr bytes.Buffer
	wg.Add(2)
	go scan(outPipe, &stdout)
	go scan(errPipe, &stderr)
	wg.Wait()
	_ = cmd.Wait()
	fmt.Fprint(ts.Stdout(), stdout.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
	if !sent {
		ts.Fatalf("signal: %s exited before printing a line matching %q", args[2], args[1])
	}
}
