// Package webhook tells another system that a call has ended: each call's
// final record is POSTed as JSON to a URL, signed with a shared secret.
//
// # Delivery
//
// CallEnded queues the call and returns at once (the engine's call-end
// hook must not block); one goroutine delivers the queue in order. The body
// is
//
//	{"event":"call.end","delivery":"<id>","call":{…linetap.Call…}}
//
// with the headers Content-Type: application/json, X-Linetap-Event:
// call.end, X-Linetap-Delivery: <id> (the same on every attempt, so the
// receiver can drop duplicates) and X-Linetap-Signature: sha256=<hex of
// HMAC-SHA256(secret, body)> (RFC 2104), computed over the exact bytes
// sent. docs/webhook.md shows how to check it.
//
// A 2xx answer delivers. 408 Request Timeout, 429 Too Many Requests, any
// 5xx and any transport error (refused, timed out) are retried after
// Backoff, 2×Backoff, 4×Backoff … (capped at five minutes), each wait
// stretched by up to half again at random so that recorders restarted
// together do not retry together; a Retry-After header (RFC 9110 §10.2.3,
// seconds or an HTTP date) sets the wait instead. After MaxAttempts the
// call is given up and counted as failed. Any other 4xx is a permanent
// failure: logged, not retried.
//
// A Hook sits between the engine and the current Notifier, so that the
// daemon can replace the Notifier when the URL or secret change.
//
// # Caveats
//
//   - The queue is in memory: calls waiting when the process dies are not
//     sent (the store has them; nothing is lost but the notification).
//     When the queue is full the oldest waiting call is dropped and counted.
//   - Delivery is at least once: a receiver that answers after the
//     request timed out gets the call again, with the same delivery ID.
//   - Calls are delivered one at a time, in order; a receiver that keeps
//     failing holds the queue for up to MaxAttempts backoffs per call.
package webhook
