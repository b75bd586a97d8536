//go:build !opus

package codec

// optional lists the codecs that need a build tag: none without "opus".
var optional []Codec

// unavailable says why each codec left out of this build is missing.
var unavailable = map[string]string{
	"opus": "linetap was built without Opus (rebuild with -tags opus and libopus-dev installed, or choose pcmu, pcma, adpcm or l16)",
}
