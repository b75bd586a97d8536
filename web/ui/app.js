// linetap web UI: live lines from the event stream, recent calls from the
// JSON API. No framework; each part is a module.
import { LinesView } from './lines.js';
import { callRow } from './calls.js';

const pageSize = 50;
const flags = new URLSearchParams(location.search);
const preload = flags.get('preload') === '1';

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
    const rows = list.map((c) => callRow(c, { preload }));
    if (older) calls.body.append(...rows);
    else calls.body.replaceChildren(...rows);
    if (list.length) calls.oldest = list[list.length - 1].id;
    else if (!older) calls.oldest = 0;
    calls.more.hidden = list.length < pageSize;
    const n = calls.body.children.length;
    calls.status.textContent = n ? '' : 'No calls recorded yet.';
    document.body.dataset.calls = String(n);
  } catch (err) {
    calls.status.textContent = `Could not load calls: ${err.message}`;
  } finally {
    calls.loading = false;
    if (calls.again) { calls.again = false; loadCalls(); }
  }
}

$('refresh').addEventListener('click', () => loadCalls());
calls.more.addEventListener('click', () => loadCalls({ older: true }));

// ---- live lines ----

const lines = new LinesView($('lines'), $('lines-empty'));
const conn = $('conn');
let source = null;
let retry = 1000;
let retryTimer = 0;
let events = 0;
let wasDown = false;

function setConn(state, text) {
  conn.dataset.state = state;
  conn.textContent = text;
}

function connect() {
  clearTimeout(retryTimer);
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
