package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chaos-runner/runner/systems"
)

func init() {
	extraCommands = append(extraCommands, newSystemsCmd)
}

// newSystemsCmd builds `runner systems [NAME]`: the catalog of dynamical
// systems (flows, delay systems, maps) with their dysts metadata.
func newSystemsCmd(g *globals) *cobra.Command {
	var format, selector string
	cmd := &cobra.Command{
		Use:   "systems [NAME]",
		Short: "List the catalog of chaotic systems, or show one in full",
		Long: "List the catalog of dynamical systems (the dysts flows, delay systems and maps): name, kind, " +
			"dimension, parameters, dominant period, reference invariants (largest Lyapunov exponent, spectrum, " +
			"Kaplan-Yorke and correlation dimensions) and citation. With NAME, show one system in full. " +
			"--select filters with a catalog selector (flows, ode, delay, maps, all, tag:<tag>, or a comma list); " +
			"--format json prints one JSON array of objects. Invariants are dysts' estimates (about ±20%).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			var list []systems.System
			switch {
			case len(args) == 1:
				if selector != "" {
					return invalid(fmt.Errorf("give either NAME or --select, not both"))
				}
				s, err := systems.Lookup(args[0])
				if err != nil {
					return invalid(trimPkg(err))
				}
				list = []systems.System{s}
			default:
				if selector == "" {
					selector = "all"
				}
				names, err := systems.Select(selector)
				if err != nil {
					return invalid(fmt.Errorf("--select: %w", trimPkg(err)))
				}
				for _, n := range names {
					s, err := systems.Lookup(n)
					if err != nil {
						return err
					}
					list = append(list, s)
				}
			}
			if format == "json" {
				out := make([]systemJSON, len(list))
				for i, s := range list {
					out[i] = toSystemJSON(s)
				}
				writeJSON(g.stdout, out)
				return nil
			}
			if len(args) == 1 {
				writeSystemDetail(g.stdout, list[0])
				return nil
			}
			writeSystemTable(g.stdout, list)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&selector, "select", "", "catalog selector: flows, ode, delay, maps, all, tag:<tag>, or NAME,NAME,...")
	return cmd
}

// trimPkg drops the "systems: " prefix of catalog errors for the CLI.
func trimPkg(err error) error {
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "systems: "))
}

// systemJSON is one catalog entry in `runner systems --format json`. Values
// the dysts metadata does not give are null.
type systemJSON struct {
	Name                 string             `json:"name"`
	Upstream             string             `json:"upstream"`
	Kind                 string             `json:"kind"`
	Dimension            int                `json:"dimension"`
	StateDimension       int                `json:"state_dimension"`
	Parameters           map[string]float64 `json:"parameters"`
	Delay                *float64           `json:"delay_tau"`
	InitialCondition     []float64          `json:"initial_condition"`
	Dt                   *float64           `json:"dt"`
	Period               *float64           `json:"period"`
	LyapunovMax          *float64           `json:"lyapunov_max"`
	LyapunovTime         *float64           `json:"lyapunov_time"`
	LyapunovSpectrum     []float64          `json:"lyapunov_spectrum"`
	KaplanYorkeDimension *float64           `json:"kaplan_yorke_dimension"`
	CorrelationDimension *float64           `json:"correlation_dimension"`
	PesinEntropy         *float64           `json:"pesin_entropy"`
	MultiscaleEntropy    *float64           `json:"multiscale_entropy"`
	Mean                 []float64          `json:"mean"`
	Std                  []float64          `json:"std"`
	Hamiltonian          bool               `json:"hamiltonian"`
	Nonautonomous        bool               `json:"nonautonomous"`
	UnboundedIndices     []int              `json:"unbounded_indices"`
	Tags                 []string           `json:"tags"`
	Citation             string             `json:"citation"`
	Description          string             `json:"description"`
}

// num returns nil for NaN and infinities (JSON has no NaN).
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func delayTau(s systems.System) float64 {
	if s.Kind != systems.Delay || s.Eq.DelayParam == "" {
		return math.NaN()
	}
	if v, ok := s.Params[s.Eq.DelayParam]; ok {
		return v
	}
	return math.NaN()
}

func lyapunovTimeOf(s systems.System) float64 {
	if s.LyapunovMax > 0 {
		return 1 / s.LyapunovMax
	}
	return math.NaN()
}

func toSystemJSON(s systems.System) systemJSON {
	orEmpty := func(v []float64) []float64 {
		if v == nil {
			return []float64{}
		}
		return v
	}
	unb := s.UnboundedIndices
	if unb == nil {
		unb = []int{}
	}
	return systemJSON{
		Name: s.Name, Upstream: s.Upstream, Kind: s.Kind.String(), Dimension: s.Dim, StateDimension: s.StateDim,
		Parameters: s.Params, Delay: num(delayTau(s)), InitialCondition: orEmpty(s.IC),
		Dt: num(s.Dt), Period: num(s.Period),
		LyapunovMax: num(s.LyapunovMax), LyapunovTime: num(lyapunovTimeOf(s)),
		LyapunovSpectrum:     orEmpty(s.LyapunovSpectrum),
		KaplanYorkeDimension: num(s.KaplanYorkeDimension), CorrelationDimension: num(s.CorrelationDimension),
		PesinEntropy: num(s.PesinEntropy), MultiscaleEntropy: num(s.MultiscaleEntropy),
		Mean: orEmpty(s.Mean), Std: orEmpty(s.Std),
		Hamiltonian: s.Hamiltonian, Nonautonomous: s.Nonautonomous, UnboundedIndices: unb,
		Tags: s.Tags, Citation: s.Citation, Description: s.Description,
	}
}

// fmtNum formats a metadata value with 4 significant digits, "-" when absent.
func fmtNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func fmtVec(v []float64, limit int) string {
	if len(v) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(v))
	for i, x := range v {
		if limit > 0 && i == limit {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmtNum(x))
	}
	return strings.Join(parts, " ")
}

// fmtParams writes "a=1, b=2" in the sorted ParamNames order.
func fmtParams(s systems.System) string {
	parts := make([]string, len(s.ParamNames))
	for i, k := range s.ParamNames {
		parts[i] = k + "=" + strconv.FormatFloat(s.Params[k], 'g', -1, 64)
	}
	return strings.Join(parts, ", ")
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func writeSystemTable(w io.Writer, list []systems.System) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tDIM\tPARAMS\tPERIOD\tLYAP_MAX\tSPECTRUM\tD_KY\tD2\tCITATION")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.Dim, len(s.ParamNames),
			fmtNum(s.Period), fmtNum(s.LyapunovMax), fmtVec(s.LyapunovSpectrum, 3),
			fmtNum(s.KaplanYorkeDimension), fmtNum(s.CorrelationDimension), shorten(s.Citation, 48))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d systems. Invariants are dysts estimates; `runner systems NAME` shows one in full.\n", len(list))
}

func writeSystemDetail(w io.Writer, s systems.System) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	fmt.Fprintf(w, "%s (%s)\n\n", s.Name, s.Upstream)
	kind := s.Kind.String()
	switch s.Kind {
	case systems.Delay:
		kind += fmt.Sprintf(" (scalar delay equation, tau = %s; columns are delay coordinates)", fmtNum(delayTau(s)))
	case systems.Flow:
		kind += " (ordinary differential equation)"
	case systems.Map:
		kind += " (discrete map)"
	}
	row("kind", kind)
	row("dimension", fmt.Sprintf("%d (state %d)", s.Dim, s.StateDim))
	row("tags", strings.Join(s.Tags, ", "))
	row("parameters", fmtParams(s))
	row("initial condition", fmtVec(s.IC, 0))
	row("dt", fmtNum(s.Dt))
	row("period", fmtNum(s.Period))
	row("Lyapunov max", fmt.Sprintf("%s (Lyapunov time %s)", fmtNum(s.LyapunovMax), fmtNum(lyapunovTimeOf(s))))
	row("Lyapunov spectrum", fmtVec(s.LyapunovSpectrum, 0))
	row("Kaplan-Yorke dimension", fmtNum(s.KaplanYorkeDimension))
	row("correlation dimension", fmtNum(s.CorrelationDimension))
	row("Pesin entropy", fmtNum(s.PesinEntropy))
	row("multiscale entropy", fmtNum(s.MultiscaleEntropy))
	row("mean", fmtVec(s.Mean, 0))
	row("std", fmtVec(s.Std, 0))
	if len(s.UnboundedIndices) > 0 {
		row("unbounded indices", strings.Trim(fmt.Sprint(s.UnboundedIndices), "[]"))
	}
	row("hamiltonian", strconv.FormatBool(s.Hamiltonian))
	row("nonautonomous", strconv.FormatBool(s.Nonautonomous))
	tw.Flush()
	if s.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.Join(strings.Fields(s.Description), " "))
	}
	if s.Citation != "" {
		fmt.Fprintf(w, "\nCitation: %s\n", strings.Join(strings.Fields(s.Citation), " "))
	}
}
