package systems_test

import (
	"fmt"
	"log"

	"github.com/chaos-runner/runner/systems"
)

func ExampleLookup() {
	s, err := systems.Lookup("Lorenz")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Name, s.Kind, s.Dim)
	for _, name := range s.ParamNames {
		fmt.Printf("%s=%g\n", name, s.Params[name])
	}
	// Output:
	// Lorenz flow 3
	// beta=2.667
	// rho=28
	// sigma=10
}

func ExampleSystem_Bind() {
	s, err := systems.Lookup("Henon")
	if err != nil {
		log.Fatal(err)
	}
	b, err := s.Bind(map[string]float64{"a": 1.2})
	if err != nil {
		log.Fatal(err)
	}
	x, next := []float64{1, 1}, make([]float64, 2)
	b.G(x, next) // (1 - 1.2·1² + 1, 0.3·1)
	fmt.Printf("%.1f %.1f\n", next[0], next[1])
	// Output: 0.8 0.3
}

func ExampleSelect() {
	names, err := systems.Select("tag:hyperchaotic")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(names[:3])
	// Output: [HyperBao HyperCai HyperJha]
}
