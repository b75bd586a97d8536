package auth

import "time"

// Login limits. OWASP's authentication cheat sheet asks for a lockout
// that slows guessing without letting anyone lock a user out for good; so
// a lockout lasts lockFor and doubles with each repeat, up to lockMax.
const (
	userFailures = 5                // failures of one user name within window
	addrFailures = 20               // failures from one address within window
	window       = 15 * time.Minute // the failures counted
	lockFor      = 5 * time.Minute  // the first lockout
	lockMax      = 4 * time.Hour    // the longest lockout
	limiterCap   = 10000            // keys remembered; the oldest go first
)

// strike is the failure record of one user name or address.
type strike struct {
	first   time.Time // start of the counting window
	count   int
	until   time.Time // locked until
	lockout int       // lockouts so far, for the doubling
}

// limiter counts failed logins per "user:NAME" and "addr:ADDR".
// It is guarded by the Service's mutex.
type limiter struct {
	m map[string]*strike
}

func (l *limiter) init() { l.m = map[string]*strike{} }

// check returns a *LockedError when name or addr is locked at now.
func (l *limiter) check(now time.Time, name, addr string) error {
	for _, k := range []string{"user:" + name, "addr:" + addr} {
		if st, ok := l.m[k]; ok && now.Before(st.until) {
			return &LockedError{What: k[:4] + " " + k[5:], RetryAfter: st.until.Sub(now)}
		}
	}
	return nil
}

// fail records a failure and returns the lockout it caused, if any.
func (l *limiter) fail(now time.Time, name, addr string) *LockedError {
	var out *LockedError
	for _, k := range []string{"user:" + name, "addr:" + addr} {
		limit := userFailures
		if k[0] == 'a' {
			limit = addrFailures
		}
		st, ok := l.m[k]
		if !ok {
			if len(l.m) >= limiterCap {
				l.evict(now)
			}
			st = &strike{first: now}
			l.m[k] = st
		}
		if now.Sub(st.first) > window {
			st.first, st.count = now, 0
		}
		if !st.until.IsZero() && now.Sub(st.until) > 24*time.Hour {
			st.lockout = 0 // a day of good behaviour forgives the repeats
		}
		st.count++
		if st.count >= limit {
			d := lockFor << min(st.lockout, 10)
			d = min(d, lockMax)
			st.until = now.Add(d)
			st.lockout++
			st.first, st.count = now, 0
			if out == nil {
				out = &LockedError{What: k[:4] + " " + k[5:], RetryAfter: d}
			}
		}
	}
	return out
}

// reset forgets key's failures (after a good login or a new password).
func (l *limiter) reset(key string) { delete(l.m, key) }

// evict drops records that are neither locked nor within their window, and
// if that frees nothing, every unlocked record.
func (l *limiter) evict(now time.Time) {
	for k, st := range l.m {
		if now.After(st.until) && now.Sub(st.first) > window {
			delete(l.m, k)
		}
	}
	if len(l.m) < limiterCap {
		return
	}
	for k, st := range l.m {
		if now.After(st.until) {
			delete(l.m, k)
		}
	}
}
