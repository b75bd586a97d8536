package tone

import "errors"

// Errors returned by this package.
var (
	// ErrCountry is returned by PlanFor for a country it has no plan for.
	ErrCountry = errors.New("tone: unknown country")
	// ErrOptions is returned by NewProgressDetectorOptions for an option
	// out of range.
	ErrOptions = errors.New("tone: bad progress detector options")
)
