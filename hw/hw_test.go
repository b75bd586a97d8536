package hw_test

import (
	"testing"

	"github.com/linetap/linetap/hw"
)

func TestEventKindNames(t *testing.T) {
	for k := hw.RingOn; k <= hw.PulseDigit; k++ {
		got, err := hw.ParseEventKind(k.String())
		if err != nil || got != k {
			t.Errorf("%v: parsed back as %v, %v", k, got, err)
		}
	}
	if _, err := hw.ParseEventKind("ring"); err == nil {
		t.Error(`"ring" parsed`)
	}
	if s := hw.EventKind(99).String(); s != "EventKind(99)" {
		t.Errorf("unknown kind prints %q", s)
	}
}

func TestFormatValidate(t *testing.T) {
	for _, tc := range []struct {
		f  hw.Format
		ok bool
	}{
		{hw.Format{Channels: 8, Rate: 8000}, true},
		{hw.Format{Channels: 2, Rate: 48000}, true},
		{hw.Format{Channels: 0, Rate: 8000}, false},
		{hw.Format{Channels: 65, Rate: 8000}, false},
		{hw.Format{Channels: 1, Rate: 100}, false},
	} {
		if err := tc.f.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: err %v", tc.f, err)
		}
	}
}

func TestGapCovers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chans []int
		ch    int
		want  bool
	}{
		{"nil is every channel", nil, 5, true},
		{"listed", []int{4, 5, 6, 7}, 5, true},
		{"other card", []int{4, 5, 6, 7}, 3, false},
		{"empty list is none", []int{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (hw.Gap{Channels: tc.chans}).Covers(tc.ch); got != tc.want {
				t.Errorf("Gap{Channels: %v}.Covers(%d) = %v, want %v", tc.chans, tc.ch, got, tc.want)
			}
		})
	}
}
