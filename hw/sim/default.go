package sim

import (
	_ "embed"
	"strings"
)

//go:embed default.scn
var defaultText string

// DefaultScenario returns the built-in scenario: realistic, looping traffic
// on four lines (see default.scn). A Bank with fewer lines plays the calls
// of the lines it has and leaves out the others; one with more leaves the
// extra lines idle.
func DefaultScenario() *Scenario {
	sc, err := ParseScenario(strings.NewReader(defaultText))
	if err != nil {
		// Cannot happen (TestDefaultScenario parses it); New reports it.
		return &Scenario{err: err}
	}
	sc.trimLines = true
	return sc
}
