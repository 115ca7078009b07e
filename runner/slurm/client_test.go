package slurm

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeCommands puts fake sbatch, squeue, scontrol and scancel on PATH, each
// logging its arguments to the returned file. squeue knows jobs 101 (one
// task running) and 102 (an array: one task done, one failed); scontrol
// also knows 103 (killed by a signal), which squeue no longer lists.
func fakeCommands(t *testing.T) (calls string) {
	t.Helper()
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	scripts := map[string]string{
		"sbatch": `echo "Submitted to cluster" >&2; echo "101;cluster"`,
		"squeue": `case "$6" in
  *broken*) echo "squeue: error: Unable to contact slurm controller" >&2; exit 1 ;;
  *,*) ;;
  101|102) ;;
  *) echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1 ;;
esac
for id in ${6//,/ }; do
  case $id in
    101) echo "101 RUNNING runner-a None" ;;
    102) echo "102_0 COMPLETED runner-s None"; echo "102_1 FAILED runner-s NonZeroExitCode" ;;
  esac
done`,
		"scontrol": `case "$4" in
  102_1) echo "JobId=102 ArrayJobId=102 ArrayTaskId=1 JobName=runner-s JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0" ;;
  103) echo "JobId=103 JobName=runner-b JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15" ;;
  *) echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1 ;;
esac`,
		"scancel": `exit 0`,
	}
	for name, body := range scripts {
		body = "#!/bin/bash\necho \"" + name + " $*\" >>" + shellQuote(calls) + "\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return calls
}

func readCalls(t *testing.T, calls string) []string {
	t.Helper()
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(calls)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestCLISubmit(t *testing.T) {
	calls := fakeCommands(t)
	tests := []struct {
		name string
		job  Job
		want string // the sbatch command line
	}{
		{"plain", Job{Name: "runner-k", Script: "/w/job.sh", Output: "/w/task-0.out", Error: "/w/task-0.err", Chdir: "/c"},
			"sbatch --parsable --chdir=/c --job-name=runner-k --output=/w/task-0.out --error=/w/task-0.err /w/job.sh"},
		{"array", Job{Name: "runner-s", Script: "/w/job.sh", Array: 3, Output: "/w/task-%a.out", Error: "/w/task-%a.err",
			Chdir: "/c", Time: "7", Args: []string{"--partition=debug", "--hold"}},
			"sbatch --parsable --chdir=/c --job-name=runner-s --array=0-2 --output=/w/task-%a.out --error=/w/task-%a.err --time=7 --partition=debug --hold /w/job.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := CLI{}.Submit(context.Background(), tt.job)
			if err != nil || id != "101" {
				t.Fatalf("Submit = %q, %v; want 101", id, err)
			}
			if got := readCalls(t, calls); !reflect.DeepEqual(got, []string{tt.want}) {
				t.Errorf("ran %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCLIQuery(t *testing.T) {
	calls := fakeCommands(t)
	tests := []struct {
		name string
		ids  []string
		want map[string]JobState
	}{
		{"listed, ended and forgotten", []string{"101", "102_0", "102_1", "103", "104"}, map[string]JobState{
			"101":   {State: "RUNNING", Reason: "None", ExitCode: -1, Name: "runner-a"},
			"102_0": {State: "COMPLETED", Reason: "None", ExitCode: -1, Name: "runner-s"},
			"102_1": {State: "FAILED", Reason: "NonZeroExitCode", ExitCode: 3, Name: "runner-s"}, // exit code from scontrol
			"103":   {State: "TIMEOUT", Reason: "TimeLimit", ExitCode: -1, Name: "runner-b"},     // killed by signal 15
		}},
		// squeue fails on a single id it forgot, instead of listing nothing.
		{"single forgotten id", []string{"104"}, map[string]JobState{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CLI{}.Query(context.Background(), tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Query(%q) = %v, want %v", tt.ids, got, tt.want)
			}
			// One squeue call for all jobs, an array asked for by its job id.
			if c := readCalls(t, calls); !strings.HasPrefix(c[0], "squeue -h -r -t all -j "+strings.Split(tt.ids[0], "_")[0]) {
				t.Errorf("first call %q, want one squeue for every job", c[0])
			}
		})
	}
	if _, err := (CLI{}).Query(context.Background(), []string{"broken"}); err == nil || !strings.Contains(err.Error(), "Unable to contact") {
		t.Errorf("Query with squeue failing: %v, want its error", err)
	}
}

func TestCLICancel(t *testing.T) {
	calls := fakeCommands(t)
	if err := (CLI{}).Cancel(context.Background(), []string{"101", "102_1"}); err != nil {
		t.Fatal(err)
	}
	if got := readCalls(t, calls); !reflect.DeepEqual(got, []string{"scancel 101 102_1"}) {
		t.Errorf("ran %q", got)
	}
}

// TestCLIQuerySacct: where accounting exists, the jobs squeue no longer
// lists are asked of sacct in one call, not of scontrol one by one.
func TestCLIQuerySacct(t *testing.T) {
	calls := fakeCommands(t)
	dir := filepath.Dir(calls)
	script := "#!/bin/bash\necho \"sacct $*\" >>" + shellQuote(calls) + `
echo "103|TIMEOUT|0:15|runner-b|TimeLimit"
echo "105|CANCELLED by 0|0:0|runner-c|None"
`
	if err := os.WriteFile(filepath.Join(dir, "sacct"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	saved := sacctAvailable
	sacctAvailable = func(context.Context) bool { return true }
	defer func() { sacctAvailable = saved }()
	got, err := CLI{}.Query(context.Background(), []string{"101", "103", "105", "106"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]JobState{
		"101": {State: "RUNNING", Reason: "None", ExitCode: -1, Name: "runner-a"},
		"103": {State: "TIMEOUT", Reason: "TimeLimit", ExitCode: -1, Name: "runner-b"},
		"105": {State: "CANCELLED", Reason: "None", ExitCode: 0, Name: "runner-c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Query = %v, want %v", got, want)
	}
	c := readCalls(t, calls)
	if len(c) != 2 || !strings.HasPrefix(c[1], "sacct -n -X -P -o JobID,State,ExitCode,JobName,Reason -j 103,105,106") {
		t.Errorf("calls %q, want squeue then one sacct", c)
	}
}
