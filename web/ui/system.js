// System status (system.view) and changing one's own password.
import { $, api, busy } from './common.js';
import { el } from './dom.js';
import { formatBytes } from './format.js';

function uptime(s) {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d} d ${h} h ${m} min` : `${h} h ${m} min`;
}

function row(term, value) {
  return el('div', {}, el('dt', { text: term }), el('dd', { text: value }));
}

async function load() {
  const s = await api('GET', '/api/v1/system');
  const st = s.storage || {};
  const total = (st.used_bytes || 0) + (st.free_bytes || 0);
  $('system').replaceChildren(
    row('Version', s.version || 'unknown'),
    row('Uptime', uptime(s.uptime_s || 0)),
    row('Clock', s.clock_valid ? 'set' : 'NOT SET: recordings get uncertain times'),
    row('Calls stored', String(s.calls ?? '')),
    row('Storage', total ? `${formatBytes(st.used_bytes || 0)} used, ${formatBytes(st.free_bytes || 0)} free (${Math.round(((st.used_bytes || 0) / total) * 100)} % used)` : 'unknown'),
    row('CPU load (1 min)', typeof s.load1 === 'number' ? s.load1.toFixed(2) : 'unknown'),
    row('Temperature', typeof s.temperature_c === 'number' ? `${s.temperature_c.toFixed(1)} °C` : 'not measured'));
}

const card = $('system').parentElement;
$('refresh').addEventListener('click', () => busy(card, load));
busy(card, load);

const pw = $('password-form');
pw.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('pw-status').textContent = '';
  const ok = await busy(pw, async () => {
    await api('POST', '/api/v1/me/password', { old: $('old-password').value, new: $('new-password').value });
    return true;
  });
  if (ok) {
    pw.reset();
    $('pw-status').textContent = 'Password changed.';
  }
});
