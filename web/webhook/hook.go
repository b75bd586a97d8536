package webhook

import (
	"sync/atomic"

	"github.com/linetap/linetap"
)

// Hook is the engine's call-end hook in front of a Notifier that can be
// replaced while the recorder runs (the webhook's URL or secret changed on
// the settings page): give Hook.CallEnded to linetap.Options.OnCallEnd,
// and Swap in each new Notifier. The zero Hook sends nothing.
type Hook struct {
	n atomic.Pointer[Notifier]
}

// CallEnded passes c to the current Notifier, if any, without blocking.
func (h *Hook) CallEnded(c linetap.Call) {
	if n := h.n.Load(); n != nil {
		n.CallEnded(c)
	}
}

// Swap makes n (nil: none) the current Notifier and returns the previous
// one, for the caller to Close.
func (h *Hook) Swap(n *Notifier) *Notifier { return h.n.Swap(n) }
