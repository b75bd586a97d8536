//go:build !opus

package codec_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/linetap/linetap/dsp/codec"
)

func TestOpusLeftOut(t *testing.T) {
	why, ok := codec.Unavailable("opus")
	if !ok || !strings.Contains(why, "built without Opus") {
		t.Fatalf("Unavailable(opus) = %q, %v", why, ok)
	}
	_, err := codec.Lookup("opus")
	if !errors.Is(err, codec.ErrUnavailable) || errors.Is(err, codec.ErrUnknown) || !strings.Contains(err.Error(), "built without Opus") {
		t.Fatalf("Lookup(opus) error %v", err)
	}
	if slices.Contains(codec.Names(), "opus") {
		t.Fatalf("Names() = %v lists opus", codec.Names())
	}
}
