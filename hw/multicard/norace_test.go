//go:build !race

package multicard_test

// raceEnabled shortens the long virtual-time runs under the race detector,
// which makes every sample copied some hundred times slower.
const raceEnabled = false
