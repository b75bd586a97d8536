// Package web is linetap's embedded web UI and its JSON API.
//
// A Server is built from Options holding its dependencies: Calls, where
// recorded calls come from (storage.Store satisfies it), and Live, the
// engine's live view of the lines. Handler serves the UI and the API;
// APIHandler serves the API alone, for the unix socket the CLI talks to.
// The endpoints are described in docs/api.md:
//
//	GET /api/v1/info              version
//	GET /api/v1/lines             every line's LineStatus
//	GET /api/v1/calls             recorded calls, newest first (ParseCallQuery)
//	GET /api/v1/calls/{id}        one call
//	GET /api/v1/calls/{id}/audio  its audio as an 8 kHz 16-bit mono WAV
//	GET /api/v1/events            Server-Sent Events: "lines" snapshots
//	GET /healthz                  "ok"
//
// The UI is hand-written HTML, CSS and ES modules in ui/, embedded with
// //go:embed and served under a Content-Security-Policy of default-src
// 'self': no inline script or style, nothing fetched from elsewhere, no
// build step.
//
// Every handler is a method on Server and every route is registered on an
// explicit http.ServeMux, so that sessions, roles and CSRF checks can wrap
// them later without a rewrite.
//
// # Caveats
//
// There is no authentication yet: serve Handler on a loopback address and
// APIHandler on a unix socket with mode 0600, never on a public interface.
//
// An event stream is a request that never ends by itself. Call Server.Close
// before http.Server.Shutdown, or Shutdown waits for every open browser tab.
// The stream extends its own write deadline on each event, so an
// http.Server WriteTimeout does not cut it, and a client that stops reading
// is dropped after the write deadline instead of holding a goroutine.
//
// Audio is encoded to WAV in memory, whole: a one-hour call is about 57.6 MB.
// The most recent encodings are kept (Options.AudioCacheBytes) so that the
// Range requests of a seeking player do not encode again; a call larger
// than the whole cache is encoded on every request.
//
// ParseCallQuery rejects parameters it does not know, so that a typo such
// as "lmit" is an error instead of a silently ignored filter.
package web
