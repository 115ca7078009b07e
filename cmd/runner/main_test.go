package main

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
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
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("RUNNER_STORE", env.WorkDir+"/.runner")
			return nil
		},
	})
}
