// The audit log (audit.view): entries oldest first, filtered by who and
// action, with the state of its hash chain.
import { $, api, busy } from './common.js';
import { el } from './dom.js';
import { formatTime } from './format.js';

const form = $('filter');
const tbody = $('audit-body');
const more = $('more');
const pageSize = 200;
let after = 0;

function entryRow(e) {
  return el('tr', { 'data-seq': e.seq },
    el('td', { 'data-label': '#', text: String(e.seq) }),
    el('td', { 'data-label': 'Time' }, el('time', { datetime: e.time, text: formatTime(e.time) })),
    el('td', { 'data-label': 'Who', text: e.who }),
    el('td', { 'data-label': 'Action', text: e.action }),
    el('td', { 'data-label': 'Call' }, e.call ? el('a', { href: `/calls/${e.call}`, text: String(e.call) }) : '—'),
    el('td', { 'data-label': 'Detail', class: 'detail', text: e.detail || '' }));
}

// breakText words one break of the chain (storage.Break).
function breakText(b) {
  if (typeof b === 'string') return b;
  if (b.call) return `${b.kind}: call ${b.call}: ${b.detail}`;
  if (b.audit) return `${b.kind}: entry ${b.audit}: ${b.detail}`;
  return `${b.kind}: ${b.detail}`;
}

function showChain(chain) {
  const p = $('chain');
  if (!chain) { p.textContent = ''; return; }
  p.dataset.ok = chain.ok ? '1' : '0';
  const n = typeof chain.entries === 'number' ? ` (${chain.entries} entr${chain.entries === 1 ? 'y' : 'ies'} checked)` : '';
  p.textContent = chain.ok
    ? `✔ The hash chain is intact: no entry was changed or removed${n}.`
    : `✘ The hash chain is broken: ${(chain.breaks || []).map(breakText).join('; ')}`;
}

async function load(append) {
  const q = new URLSearchParams({ limit: String(pageSize) });
  if (append) q.set('after', String(after));
  for (const k of ['who', 'action']) {
    const v = $(k).value.trim();
    if (v) q.set(k, v);
  }
  const r = await api('GET', `/api/v1/audit?${q}`);
  const entries = (r && r.entries) || [];
  const rows = entries.map(entryRow);
  if (append) tbody.append(...rows); else tbody.replaceChildren(...rows);
  // next is where the following page starts (absent on the last page).
  if (r && r.next) after = r.next;
  else if (entries.length) after = entries[entries.length - 1].seq;
  more.hidden = !(r && r.next);
  showChain(r && r.chain);
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  busy(form, () => load(false));
});
more.addEventListener('click', () => busy(form, () => load(true)));
busy(form, () => load(false));
