// Shared by every page: the API client (with the CSRF token), error
// display, permissions, log out, and the live event stream.

// $ finds an element by id.
export const $ = (id) => document.getElementById(id);

const body = document.body;
const perms = new Set((body.dataset.perms || '').split(' ').filter(Boolean));

// can reports whether the logged-in user holds a permission
// (lines.view, calls.view, …), as the server rendered them.
export const can = (perm) => perms.has(perm);

const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const csrf = csrfMeta ? csrfMeta.content : '';

// APIError is an error answer of the API: its message is the JSON "error".
export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// api calls the JSON API. State-changing methods carry X-CSRF-Token. It
// returns the decoded body (null for 204) or throws an APIError whose
// message is the server's own words.
export async function api(method, url, data) {
  const headers = { Accept: 'application/json' };
  const opt = { method, headers, credentials: 'same-origin' };
  if (unsafe.has(method)) headers['X-CSRF-Token'] = csrf;
  if (data !== undefined) {
    headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(data);
  }
  let r;
  try {
    r = await fetch(url, opt);
  } catch (err) {
    throw new APIError(0, `The recorder did not answer (${err.message}). Check the network and try again.`);
  }
  if (r.status === 204) return null;
  const text = await r.text();
  let out = null;
  try { out = text ? JSON.parse(text) : null; } catch { out = null; }
  if (!r.ok) {
    let msg = (out && out.error) || `${r.status} ${r.statusText}`;
    if (r.status === 401 && !url.endsWith('/login')) {
      msg = 'Your session has ended: log in again (what you typed here stays until you leave the page).';
    }
    throw new APIError(r.status, msg);
  }
  return out;
}

// loginURL is the login page that comes back here.
export function loginURL() {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

// showError shows an error in the page's alert box (or in box), with a
// login link when the session has ended.
export function showError(err, box = $('error')) {
  if (!box) return;
  box.replaceChildren(document.createTextNode(err && err.message ? err.message : String(err)));
  if (err && err.status === 401) {
    const a = document.createElement('a');
    a.href = loginURL();
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = ' Log in (new tab)';
    box.append(a);
  }
  box.hidden = false;
}

// clearError hides the alert box.
export function clearError(box = $('error')) {
  if (box) { box.hidden = true; box.replaceChildren(); }
}

// busy disables a form's submit buttons while fn runs and reports its
// error; the form's fields keep what the user typed either way.
export async function busy(form, fn) {
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  clearError();
  try {
    return await fn();
  } catch (err) {
    showError(err);
    return undefined;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    form.removeAttribute('aria-busy');
  }
}

// localToRFC3339 turns a datetime-local value into RFC 3339 in UTC.
export function localToRFC3339(v) {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

// fillLines puts one <option> per line into a <select>, keeping its first
// option ("any line") and its current value.
export async function fillLines(select, { all = true } = {}) {
  const lines = await api('GET', '/api/v1/lines');
  const keep = select.value;
  const opts = lines.map((l) => {
    const o = document.createElement('option');
    o.value = String(l.line);
    o.textContent = l.name ? `${l.line + 1}: ${l.name}` : `Line ${l.line + 1}`;
    return o;
  });
  if (all) select.replaceChildren(select.options[0], ...opts);
  else select.replaceChildren(...opts);
  if (keep) select.value = keep;
  return lines;
}

// liveLines follows GET /api/v1/events: onLines gets each snapshot, conn
// (a status element) says whether the stream is up. The browser
// reconnects by itself; a refused stream is retried here, backing off to
// 30 s.
export function liveLines(onLines, conn) {
  let source = null;
  let retry = 1000;
  let timer = 0;
  const set = (state, text) => {
    if (!conn) return;
    conn.dataset.state = state;
    conn.textContent = text;
  };
  const connect = () => {
    clearTimeout(timer);
    if (source) source.close();
    source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => {
      retry = 1000;
      set('live', 'Live');
    });
    source.addEventListener('lines', (ev) => {
      let snap;
      try { snap = JSON.parse(ev.data); } catch { return; }
      onLines(snap);
    });
    source.addEventListener('error', async () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused: a session that ended cannot come back by retrying.
        try {
          await api('GET', '/api/v1/me');
        } catch (err) {
          if (err.status === 401) {
            set('down', 'Logged out');
            showError(err);
            return;
          }
        }
        set('down', `Disconnected, retrying in ${Math.round(retry / 1000)} s…`);
        timer = setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      } else {
        set('down', 'Reconnecting…');
      }
    });
  };
  connect();
  return () => { clearTimeout(timer); if (source) source.close(); };
}

const logout = $('logout');
if (logout) {
  logout.addEventListener('click', async () => {
    logout.disabled = true;
    try {
      await api('POST', '/api/v1/logout');
    } catch {
      // the session may be gone already: the login page is right anyway
    }
    location.assign('/login');
  });
}
