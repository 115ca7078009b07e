package slurm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// Client is the executor's view of a Slurm cluster: submit a batch script,
// ask for job states, cancel jobs. CLI is the real one; tests fake it.
type Client interface {
	// Submit submits job and returns its job id ("123"); the tasks of an
	// array are "123_0", "123_1", ...
	Submit(ctx context.Context, job Job) (id string, err error)
	// Query returns the state of each job or array task of ids that Slurm
	// still knows; ids it has forgotten (after MinJobAge) are left out.
	Query(ctx context.Context, ids []string) (map[string]JobState, error)
	// Cancel cancels jobs or array tasks.
	Cancel(ctx context.Context, ids []string) error
}

// Job is one sbatch submission: a plain job, or a job array.
type Job struct {
	Name   string // --job-name
	Script string // path of the batch script
	// Array is the number of array tasks, indexed from 0; 0 submits a
	// plain job.
	Array int
	// Output and Error are the stdout and stderr files of the job; %a
	// stands for the array index.
	Output, Error string
	Chdir         string   // working directory of the job
	Time          string   // --time limit in minutes; "" for none
	Args          []string // further sbatch arguments, such as --partition=short
}

// JobState is what Slurm reports about a job or array task.
type JobState struct {
	State    string // such as PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT
	Reason   string // why it is pending or ended, such as Priority or NonZeroExitCode
	ExitCode int    // exit code of the job script; -1 if unknown or killed by a signal
	// Name is the job's name, if told: a controller that crashed before
	// saving a job may give its id to the next one.
	Name string
}

// CLI is the Client that runs sbatch, squeue, scontrol and scancel from
// PATH. sacct is not used (many clusters, and the local test cluster, run no
// slurmdbd): squeue lists the live jobs, scontrol the recently ended ones.
type CLI struct{}

// Submit runs `sbatch --parsable`.
func (CLI) Submit(ctx context.Context, job Job) (string, error) {
	args := []string{"--parsable", "--chdir=" + job.Chdir, "--job-name=" + job.Name}
	if job.Array > 0 {
		args = append(args, fmt.Sprintf("--array=0-%d", job.Array-1))
	}
	args = append(args, "--output="+job.Output, "--error="+job.Error)
	if job.Time != "" {
		args = append(args, "--time="+job.Time)
	}
	args = append(args, job.Args...)
	args = append(args, job.Script)
	out, err := command(ctx, "sbatch", args...)
	if err != nil {
		return "", err
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(lastLine(out)), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("unexpected sbatch output %q", out)
	}
	return id, nil
}

// squeueChunk is the most job ids asked for in one squeue call, to bound
// the command line.
const squeueChunk = 500

// Query asks squeue about every job at once (an array by its job id), then
// about the ids squeue no longer lists and the exit codes of failed jobs
// (which squeue does not print): sacct, in one call, where accounting
// exists; else scontrol, one call per id.
func (CLI) Query(ctx context.Context, ids []string) (map[string]JobState, error) {
	seen := map[string]bool{}
	var jobs []string
	for _, id := range ids {
		job, _, _ := strings.Cut(id, "_")
		if !seen[job] {
			seen[job] = true
			jobs = append(jobs, job)
		}
	}
	listed := map[string]JobState{}
	for len(jobs) > 0 {
		chunk := jobs[:min(len(jobs), squeueChunk)]
		jobs = jobs[len(chunk):]
		if err := squeue(ctx, chunk, listed); err != nil {
			return nil, err
		}
	}
	// The ids to ask further: not listed, or failed without an exit code.
	var more []string
	for _, id := range ids {
		st, ok := listed[id]
		if !ok || terminalStates[st.State] && st.State != "COMPLETED" && st.ExitCode < 0 {
			more = append(more, id)
		}
	}
	var accounted map[string]JobState
	if len(more) > 0 && sacctAvailable(ctx) {
		accounted = map[string]JobState{}
		for rest := more; len(rest) > 0; {
			chunk := rest[:min(len(rest), squeueChunk)]
			rest = rest[len(chunk):]
			if err := sacct(ctx, chunk, accounted); err != nil {
				accounted = nil // fall back to scontrol
				break
			}
		}
	}
	states := make(map[string]JobState, len(ids))
	for _, id := range ids {
		st, ok := listed[id]
		if acc, found := accounted[id]; found {
			if ok {
				st.ExitCode = acc.ExitCode
			} else {
				st, ok = acc, true
			}
		} else if !ok && accounted != nil {
			continue // not even in the accounting: unknown
		} else if !ok {
			var err error
			if st, ok, err = scontrolJob(ctx, id); err != nil {
				return nil, err
			}
			if !ok {
				continue // forgotten
			}
		}
		if terminalStates[st.State] && st.State != "COMPLETED" && st.ExitCode < 0 && accounted == nil {
			if full, ok, err := scontrolJob(ctx, id); err == nil && ok {
				st.ExitCode = full.ExitCode
			}
		}
		states[id] = st
	}
	return states, nil
}

// sacctAvailable reports whether this cluster keeps accounting (sacct
// answers), asked once per process.
var sacctAvailable = func() func(ctx context.Context) bool {
	var once sync.Once
	var ok bool
	return func(ctx context.Context) bool {
		once.Do(func() {
			_, err := command(ctx, "sacct", "-n", "-X", "-P", "-o", "JobID", "-j", "1")
			ok = err == nil
		})
		return ok
	}
}()

// sacct adds to states what accounting knows of ids (one call): state,
// exit code and name of each job or array task.
func sacct(ctx context.Context, ids []string, states map[string]JobState) error {
	out, err := command(ctx, "sacct", "-n", "-X", "-P", "-o", "JobID,State,ExitCode,JobName,Reason", "-j", strings.Join(ids, ","))
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) < 4 {
			continue
		}
		state, _, _ := strings.Cut(f[1], " ") // "CANCELLED by 0"
		st := JobState{State: state, Name: f[3], ExitCode: -1}
		if code, sig, _ := strings.Cut(f[2], ":"); sig == "0" {
			if c, err := strconv.Atoi(code); err == nil {
				st.ExitCode = c
			}
		}
		if len(f) > 4 {
			st.Reason = f[4]
		}
		states[f[0]] = st
	}
	return nil
}

// Cancel runs scancel.
func (CLI) Cancel(ctx context.Context, ids []string) error {
	_, err := command(ctx, "scancel", ids...)
	return err
}

// squeue adds to states the state of every job (and array task) of ids
// that squeue still lists.
func squeue(ctx context.Context, ids []string, states map[string]JobState) error {
	out, err := command(ctx, "squeue", "-h", "-r", "-t", "all", "-j", strings.Join(ids, ","), "-o", "%i %T %j %r")
	if err != nil {
		// With a single id that Slurm forgot, squeue fails instead of
		// listing nothing.
		if strings.Contains(err.Error(), "Invalid job id") {
			return nil
		}
		return err
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		st := JobState{State: f[1], ExitCode: -1}
		if len(f) > 2 {
			st.Name = f[2]
		}
		if len(f) > 3 {
			st.Reason = f[3]
		}
		states[f[0]] = st
	}
	return nil
}

// scontrolJob asks scontrol about one job or array task; ok is false when
// Slurm does not know it.
func scontrolJob(ctx context.Context, id string) (st JobState, ok bool, err error) {
	out, err := command(ctx, "scontrol", "-o", "show", "job", id)
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") {
			return JobState{}, false, nil
		}
		return JobState{}, false, err
	}
	st.ExitCode = -1
	for _, f := range strings.Fields(out) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "JobState":
			st.State = v
		case "JobName":
			st.Name = v
		case "Reason":
			st.Reason = v
		case "ExitCode": // "code:signal"
			code, sig, _ := strings.Cut(v, ":")
			if c, err := strconv.Atoi(code); err == nil && sig == "0" {
				st.ExitCode = c
			}
		}
	}
	return st, st.State != "", nil
}

// command runs a Slurm client command and returns its stdout; its error
// includes stderr.
func command(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return "", fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return stdout.String(), nil
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
