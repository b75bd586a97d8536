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
//     request must echo, an idle and an absolute timeout. Sessions live in
//     memory: a restart logs everybody out.
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
//   - Sessions and lockouts are not persisted; a restart clears both.
//   - Hashing a password with the default parameters takes 64 MiB and a
//     noticeable fraction of a second on a Raspberry Pi; at most
//     Options.MaxHashing hashes run at once, the rest wait.
//   - The limiter keys on the source address the web layer passes in; behind
//     a reverse proxy that is the proxy's address unless the web layer is
//     told to trust a forwarding header (it is not, by default).
package auth
