// Package auth decides who may do what in linetap's web UI and API.
//
// Concepts:
//   - A Role (admin, supervisor, technician, auditor) grants a fixed set of
//     Permissions; Principal.Can answers for one request. The matrix is
//     the product's privacy promise (a technician never reaches a caller's
//     data or audio), so it is data in one table, tested cell by cell.
//   - Users are kept in the store's key-value buckets (KV); passwords are
//     hashed with argon2id (RFC 9106) in the PHC string format.
//   - A login opens a Session: a random 256-bit token the browser keeps in
//     an HttpOnly cookie, with a CSRF token that every state-changing
//     request must echo, an idle and an absolute timeout. Sessions are
//     kept in the KV (BucketSessions), so a restart logs nobody out: New
//     restores every session that has not expired, with its CSRF token,
//     role, login time and last use.
//   - Only the SHA-256 of a session token is stored, as for API tokens,
//     so a copy of index.db does not let anyone log in (the CSRF token is
//     stored as it is: it is worth nothing without the session token).
//     A stored session also holds a fingerprint of its user's password
//     hash: ending a session deletes its record, and should a delete
//     fail, a record whose user is gone, disabled, has another role or
//     another password is dropped at the next start all the same.
//   - A session's last use is written coarsely, not on every request
//     (each KVPut is an fsync): when it has moved by LastSeenStep (one
//     minute) or a tenth of the idle timeout, whichever is less. The
//     stored time lags the real last use by less than that step, so after
//     a restart a session lives up to 0 longer than its idle timeout
//     (never past it) and may end up to that step (one minute with the
//     default 30-minute idle timeout) before it would have without the
//     restart.
//   - A stored session that cannot be read (truncated, another version,
//     garbage) is deleted and passed to Options.Audit as a
//     session-dropped event; it never stops New, nor logs anybody in.
//   - Failed logins are limited per user name and per source address; too
//     many lock the name (or the address) out for a while, and the lockout
//     doubles for repeat offenders.
//   - API tokens (`lt_…`) let scripts act with a role fixed at creation;
//     only their SHA-256 is stored.
//   - Until the first user exists, a one-time setup code (printed on the
//     console at start) lets the installer create the first admin.
//
// Every login (success or failure), user change and token change is passed
// to Options.Audit, which the daemon writes to the hash-chained audit log.
//
// # Caveats
//
//   - Login lockouts are not persisted; a restart clears them (and so
//     forgives a guesser's failures so far).
//   - A session's idle and absolute timeouts are measured on the wall
//     clock across a restart: a board that boots with its clock behind
//     (no RTC, before NTP) keeps restored sessions alive for that much
//     longer, and one whose clock is ahead ends them early.
//   - Writing a session's use holds the Service's lock for one KVPut (an
//     fsync on the real store), at most once a step (LastSeenStep, or a
//     tenth of the idle timeout) per session; a login, a logout and each
//     other ended session write once.
//   - A login fails when its session cannot be stored. A session whose
//     record cannot be deleted (the KV failing) ends at once in memory and
//     the error is logged (Logout also returns it), but after a restart it
//     comes back unless its user was deleted, disabled or changed role or
//     password meanwhile.
//   - Hashing a password with the default parameters takes 64 MiB and a
//     noticeable fraction of a second on a Raspberry Pi; at most
//     Options.MaxHashing hashes run at once, the rest wait.
//   - The limiter keys on the source address the web layer passes in; behind
//     a reverse proxy that is the proxy's address unless the web layer is
//     told to trust a forwarding header (it is not, by default).
package auth
