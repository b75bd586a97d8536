package portaudio

import "testing"

func TestPaHWIndex(t *testing.T) {
	tests := []struct {
		name      string
		card, dev int
		ok        bool
	}{
		{"Loopback: PCM (hw:0,1)", 0, 1, true},
		{"USB Audio CODEC: - (hw:12,0)", 12, 0, true},
		{"rec", 0, 0, false},
		{"hw:CARD=U18,DEV=0", 0, 0, false},
		{"x (hw:1)", 0, 0, false},
		{"x (hw:a,0)", 0, 0, false},
		{"x (hw:1,-2)", 0, 0, false},
		{"x (hw:1,0) y", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, dev, ok := paHWIndex(tt.name)
			if card != tt.card || dev != tt.dev || ok != tt.ok {
				t.Errorf("paHWIndex(%q) = %d, %d, %v; want %d, %d, %v", tt.name, card, dev, ok, tt.card, tt.dev, tt.ok)
			}
		})
	}
}

// FuzzPaHWIndex: whatever the name, no panic, and a parsed index is one
// the name spells.
func FuzzPaHWIndex(f *testing.F) {
	for _, s := range []string{"Loopback: PCM (hw:0,1)", "(hw:", "(hw:)", "a (hw:1,2)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		card, dev, ok := paHWIndex(name)
		if ok && (card < 0 || dev < 0) {
			t.Fatalf("%q: card %d dev %d", name, card, dev)
		}
	})
}
