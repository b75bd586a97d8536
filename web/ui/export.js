// Exports: a filter to a zip download or the USB stick, with progress
// polled from GET /api/v1/exports/{id} and the export's verification.
import {
  $, api, busy, fillLines, localToRFC3339, showError,
} from './common.js';
import { el, setText } from './dom.js';
import { formatBytes } from './format.js';

const form = $('export-form');
const list = $('jobs');
const rows = new Map(); // job id -> { li, text, link }
const polling = new Set();

// final are the states an export ends in; anything else is still going.
const final = new Set(['done', 'failed', 'incomplete']);

// verification words the export's check of what it wrote.
function verification(v) {
  if (v === true) return 'verified ✔';
  if (v === false) return 'verification FAILED ✘';
  return 'not verified yet';
}

function describe(j) {
  const target = j.target === 'usb' ? 'USB stick' : 'zip';
  const progress = `${j.calls_done || 0} of ${j.calls_total || 0} calls, ${formatBytes(j.bytes || 0)}`;
  switch (j.state) {
    case 'queued': return `${target}: waiting to start…`;
    case 'running': return `${target}: exporting… ${progress}`;
    case 'done': return `${target}: done, ${progress}; ${verification(j.verified)}`;
    case 'incomplete': return `${target}: incomplete, ${progress}${j.error ? `: ${j.error}` : ''}`;
    case 'failed': return `${target}: failed${j.error ? `: ${j.error}` : ''}`;
    default: return `${target}: ${j.state}`;
  }
}

function show(j) {
  let row = rows.get(j.id);
  if (!row) {
    const text = el('span', { class: 'job-text' });
    const bar = el('progress', { max: 1, value: 0 });
    const link = el('a', { class: 'button', href: `/api/v1/exports/${encodeURIComponent(j.id)}/zip`, download: `linetap-export-${j.id}.zip`, text: 'Download zip', hidden: true });
    const li = el('li', { class: 'job', 'data-job': j.id }, el('strong', { text: `Export ${j.id}` }), ' ', text, bar, link);
    row = { li, text, bar, link };
    rows.set(j.id, row);
    list.prepend(li);
  }
  row.li.dataset.state = j.state;
  row.li.dataset.verified = j.verified === true ? '1' : '0';
  setText(row.text, describe(j));
  row.bar.max = Math.max(1, j.calls_total || 0);
  row.bar.value = j.calls_done || 0;
  row.bar.hidden = final.has(j.state);
  row.link.hidden = !(j.target === 'zip' && j.state === 'done');
  $('jobs-empty').hidden = rows.size > 0;
  if (!final.has(j.state)) poll(j.id);
}

function poll(id) {
  if (polling.has(id)) return;
  polling.add(id);
  const step = async () => {
    try {
      const j = await api('GET', `/api/v1/exports/${encodeURIComponent(id)}`);
      polling.delete(id);
      show(j);
    } catch (err) {
      polling.delete(id);
      showError(err);
    }
  };
  setTimeout(step, 700);
}

async function usb() {
  try {
    const u = await api('GET', '/api/v1/usb');
    const radio = $('target-usb');
    if (u.present) {
      const free = typeof u.free_bytes === 'number' ? `, ${formatBytes(u.free_bytes)} free` : '';
      $('usb').textContent = `A USB stick is inserted (${u.path || 'mounted'}${u.fs_type ? `, ${u.fs_type}` : ''}${free}).`;
      radio.disabled = false;
    } else {
      $('usb').textContent = u.error
        ? `The USB stick cannot be used: ${u.error}. Download a zip instead.`
        : 'No USB stick is inserted. Insert one to export to it, or download a zip.';
      if (radio.checked) form.elements.target.value = 'zip';
      radio.disabled = true;
    }
  } catch (err) {
    $('usb').textContent = `Could not check for a USB stick: ${err.message}`;
  }
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const req = { target: form.elements.target.value };
  for (const k of ['from', 'to']) {
    const v = $(k).value;
    if (v) {
      const t = localToRFC3339(v);
      if (!t) { showError(new Error(`${k}: "${v}" is not a date and time`)); return; }
      req[k] = t;
    }
  }
  if ($('line').value !== '') req.line = Number($('line').value);
  if ($('number').value.trim()) req.number = $('number').value.trim();
  const j = await busy(form, () => api('POST', '/api/v1/exports', req));
  if (j) show(j);
});

async function main() {
  fillLines($('line')).catch(showError);
  usb();
  setInterval(usb, 5000);
  try {
    const jobs = await api('GET', '/api/v1/exports');
    for (const j of jobs || []) show(j);
  } catch (err) {
    showError(err);
  }
}

main();
