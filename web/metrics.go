package web

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/linetap/linetap/web/auth"
)

// Metrics writes the Prometheus text exposition format 0.0.4: HELP and
// TYPE lines, then one sample per line.
type Metrics struct {
	buf  bytes.Buffer
	seen map[string]bool
}

// escapeLabel escapes a label value (exposition format: backslash, double
// quote and line feed).
func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

// Add writes one sample of metric name of type kind ("counter" or
// "gauge") with help, and labels as name, value pairs. The HELP and TYPE
// lines are written before the first sample of a name.
func (m *Metrics) Add(name, kind, help string, v float64, labels ...string) {
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if !m.seen[name] {
		m.seen[name] = true
		fmt.Fprintf(&m.buf, "# HELP %s %s\n# TYPE %s %s\n", name, strings.ReplaceAll(help, "\n", " "), name, kind)
	}
	m.buf.WriteString(name)
	if len(labels) > 0 {
		m.buf.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				m.buf.WriteByte(',')
			}
			fmt.Fprintf(&m.buf, `%s="%s"`, labels[i], escapeLabel(labels[i+1]))
		}
		m.buf.WriteByte('}')
	}
	m.buf.WriteByte(' ')
	switch {
	case math.IsInf(v, 1):
		m.buf.WriteString("+Inf")
	case math.IsInf(v, -1):
		m.buf.WriteString("-Inf")
	case math.IsNaN(v):
		m.buf.WriteString("NaN")
	default:
		m.buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	m.buf.WriteByte('\n')
}

// httpCounts counts API responses by status class, for /metrics.
type httpCounts struct {
	byClass [6]atomic.Int64 // index: status/100
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// count wraps next, counting its responses.
func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		c := rec.status / 100
		if c < 1 || c > 5 {
			c = 0
		}
		s.httpCounts.byClass[c].Add(1)
	})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var m Metrics
	m.Add("linetap_up", "gauge", "1 while linetapd serves.", 1, "version", s.version)
	m.Add("linetap_uptime_seconds", "gauge", "Seconds since linetapd started.", timeSinceStart())
	for c := 1; c <= 5; c++ {
		m.Add("linetap_http_responses_total", "counter", "HTTP responses by status class.", float64(s.httpCounts.byClass[c].Load()), "code", strconv.Itoa(c)+"xx")
	}
	lines := s.live.Lines()
	sort.Slice(lines, func(i, j int) bool { return lines[i].Line < lines[j].Line })
	for _, l := range lines {
		id := strconv.Itoa(l.Line)
		m.Add("linetap_line_busy", "gauge", "1 while the line is ringing, dialling or in a call.", b2f(l.State != "idle"), "line", id, "name", l.Name)
	}
	for _, l := range lines {
		m.Add("linetap_line_level_dbm0", "gauge", "The line's recent audio level in dBm0.", l.LevelDBm0, "line", strconv.Itoa(l.Line))
	}
	if s.engine != nil {
		st := s.engine.Stats()
		m.Add("linetap_frames_total", "counter", "Audio frames processed.", float64(st.Frames))
		m.Add("linetap_calls_total", "counter", "Calls started since linetapd started.", float64(st.Calls))
		m.Add("linetap_commits_total", "counter", "Audio batches committed to storage.", float64(st.Commits))
		m.Add("linetap_commit_errors_total", "counter", "Commits that failed (their audio is kept and retried).", float64(st.CommitErrs))
		m.Add("linetap_commit_backlog_bytes", "gauge", "Audio waiting after a failed commit.", float64(st.Backlog))
		m.Add("linetap_late_events_total", "counter", "Line-sensor events older than the pre-roll.", float64(st.LateEvents))
		m.Add("linetap_listen_drops_total", "counter", "Audio blocks live listeners missed.", float64(st.ListenDrops))
	}
	if principal(r).Can(auth.DiagView) {
		// The cards' figures are line diagnostics: not for every role
		// that may read the metrics.
		s.cardMetrics(&m)
	}
	for _, a := range s.alarmList() {
		m.Add("linetap_alarm", "gauge", "1 while an alarm is active.", b2f(a.Active), "kind", a.Kind)
	}
	if s.metrics != nil {
		s.metrics(&m)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(m.buf.Bytes()); err != nil {
		s.log.Debug("web: writing metrics", "err", err)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
