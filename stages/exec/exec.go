package exec

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/forecast"
	"github.com/chaos-runner/runner/stages/scoring"
)

// File formats of the tables exchanged with the command.
const (
	FormatArrow   = "arrow"
	FormatNpy     = "npy"
	FormatParquet = "parquet"
	FormatCSV     = "csv"
)

var formats = []string{FormatArrow, FormatNpy, FormatParquet, FormatCSV}

// Roles preset the ports of the benchmark's train and forecast slots.
const (
	RoleTrain    = "train"
	RoleForecast = "forecast"
)

// LogPort is the output port that keeps the command's stdout and stderr.
const LogPort = "log"

// MaxLog bounds the bytes of each stream kept in the log table and shown in
// errors (the tail is kept).
const MaxLog = 64 << 10

// Params configure the exec stage.
type Params struct {
	Command []string          `yaml:"command" doc:"the program and its arguments, run in the stage's temporary working directory (no shell: write [sh, -c, '...'] for one); an argument equal to one of files is replaced by that file's absolute path"`
	Files   []string          `yaml:"files,omitempty" doc:"files the command depends on (its scripts, helper modules), relative to the pipeline file: their SHA-256 digests are part of the cache key, so editing one reruns exactly the stages that list it"`
	Version string            `yaml:"version,omitempty" doc:"free version string of the command, part of the cache key: change it to rerun when something outside files changed (an interpreter, a package)"`
	Role    string            `yaml:"role,omitempty" doc:"train or forecast: preset the ports of the benchmark's slots (train: in train, out model; forecast: in model, test and optional history, out forecast with the forecast table's schema); ports declared in in/out replace a preset port of the same name"`
	In      []PortSpec        `yaml:"in,omitempty" doc:"input ports, each written to a file for the command: {name, table (trajectory, forecast, metrics, any), columns ([NAME:TYPE, ...]), format, optional, many, doc}"`
	Out     []PortSpec        `yaml:"out,omitempty" doc:"output ports, each a file the command must write, checked against its schema when it exits 0: {name, table, columns, format, doc}"`
	Format  string            `yaml:"format,omitempty" doc:"default file format of every port: arrow (Arrow IPC file), npy (2-D float64 array + JSON sidecar), parquet or csv (+ JSON sidecar for the metadata)"`
	Config  *spec.Node        `yaml:"config,omitempty" doc:"the command's own parameters, written as JSON to params.json (part of the cache key)"`
	Env     map[string]string `yaml:"env,omitempty" doc:"environment variables set for the command (part of the cache key); nothing else of the runner's environment is passed but PATH, HOME and LANG, and the pass_env names"`
	PassEnv []string          `yaml:"pass_env,omitempty" doc:"names of runner environment variables passed on unchanged when set (not part of the cache key: use them for things that do not change results, such as a proxy)"`
	Timeout time.Duration     `yaml:"timeout,omitempty" doc:"kill the command's whole process group after this long (0: no limit besides the stage's timeout)"`
	NoLog   bool              `yaml:"no_log,omitempty" doc:"do not keep stdout and stderr in the log output port"`
}

// PortSpec declares one port of an exec stage.
type PortSpec struct {
	Name     string   `yaml:"name" doc:"port name (letters, digits, _; also the file name)"`
	Table    string   `yaml:"table,omitempty" doc:"a known table whose columns the port has: trajectory (generate's train/test), forecast (forecast's output), metrics (metrics' output) or any (inputs: any table; outputs: any table, only its presence checked)"`
	Columns  []string `yaml:"columns,omitempty" doc:"columns as NAME:TYPE, types utf8, float64, float32, int64, int32, bool, list<float64>, list<int64> (added to the table's); an output needs these columns with these types and may have more"`
	Format   string   `yaml:"format,omitempty" doc:"file format of this port (default: the stage's format)"`
	Optional bool     `yaml:"optional,omitempty" doc:"inputs only: the port may be left unconnected (its file is then absent)"`
	Many     bool     `yaml:"many,omitempty" doc:"inputs only: a fan-in of every selected upstream cell, written as in/<port>/<i>.<ext> (runner.json lists each table's path, producer and cell)"`
	Doc      string   `yaml:"doc,omitempty" doc:"what the port holds, for the docs"`
}

var portName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Validate checks command, ports, formats and column types.
func (p *Params) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, stages.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(p.Command) == 0 || strings.TrimSpace(p.Command[0]) == "" {
		bad("command", "needs a program: command: [python3, model.py]")
	}
	if p.Role != "" && p.Role != RoleTrain && p.Role != RoleForecast {
		bad("role", "must be train or forecast, got %q", p.Role)
	}
	if !slices.Contains(formats, p.Format) {
		bad("format", "unknown format %q (have %s)", p.Format, strings.Join(formats, ", "))
	}
	for _, f := range p.Files {
		if strings.TrimSpace(f) == "" || filepath.IsAbs(f) {
			bad("files", "file %q must be a path relative to the pipeline file", f)
		}
	}
	if p.Timeout < 0 {
		bad("timeout", "must be >= 0, got %s", p.Timeout)
	}
	for k := range p.Env {
		if !envName.MatchString(k) {
			bad("env", "invalid variable name %q", k)
		}
	}
	for _, k := range p.PassEnv {
		if !envName.MatchString(k) {
			bad("pass_env", "invalid variable name %q", k)
		}
	}
	for _, dir := range []struct {
		field string
		ports []PortSpec
		out   bool
	}{{"in", p.In, false}, {"out", p.Out, true}} {
		seen := map[string]bool{}
		for _, ps := range dir.ports {
			if !portName.MatchString(ps.Name) {
				bad(dir.field, "port name %q must start with a letter and hold only letters, digits and _", ps.Name)
			}
			if seen[ps.Name] {
				bad(dir.field, "port %q declared twice", ps.Name)
			}
			seen[ps.Name] = true
			if dir.out && ps.Name == LogPort && !p.NoLog {
				bad(dir.field, "port name %q is the command's log (set no_log: true to use it)", LogPort)
			}
			if dir.out && ps.Optional {
				bad(dir.field, "output port %q cannot be optional", ps.Name)
			}
			if dir.out && ps.Many {
				bad(dir.field, "output port %q cannot be a fan-in (many)", ps.Name)
			}
			if ps.Format != "" && !slices.Contains(formats, ps.Format) {
				bad(dir.field, "port %q: unknown format %q (have %s)", ps.Name, ps.Format, strings.Join(formats, ", "))
			}
			if _, err := portSchema(ps); err != nil {
				bad(dir.field, "port %q: %v", ps.Name, err)
			}
		}
	}
	if len(p.ports(true)) == 0 {
		bad("out", "declare at least one output port (or a role)")
	}
	return errs
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ports returns the declared ports of one direction, with the role's presets
// for names not declared.
func (p *Params) ports(out bool) []PortSpec {
	var preset []PortSpec
	switch {
	case p.Role == RoleTrain && !out:
		preset = []PortSpec{{Name: "train", Table: "trajectory", Doc: "trajectories to fit on (a generate stage's train table)."}}
	case p.Role == RoleTrain && out:
		preset = []PortSpec{{Name: "model", Table: "any", Doc: "the fitted model, in the command's own columns."}}
	case p.Role == RoleForecast && !out:
		preset = []PortSpec{
			{Name: "model", Table: "any", Doc: "the model table of the exec train stage."},
			{Name: "test", Table: "trajectory", Doc: "trajectories to forecast; the forecast starts at the first test point (generate's test table)."},
			{Name: "history", Table: "trajectory", Optional: true, Doc: "the points before the test table (generate's train table), the models' context."},
		}
	case p.Role == RoleForecast && out:
		preset = []PortSpec{{Name: "forecast", Table: "forecast", Doc: "forecast trajectories: the forecast stage's table (x0.. for the state, diverged, failure_step), systems metadata with a label."}}
	}
	declared := p.In
	if out {
		declared = p.Out
	}
	var list []PortSpec
	for _, ps := range preset {
		if !slices.ContainsFunc(declared, func(d PortSpec) bool { return d.Name == ps.Name }) {
			list = append(list, ps)
		}
	}
	return append(list, declared...)
}

// knownTables are the tables a port may name.
var knownTables = map[string]func() stages.Port{
	"trajectory": func() stages.Port {
		p := stages.TablePort("", "", schemas.Trajectories)
		p.Schema = schemas.Trajectory(1, nil)
		return p
	},
	"forecast": func() stages.Port {
		p := stages.TablePort("", "", forecast.Forecasts)
		p.Schema = forecast.Forecasts.SchemaWidth(1, nil)
		return p
	},
	"metrics": func() stages.Port { return stages.TablePort("", "", scoring.MetricsTable) },
	"any":     func() stages.Port { return stages.Port{} },
}

// columnTypes are the column types a port may declare.
var columnTypes = map[string]arrow.DataType{
	"utf8": arrow.BinaryTypes.String, "string": arrow.BinaryTypes.String,
	"float64": arrow.PrimitiveTypes.Float64, "double": arrow.PrimitiveTypes.Float64,
	"float32": arrow.PrimitiveTypes.Float32, "float": arrow.PrimitiveTypes.Float32,
	"int64": arrow.PrimitiveTypes.Int64, "int32": arrow.PrimitiveTypes.Int32,
	"bool": arrow.FixedWidthTypes.Boolean, "boolean": arrow.FixedWidthTypes.Boolean,
	"list<float64>": arrow.ListOf(arrow.PrimitiveTypes.Float64),
	"list<int64>":   arrow.ListOf(arrow.PrimitiveTypes.Int64),
}

// portSchema is a port's declared schema: its table's fields then its
// columns; nil accepts any table.
func portSchema(ps PortSpec) (*arrow.Schema, error) {
	var fields []arrow.Field
	if ps.Table != "" {
		mk, ok := knownTables[ps.Table]
		if !ok {
			return nil, fmt.Errorf("unknown table %q (have any, forecast, metrics, trajectory)", ps.Table)
		}
		if s := mk().Schema; s != nil {
			fields = append(fields, s.Fields()...)
		}
	}
	for _, c := range ps.Columns {
		name, typ, ok := strings.Cut(c, ":")
		name, typ = strings.TrimSpace(name), strings.TrimSpace(typ)
		if !ok || name == "" {
			return nil, fmt.Errorf("column %q must be NAME:TYPE", c)
		}
		dt, ok := columnTypes[typ]
		if !ok {
			return nil, fmt.Errorf("column %q: unknown type %q (have utf8, float64, float32, int64, int32, bool, list<float64>, list<int64>)", name, typ)
		}
		if slices.ContainsFunc(fields, func(f arrow.Field) bool { return f.Name == name }) {
			return nil, fmt.Errorf("column %q declared twice", name)
		}
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
	}
	if len(fields) == 0 {
		return nil, nil
	}
	return arrow.NewSchema(fields, nil), nil
}

func init() {
	stages.Register(stages.Default, stages.Definition[Params]{
		Name:    "exec",
		Version: 1,
		Summary: "Run an external command (a Python, PyTorch or Node script) on input tables written as files; read and check the output tables it writes.",
		Doc: "Bring your own model: the command runs in a fresh temporary working directory (removed afterwards) with " +
			"its input tables written as files and must write each declared output port as a file there. Formats, " +
			"per port or for the stage (`format`): `arrow` (an Arrow IPC file, default), `parquet`, `csv` (header row; " +
			"strings as written, floats in shortest round-trip form, NaN as `NaN`) and `npy`: one 2-D float64 array " +
			"(rows × columns) that `numpy.load` reads, with a JSON sidecar `<port>.json` holding `columns` (names in " +
			"array order), `types` (Arrow types), `dictionaries` (for each utf8 column, the strings its float codes " +
			"index: code i is dictionaries[col][i]) and `metadata` (the table's schema metadata, string values). csv " +
			"tables also get a sidecar with `metadata`. Outputs in npy/csv may leave out the sidecar (columns are then " +
			"the declared ones in order, no metadata); metadata values that are JSON objects or lists are stored as " +
			"their JSON text. Booleans are 0/1 in npy, integers exact up to 2^53, nulls NaN.\n\n" +
			"Working directory: `runner.json` (the run description: stage, seed, pipeline_dir, params, and for each " +
			"port its path, format, sidecar and columns), `params.json` (the `config` param as JSON, `{}` without), " +
			"`in/<port>.<ext>` (+ `in/<port>.json`; a fan-in input, `many: true`, is a folder `in/<port>/` of `<i>.<ext>` " +
			"files, one per upstream cell, listed under `tables` with their producer `stage` and `cell`), `out/` where the command writes `out/<port>.<ext>` (ext arrow, " +
			"parquet, csv or npy), `tmp/`. Environment: only PATH, HOME and LANG from the runner (LANG defaults to " +
			"C.UTF-8), the `pass_env` names, the `env` values, and RUNNER_WORKDIR, RUNNER_CONFIG (runner.json), " +
			"RUNNER_PARAMS (params.json), RUNNER_SEED (the stage's derived seed), RUNNER_STAGE (instance id), " +
			"RUNNER_PIPELINE_DIR, TMPDIR, and for each port RUNNER_IN_<PORT> / RUNNER_OUT_<PORT> (the file path, port " +
			"name upper-cased). Relative `files` are resolved against the pipeline file's directory; a command " +
			"argument equal to one of them becomes its absolute path.\n\n" +
			"When the command exits 0 every declared output must exist and have its declared columns with their types " +
			"(more columns are kept); otherwise the stage fails naming the port and showing both schemas. A non-zero " +
			"exit fails with the exit status and the last lines of stderr; `timeout` kills the whole process group " +
			"(so do the stage's timeout and an interrupt). Nothing of a failed run enters the store. stdout and " +
			"stderr (their last 64 KiB each) are kept in the `log` output (rows stream, text; `no_log` drops it), " +
			"apart from the data outputs, whose bytes depend only on what the command wrote.\n\n" +
			"Cache key: the params (command, config, env, ports, version) and the SHA-256 of every file in `files`, " +
			"so `runner plan` says `script models/x.py changed` after an edit. The command must itself be " +
			"deterministic (seed it from RUNNER_SEED) for the cache to mean anything.\n\n" +
			"Benchmark slots: `role: train` (in `train`: a trajectory table; out `model`: any table the command " +
			"likes) and `role: forecast` (in `model`, `test`, optional `history`; out `forecast`: the forecast " +
			"stage's table, x0.. state columns, `diverged`, `failure_step`, and schema metadata `systems` with each " +
			"system's `label`, which names the model in `metrics` and `leaderboard`). examples/exec holds a numpy, " +
			"a PyTorch and a Node model on this contract.",
		Defaults: Params{Format: FormatArrow},
		Examples: []stages.Example{
			{Title: "A numpy model in the train slot (fits on generate's train table, writes its own model table)",
				Params: "role: train\nformat: npy\ncommand: [python3, models/ridge.py, fit]\nfiles: [models/ridge.py]\nconfig: {ridge: 1e-6}\ntimeout: 5m\n"},
			{Title: "The same model in the forecast slot: writes the forecast table that metrics scores",
				Params: "role: forecast\nformat: npy\ncommand: [python3, models/ridge.py, forecast]\nfiles: [models/ridge.py]\nconfig: {horizon: 200}\n"},
			{Title: "Any command with declared ports: CSV in, a typed table out",
				Params: "command: [node, stats.js]\nfiles: [stats.js]\nformat: csv\nin: [{name: data, table: trajectory}]\nout: [{name: stats, columns: [\"system:utf8\", \"mean:float64\", \"count:int64\"]}]\nenv: {NODE_OPTIONS: --max-old-space-size=512}\n"},
		},
		New: func(p Params, env stages.Env) (stages.Stage, error) {
			s := &stage{p: p, env: env}
			for _, out := range []bool{false, true} {
				for _, ps := range p.ports(out) {
					sch, err := portSchema(ps)
					if err != nil {
						return nil, fmt.Errorf("port %s: %w", ps.Name, err)
					}
					if ps.Format == "" {
						ps.Format = p.Format
					}
					pt := port{spec: ps, schema: sch}
					if out {
						s.out = append(s.out, pt)
					} else {
						s.in = append(s.in, pt)
					}
				}
			}
			return s, nil
		},
	})
}

type port struct {
	spec   PortSpec
	schema *arrow.Schema
}

type stage struct {
	p       Params
	env     stages.Env
	in, out []port
	// digests are the plan's digests of files, checked before the command
	// runs (nil outside a plan).
	digests map[string]string
}

// LogTable declares the log output: the tail of each stream.
type LogRow struct {
	Stream string `arrow:"stream" doc:"stdout or stderr"`
	Text   string `arrow:"text" doc:"the stream's last 64 KiB"`
	Bytes  int64  `arrow:"bytes" unit:"bytes" doc:"how many bytes the command wrote to the stream in all"`
}

// LogTable declares the log output port's table.
var LogTable = schemas.NewTable[LogRow]()

func (s *stage) Ports() (in, out []stages.Port) {
	mk := func(pt port) stages.Port {
		p := stages.Port{Name: pt.spec.Name, Doc: pt.spec.Doc, Schema: pt.schema, Optional: pt.spec.Optional, Many: pt.spec.Many}
		if mkTable, ok := knownTables[pt.spec.Table]; ok && len(pt.spec.Columns) == 0 {
			p.Columns = mkTable().Columns
		}
		if p.Doc == "" {
			p.Doc = "declared " + pt.spec.Format + " port."
		}
		return p
	}
	for _, pt := range s.in {
		in = append(in, mk(pt))
	}
	for _, pt := range s.out {
		out = append(out, mk(pt))
	}
	if !s.p.NoLog {
		out = append(out, stages.TablePort(LogPort, "the command's stdout and stderr (their tails).", LogTable))
	}
	return in, out
}

// FingerprintFiles implements stages.Fingerprinter.
func (s *stage) FingerprintFiles() []string { return s.p.Files }

// UseFileDigests implements stages.FileDigestsUser.
func (s *stage) UseFileDigests(d map[string]string) { s.digests = d }
