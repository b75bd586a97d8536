//go:build !amd64 || purego

package goertzel

const vecEight = false

func eightVec(x []float64, coef *[8]float64, s1, s2 *[8]float64) {
	panic("goertzel: no vector Eight on this platform")
}
