// Package web is linetap's embedded web UI and its JSON API.
//
// A Server is built from Options holding its dependencies: the Archive
// (storage.Store), the Auth service (web/auth: users, sessions, roles), the
// Live view and the Engine (linetap.Engine), the Exports job runner
// (storage/export.Jobs), the sound cards' capture figures (Cards, with a
// fake in web/cardtest), and hooks for alarms, system figures, device
// settings and metrics. Handler serves the pages and the API over HTTP(S);
// APIHandler serves the API alone on the daemon's control socket, where
// every request acts as the local admin. docs/api.md describes every
// endpoint with the permission it needs; routeAPI holds them in one table.
//
// Every request passes, in order: the security headers (CSP default-src
// 'self', nosniff, no referrer, no framing, HSTS over TLS), the response
// counter for /metrics, the concurrency bound (MaxRequests, and
// MaxHeavyRequests for those that decode audio), authentication (an API
// token or the session cookie), and the route's own check: 401 without a
// login, 403 without the permission or, for a state-changing request with a
// session, without its CSRF token.
//
// The pages are html/template shells (ui/tmpl, inside layout.html) with
// the navigation the role may use and the session's CSRF token, and one
// hand-written ES module per page that talks to the API: no framework, no
// build step, nothing from elsewhere. Assets are served at /ui/<content
// hash>/… as immutable.
//
// # Caveats
//
// Sessions survive a restart (web/auth keeps them in the store, by their
// token's SHA-256); login lockouts do not.
//
// The sound cards' figures are line diagnostics (diag.view): /metrics,
// which needs only system.view, carries them for the principals that also
// hold diag.view, so two roles scraping it see different sets of samples.
//
// An event stream or a live listen is a request that never ends by itself.
// Call Server.Close before http.Server.Shutdown, or Shutdown waits for every
// open browser tab. Streams extend their own write deadline on each write,
// so a client that stops reading is dropped instead of holding a goroutine.
//
// Audio is decoded and encoded to WAV in memory, whole: a one-hour call is
// about 57.6 MB. The most recent encodings are kept (AudioCacheBytes) so
// the Range requests of a seeking player do not encode again, but a call
// still recording changes every second, so each request for it encodes it
// anew: that is what MaxHeavyRequests bounds.
//
// Live listening plays in the browser through the Web Audio API: Chromium's
// <audio> element does not start a WAV stream of unknown length.
//
// ParseSearch rejects parameters it does not know, so that a typo such as
// "lmit" is an error instead of a silently ignored filter.
package web
