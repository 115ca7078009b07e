package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Resources is what a batch job of a stage asks its cluster for. Empty
// fields ask for nothing (the cluster's defaults). They are not part of
// the cache key: where a stage runs does not change what it computes.
type Resources struct {
	Partition string `yaml:"partition,omitempty" json:"partition,omitempty" doc:"Slurm partition."`
	Account   string `yaml:"account,omitempty" json:"account,omitempty" doc:"Slurm account."`
	QOS       string `yaml:"qos,omitempty" json:"qos,omitempty" doc:"Slurm quality of service."`
	// Time is the limit per cell, in whole minutes after checking (a batch
	// job of N cells asks for N times it).
	Time string `yaml:"time,omitempty" json:"time,omitempty" doc:"Time limit per cell: 90 (minutes), 1:30:00, 2-00:00:00 or a duration such as 45m."`
	Mem  string `yaml:"mem,omitempty" json:"mem,omitempty" doc:"Memory per job, such as 4G or 500M (K, M, G, T; a plain number is MB)."`
	CPUs int    `yaml:"cpus,omitempty" json:"cpus,omitempty" doc:"CPUs per task."`
	GPUs int    `yaml:"gpus,omitempty" json:"gpus,omitempty" doc:"GPUs per job (--gres=gpu:N)."`
	// Extra are further sbatch options, each one argument such as
	// --constraint=haswell.
	Extra []string `yaml:"extra,omitempty" json:"extra,omitempty" doc:"Further sbatch options, one argument each, such as --constraint=haswell."`
}

// IsZero reports whether r asks for nothing.
func (r Resources) IsZero() bool {
	return r.Partition == "" && r.Account == "" && r.QOS == "" && r.Time == "" && r.Mem == "" &&
		r.CPUs == 0 && r.GPUs == 0 && len(r.Extra) == 0
}

// Minutes returns the time limit in minutes (0: none). Time is checked by
// Parse, so an unreadable value is 0.
func (r Resources) Minutes() int {
	m, _ := parseSlurmTime(r.Time)
	return m
}

// MemMB returns the memory in MB (0: none).
func (r Resources) MemMB() int64 {
	m, _ := parseMem(r.Mem)
	return m
}

// SbatchArgs renders r as sbatch options, time excepted (the executor
// scales it by the cells of a batch).
func (r Resources) SbatchArgs() []string {
	var args []string
	add := func(flag, v string) {
		if v != "" {
			args = append(args, flag+"="+v)
		}
	}
	add("--partition", r.Partition)
	add("--account", r.Account)
	add("--qos", r.QOS)
	if mb := r.MemMB(); mb > 0 {
		args = append(args, fmt.Sprintf("--mem=%dM", mb))
	}
	if r.CPUs > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(r.CPUs))
	}
	if r.GPUs > 0 {
		args = append(args, "--gres=gpu:"+strconv.Itoa(r.GPUs))
	}
	return append(args, r.Extra...)
}

// Override returns r with the fields set in o replacing its own.
func (r Resources) Override(o Resources) Resources {
	if o.Partition != "" {
		r.Partition = o.Partition
	}
	if o.Account != "" {
		r.Account = o.Account
	}
	if o.QOS != "" {
		r.QOS = o.QOS
	}
	if o.Time != "" {
		r.Time = o.Time
	}
	if o.Mem != "" {
		r.Mem = o.Mem
	}
	if o.CPUs != 0 {
		r.CPUs = o.CPUs
	}
	if o.GPUs != 0 {
		r.GPUs = o.GPUs
	}
	if o.Extra != nil {
		r.Extra = o.Extra
	}
	return r
}

var (
	slurmTimeRE = regexp.MustCompile(`^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$`)
	memRE       = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*([KMGT]?)B?$`)
)

// parseSlurmTime reads a Slurm time limit ("90", "1:30:00", "2-00", "2-12:00:00")
// or a Go duration ("45m", "1h30m") and returns whole minutes, rounded up.
func parseSlurmTime(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return 0, fmt.Errorf("time %q must be positive", s)
		}
		return int((d + time.Minute - 1) / time.Minute), nil
	}
	m := slurmTimeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("time %q is not a time limit: use minutes (90), [D-]HH:MM:SS, MM:SS or a duration such as 45m", s)
	}
	num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	var minutes, seconds int
	switch {
	case m[1] != "": // D-HH[:MM[:SS]]
		minutes = num(1)*24*60 + num(2)*60 + num(3)
		seconds = num(4)
	case m[4] != "": // HH:MM:SS
		minutes = num(2)*60 + num(3)
		seconds = num(4)
	case m[3] != "": // MM:SS
		minutes = num(2)
		seconds = num(3)
	default: // minutes
		minutes = num(2)
	}
	total := minutes + (seconds+59)/60
	if total <= 0 {
		return 0, fmt.Errorf("time %q must be positive", s)
	}
	return total, nil
}

// parseMem reads a memory size ("4G", "500M", "1.5G", "2048" in MB) and
// returns MB, rounded up.
func parseMem(orig string) (int64, error) {
	s := strings.TrimSpace(strings.ToUpper(orig))
	if s == "" {
		return 0, nil
	}
	m := memRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("mem %q is not a memory size: use a number with K, M, G or T, such as 4G", orig)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("mem %q must be positive", orig)
	}
	mult := map[string]float64{"K": 1.0 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}[m[2]]
	mb := int64(v*mult + 0.999999)
	return max(mb, 1), nil
}

// checkResources reports the problems of decoded resources at n.
func (b *builder) checkResources(r Resources, n *Node, path string) {
	pos := func(key string) Pos {
		if n != nil {
			if v := n.Get(key); v != nil {
				return v.Pos
			}
		}
		if n != nil {
			return n.Pos
		}
		return Pos{File: b.file}
	}
	if _, err := parseSlurmTime(r.Time); err != nil {
		b.errorf(pos("time"), path+".time", "%v", err)
	}
	if _, err := parseMem(r.Mem); err != nil {
		b.errorf(pos("mem"), path+".mem", "%v", err)
	}
	if r.CPUs < 0 {
		b.errorf(pos("cpus"), path+".cpus", "cpus must not be negative")
	}
	if r.GPUs < 0 {
		b.errorf(pos("gpus"), path+".gpus", "gpus must not be negative")
	}
	for i, x := range r.Extra {
		if !strings.HasPrefix(x, "-") {
			p := pos("extra")
			if n != nil {
				if e := n.Get("extra"); e != nil && e.Kind == SeqNode && i < len(e.Items) {
					p = e.Items[i].Pos
				}
			}
			b.errorf(p, fmt.Sprintf("%s.extra[%d]", path, i), "extra sbatch option %q must start with -, such as --constraint=haswell", x)
		}
	}
}

// decodeResources decodes and checks a resources map.
func (b *builder) decodeResources(n *Node, path string) Resources {
	var r Resources
	if n == nil || isNull(n) {
		return r
	}
	ds := Decode(n, path, &r)
	b.ds = append(b.ds, ds...)
	if len(ds) == 0 {
		b.checkResources(r, n, path)
	}
	return r
}

// kindResources reads the top-level resources: default resources per
// stage kind, such as {generate: {mem: 4G}}.
func (b *builder) kindResources(n *Node) map[string]Resources {
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != MapNode {
		b.errorf(n.Pos, "resources", "expected a map of stage kind -> resources such as {generate: {mem: 4G}}, got %s", describe(n))
		return nil
	}
	out := map[string]Resources{}
	for _, e := range n.Entries {
		out[e.Key] = b.decodeResources(e.Value, "resources."+e.Key)
	}
	return out
}

// ParseResourceOverride reads a command-line override "[STAGE.]KEY=VALUE",
// such as mem=8G or fit.time=2h, checked like the file's resources. stage
// is "" for every stage.
func ParseResourceOverride(arg string) (stage string, r Resources, err error) {
	lhs, value, ok := strings.Cut(arg, "=")
	if !ok || lhs == "" {
		return "", r, fmt.Errorf("resource override %q: want [STAGE.]KEY=VALUE, such as mem=8G or fit.time=2h", arg)
	}
	key := lhs
	if i := strings.LastIndexByte(lhs, '.'); i >= 0 {
		stage, key = lhs[:i], lhs[i+1:]
	}
	n, ds := ParseNode("--resource", []byte(key+": "+value))
	if len(ds) == 0 {
		b := &builder{file: "--resource"}
		r = b.decodeResources(n, "resources")
		ds = b.ds
	}
	if len(ds) > 0 {
		return "", r, fmt.Errorf("resource override %q: %s", arg, ds[0].Message)
	}
	return stage, r, nil
}
