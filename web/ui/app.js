// linetap web UI: live lines from the event stream, recent calls from the
// JSON API. No framework; each part is a module.
import { LinesView } from './lines.js';
import { callRow } from './calls.js';

const pageSize = 50;
const flags = new URLSearchParams(location.search);
// ?preload=1 is for tests in a headless browser: every player loads at
// once, and once all have reported their duration the page closes its event
// stream, after ?events=N line snapshots (default 1), so that a browser
// waiting for the network to go quiet can finish.
const preload = flags.get('preload') === '1';
const settleAfter = Math.max(1, Number.parseInt(flags.get('events') || '1', 10) || 1);

const $ = (id) => document.getElementById(id);

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

// ---- recent calls ----

const calls = {
  body: $('calls-body'),
  status: $('calls-status'),
  more: $('more'),
  oldest: 0,
  loading: false,
  again: false,
};

async function loadCalls({ older = false } = {}) {
  if (calls.loading) { calls.again = !older || calls.again; return; }
  calls.loading = true;
  try {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (older && calls.oldest) q.set('before', String(calls.oldest));
    const list = await getJSON(`api/v1/calls?${q}`);
    // Keep the row (and its player, which may be playing) of every call
    // that has not changed.
    const existing = new Map();
    for (const tr of calls.body.children) existing.set(tr.dataset.sig, tr);
    const rows = list.map((c) => {
      const sig = `${c.id}:${c.state}:${c.sha256}:${c.duration}`;
      const kept = existing.get(sig);
      if (kept) return kept;
      const tr = callRow(c, { preload });
      tr.dataset.sig = sig;
      return tr;
    });
    if (older) calls.body.append(...rows);
    else if (rows.length !== calls.body.children.length || rows.some((r, i) => calls.body.children[i] !== r)) {
      calls.body.replaceChildren(...rows);
    }
    if (list.length) calls.oldest = list[list.length - 1].id;
    else if (!older) calls.oldest = 0;
    calls.more.hidden = list.length < pageSize;
    const n = calls.body.children.length;
    calls.status.textContent = n ? '' : 'No calls recorded yet.';
    document.body.dataset.calls = String(n);
    calls.loaded = true;
  } catch (err) {
    calls.status.textContent = `Could not load calls: ${err.message}`;
  } finally {
    calls.loading = false;
    if (calls.again) { calls.again = false; loadCalls(); } else maybeSettle();
  }
}

$('refresh').addEventListener('click', () => loadCalls());
calls.more.addEventListener('click', () => loadCalls({ older: true }));

// maybeSettle ends the live view in preload mode once every player has
// loaded its metadata (or failed).
function maybeSettle() {
  if (!preload || settled || !calls.loaded || calls.loading || events < settleAfter) return;
  const players = [...calls.body.querySelectorAll('audio')];
  // readyState 1 is HAVE_METADATA (WHATWG HTML, media elements).
  if (!players.every((a) => a.readyState >= 1 || a.error)) return;
  settled = true;
  clearTimeout(retryTimer);
  if (source) source.close();
  document.body.dataset.settled = '1';
}

calls.body.addEventListener('loadedmetadata', maybeSettle, true);
calls.body.addEventListener('error', maybeSettle, true);

// ---- live lines ----

const lines = new LinesView($('lines'), $('lines-empty'));
const conn = $('conn');
let source = null;
let retry = 1000;
let retryTimer = 0;
let events = 0;
let wasDown = false;
let settled = false;

function setConn(state, text) {
  conn.dataset.state = state;
  conn.textContent = text;
}

function connect() {
  clearTimeout(retryTimer);
  if (settled) return;
  if (source) source.close();
  source = new EventSource('api/v1/events');
  source.addEventListener('open', () => {
    retry = 1000;
    setConn('live', 'Live');
    if (wasDown) loadCalls(); // calls may have ended while we were away
    wasDown = false;
  });
  source.addEventListener('lines', (ev) => {
    let snap;
    try { snap = JSON.parse(ev.data); } catch { return; }
    events += 1;
    document.body.dataset.lineEvents = String(events);
    const ended = lines.update(snap);
    if (ended.length) loadCalls();
    maybeSettle();
  });
  source.addEventListener('error', () => {
    wasDown = true;
    // The browser retries by itself unless the stream was refused (a
    // non-200 answer); then retry here, backing off to 30 s.
    if (source.readyState === EventSource.CLOSED) {
      setConn('down', `Disconnected, retrying in ${Math.round(retry / 1000)} s…`);
      retryTimer = setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    } else {
      setConn('down', 'Reconnecting…');
    }
  });
}

async function showVersion() {
  try {
    const info = await getJSON('api/v1/info');
    if (info.version) $('version').textContent = info.version;
  } catch {
    // the version is decoration; the status line reports a dead server
  }
}

showVersion();
loadCalls();
connect();
