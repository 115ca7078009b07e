package systems

// Metadata of the dysts database.
//
// NOTICE: data/chaotic_attractors.json and data/discrete_maps.json are
// byte-identical copies of dysts/data/ in github.com/williamgilpin/dysts
// (commit 4b4d9de, package version 0.95), Apache License 2.0, by William
// Gilpin and the dysts contributors. See data/README.md. Cite:
//
//	W. Gilpin, "Chaos as an interpretable benchmark for forecasting and
//	data-driven modelling", NeurIPS Datasets & Benchmarks 2021, arXiv:2110.05266.
//	W. Gilpin, "Model scale versus domain knowledge in statistical forecasting
//	of chaotic systems", Phys. Rev. Research 2023, arXiv:2303.08011.

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
)

//go:embed data/chaotic_attractors.json
var flowsJSON []byte

//go:embed data/discrete_maps.json
var mapsJSON []byte

// mapRenames gives catalog names to dysts maps whose class name is also a
// flow: dysts keeps flows.Duffing and maps.Duffing in separate modules, the
// catalog has one namespace.
var mapRenames = map[string]string{"Duffing": "DuffingMap"}

// hyperchaosThreshold is the smallest exponent counted as positive when
// tagging a system hyperchaotic. The dysts spectra are rough estimates whose
// zero exponent is often reported as 0.01–0.03 (Lorenz: 0.030).
const hyperchaosThreshold = 0.05

// dystsEntry is one system of the dysts JSON files. Pointers distinguish
// null or absent values.
type dystsEntry struct {
	Parameters         map[string]json.RawMessage `json:"parameters"`
	InitialConditions  []float64                  `json:"initial_conditions"`
	Dt                 *float64                   `json:"dt"`
	Period             *float64                   `json:"period"`
	EmbeddingDimension int                        `json:"embedding_dimension"`
	MaxLyapunov        *float64                   `json:"maximum_lyapunov_estimated"`
	Spectrum           []float64                  `json:"lyapunov_spectrum_estimated"`
	CorrelationDim     *float64                   `json:"correlation_dimension"`
	KaplanYorkeDim     *float64                   `json:"kaplan_yorke_dimension"`
	PesinEntropy       *float64                   `json:"pesin_entropy"`
	Entropy            *float64                   `json:"entropy"` // ForcedBrusselator's name for pesin_entropy
	MultiscaleEntropy  *float64                   `json:"multiscale_entropy"`
	Mean               []float64                  `json:"mean"`
	Std                []float64                  `json:"std"`
	Delay              bool                       `json:"delay"`
	Hamiltonian        bool                       `json:"hamiltonian"`
	Nonautonomous      bool                       `json:"nonautonomous"`
	UnboundedIndices   []int                      `json:"unbounded_indices"`
	Citation           string                     `json:"citation"`
	Description        string                     `json:"description"`
}

var (
	catalogOnce sync.Once
	catalog     []System       // sorted by name
	catalogIdx  map[string]int // name -> index in catalog
	catalogErr  error          // a malformed embedded file (a build defect)
)

// loadCatalog parses the embedded metadata once.
func loadCatalog() {
	catalogOnce.Do(func() {
		var all []System
		for _, src := range []struct {
			data  []byte
			file  string
			isMap bool
		}{
			{flowsJSON, "chaotic_attractors.json", false},
			{mapsJSON, "discrete_maps.json", true},
		} {
			var raw map[string]dystsEntry
			if err := json.Unmarshal(src.data, &raw); err != nil {
				catalogErr = fmt.Errorf("systems: embedded %s: %w", src.file, err)
				return
			}
			for name, e := range raw {
				info, err := e.info(name, src.isMap)
				if err != nil {
					catalogErr = fmt.Errorf("systems: embedded %s: %s: %w", src.file, name, err)
					return
				}
				eq := equations[info.Name]
				if eq.DimParam != "" {
					// Not in the dysts metadata: see Equations.DimParam.
					info.Params[eq.DimParam] = float64(info.Dim)
					info.ParamNames = append(info.ParamNames, eq.DimParam)
					sort.Strings(info.ParamNames)
				}
				if eq.Postprocess == nil {
					eq.Postprocess = postprocessing[info.Name]
				}
				all = append(all, System{Info: info, Eq: eq})
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
		catalog = all
		catalogIdx = make(map[string]int, len(all))
		for i, s := range all {
			catalogIdx[s.Name] = i
		}
	})
}

// info converts a JSON entry into an Info.
func (e *dystsEntry) info(name string, isMap bool) (Info, error) {
	in := Info{
		Name:                 name,
		Upstream:             "dysts.flows." + name,
		Kind:                 Flow,
		Dim:                  e.EmbeddingDimension,
		Params:               map[string]float64{},
		IC:                   e.InitialConditions,
		Dt:                   nan(e.Dt),
		Period:               nan(e.Period),
		LyapunovMax:          nan(e.MaxLyapunov),
		LyapunovSpectrum:     e.Spectrum,
		CorrelationDimension: nan(e.CorrelationDim),
		KaplanYorkeDimension: nan(e.KaplanYorkeDim),
		PesinEntropy:         nan(e.PesinEntropy),
		MultiscaleEntropy:    nan(e.MultiscaleEntropy),
		Mean:                 e.Mean,
		Std:                  e.Std,
		Delay:                e.Delay,
		Hamiltonian:          e.Hamiltonian,
		Nonautonomous:        e.Nonautonomous,
		UnboundedIndices:     e.UnboundedIndices,
		Citation:             e.Citation,
		Description:          e.Description,
	}
	if e.PesinEntropy == nil && e.Entropy != nil {
		in.PesinEntropy = *e.Entropy
	}
	if in.Citation == "." { // dysts' placeholder for "no citation"
		in.Citation = ""
	}
	switch {
	case isMap:
		in.Kind = Map
		in.Upstream = "dysts.maps." + name
		if r, ok := mapRenames[name]; ok {
			in.Name = r
		}
		// dysts gives maps neither a dimension nor a time scale: one
		// iterate is one time unit.
		in.Dim = len(e.InitialConditions)
		in.Dt, in.Period = 1, 1
	case e.Delay:
		in.Kind = Delay
	}
	in.StateDim = in.Dim
	if in.Kind == Delay {
		in.StateDim = 1
	}
	if in.Dim <= 0 || len(in.IC) != in.Dim {
		return Info{}, fmt.Errorf("%d initial conditions for dimension %d", len(in.IC), in.Dim)
	}
	for k, raw := range e.Parameters {
		if err := flattenParam(in.Params, k, raw); err != nil {
			return Info{}, err
		}
	}
	in.ParamNames = make([]string, 0, len(in.Params))
	for k := range in.Params {
		in.ParamNames = append(in.ParamNames, k)
	}
	sort.Strings(in.ParamNames)
	in.Tags = tags(&in)
	return in, nil
}

// flattenParam stores a scalar, vector or matrix JSON parameter as scalars
// named name, name[i] or name[i][j].
func flattenParam(dst map[string]float64, name string, raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
		for i, el := range elems {
			if err := flattenParam(dst, name+"["+strconv.Itoa(i)+"]", el); err != nil {
				return err
			}
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("parameter %s: %w", name, err)
	}
	dst[name] = v
	return nil
}

// tags derives the catalog tags of a system.
func tags(in *Info) []string {
	var t []string
	switch in.Kind {
	case Flow:
		t = append(t, "flow", "ode")
	case Delay:
		t = append(t, "flow", "delay")
	case Map:
		t = append(t, "map")
	}
	t = append(t, strconv.Itoa(in.Dim)+"d")
	if in.Nonautonomous {
		t = append(t, "nonautonomous")
	}
	if in.Hamiltonian {
		t = append(t, "hamiltonian")
	}
	if isHyperchaotic(in) {
		t = append(t, "hyperchaotic")
	}
	sort.Strings(t)
	return t
}

// isHyperchaotic reports whether the dysts spectrum has at least two
// exponents above hyperchaosThreshold. Hamiltonian systems (exponents in ±
// pairs) and autonomous flows of dimension below 4 cannot be hyperchaotic,
// so their rough estimates are not trusted.
func isHyperchaotic(in *Info) bool {
	if in.Hamiltonian || (in.Kind == Flow && in.Dim < 4) {
		return false
	}
	n := 0
	for _, l := range in.LyapunovSpectrum {
		if l > hyperchaosThreshold {
			n++
		}
	}
	return n >= 2
}

func nan(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
