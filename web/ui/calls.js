// The calls page: a search form with every filter of GET /api/v1/calls,
// sorting, cursor paging, and a table whose rows open each call. The
// filters live in the page URL, so a search can be bookmarked and the
// back button returns to it.
import {
  $, api, busy, fillLines, localToRFC3339, showError,
} from './common.js';
import { el } from './dom.js';
import {
  callerName, directions, formatDuration, formatTime, partyNumber,
} from './format.js';

const form = $('search');
const tbody = $('calls-body');
const status = $('calls-status');
const more = $('more');
const first = $('first');
const fields = ['from', 'to', 'line', 'direction', 'number', 'name', 'min_duration', 'max_duration', 'tag', 'sort', 'limit'];

const stateText = {
  recording: '● recording',
  complete: 'complete',
  interrupted: '⚠ interrupted',
};

// callRow builds the <tr> of one call; the time links to the call page.
export function callRow(c) {
  const dir = directions[c.direction] || directions.unknown;
  const line = c.line_name || `Line ${c.line + 1}`;
  const when = formatTime(c.start);
  const href = `/calls/${encodeURIComponent(c.id)}`;
  return el('tr', { class: `call state-${c.state}`, 'data-call': c.id },
    el('td', { 'data-label': 'Time' },
      el('a', { href, 'aria-label': `Call ${c.id}, ${when}` }, el('time', { datetime: c.start, text: when }))),
    el('td', { 'data-label': 'Line', text: line }),
    el('td', { 'data-label': 'Direction', class: `dir dir-${c.direction}` },
      el('span', { 'aria-hidden': 'true', text: dir.arrow }),
      el('span', { class: 'visually-hidden', text: dir.label })),
    el('td', { 'data-label': 'Number', class: 'number', text: partyNumber(c) || '—' }),
    el('td', { 'data-label': 'Name', text: callerName(c.caller_id) || '—' }),
    el('td', { 'data-label': 'Duration', class: 'duration', text: c.state === 'recording' ? 'recording' : formatDuration(c.duration) }),
    el('td', { 'data-label': 'Tags', text: (c.tags || []).join(', ') + (c.keep ? ' 🔒' : '') }),
    el('td', { 'data-label': 'State', class: 'state', text: stateText[c.state] || c.state }));
}

// formQuery is the page URL's query: the form as typed.
function formQuery() {
  const q = new URLSearchParams();
  for (const f of fields) {
    const v = form.elements[f].value.trim();
    if (v && !(f === 'sort' && v === 'newest') && !(f === 'limit' && v === '50')) q.set(f, v);
  }
  return q;
}

// apiQuery turns the page query into the API's parameters; after is the
// [name, value] of the next page's cursor.
function apiQuery(pq, after) {
  const q = new URLSearchParams();
  for (const [k, v] of pq) {
    if (k === 'from' || k === 'to') {
      const t = localToRFC3339(v);
      if (!t) throw new Error(`${k === 'from' ? 'From' : 'To'}: "${v}" is not a date and time`);
      q.set(k, t);
    } else if (k === 'tag') {
      for (const t of v.split(',').map((s) => s.trim()).filter(Boolean)) q.append('tag', t);
    } else {
      q.set(k, v);
    }
  }
  if (!q.has('limit')) q.set('limit', '50');
  if (after) q.set(after[0], after[1]);
  return q;
}

let next = null; // [parameter, value] of the next page, or null
let pageNo = 1;

// nextOf reads a page's cursor: next_cursor (any sort order) or next (the
// "before" of newest-first paging).
function nextOf(page) {
  if (Array.isArray(page)) return null;
  if (page.next_cursor) return ['cursor', page.next_cursor];
  if (page.next) return ['before', String(page.next)];
  return null;
}

async function load(after) {
  const pq = formQuery();
  const page = await api('GET', `/api/v1/calls?${apiQuery(pq, after)}`);
  const list = Array.isArray(page) ? page : (page.calls || []);
  next = nextOf(page);
  tbody.replaceChildren(...list.map(callRow));
  pageNo = after ? pageNo + 1 : 1;
  more.hidden = !next;
  first.hidden = pageNo === 1;
  status.textContent = list.length
    ? `${list.length} call${list.length === 1 ? '' : 's'}${pageNo > 1 ? ` (page ${pageNo})` : ''}`
    : (pageNo > 1 ? 'No more calls.' : 'No calls match.');
  document.body.dataset.calls = String(list.length);
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  busy(form, async () => {
    await load(null);
    const q = formQuery().toString();
    history.replaceState(null, '', q ? `?${q}` : location.pathname);
  });
});
$('reset').addEventListener('click', () => {
  setTimeout(() => form.requestSubmit(), 0);
});
more.addEventListener('click', () => busy(form, () => load(next)));
first.addEventListener('click', () => busy(form, () => load(null)));

// Fill the form from the page URL, then search.
const initial = new URLSearchParams(location.search);
for (const f of fields) {
  const v = initial.get(f);
  if (v !== null && form.elements[f]) form.elements[f].value = v;
}
fillLines($('line'))
  .then(() => { const v = initial.get('line'); if (v !== null) $('line').value = v; })
  .catch(showError)
  .finally(() => busy(form, () => load(null)));
