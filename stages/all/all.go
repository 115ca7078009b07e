// Package all links every stage family into a binary. Import it for its side
// effects: `import _ "github.com/chaos-runner/runner/stages/all"`.
package all

import (
	_ "github.com/chaos-runner/runner/stages/basic"
	_ "github.com/chaos-runner/runner/stages/exec"
	_ "github.com/chaos-runner/runner/stages/forecast"
	_ "github.com/chaos-runner/runner/stages/generate"
	_ "github.com/chaos-runner/runner/stages/invariants"
	_ "github.com/chaos-runner/runner/stages/leaderboard"
	_ "github.com/chaos-runner/runner/stages/report"
	_ "github.com/chaos-runner/runner/stages/scoring"
	_ "github.com/chaos-runner/runner/stages/solvereval"
)
