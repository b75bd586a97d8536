package tone

import "errors"

// Errors returned by this package.
var (
	// ErrCountry is returned by PlanFor for a country it has no plan for.
	ErrCountry = errors.New("tone: unknown country")
)
