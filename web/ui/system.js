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
  // Storage figures come at the top level or in "storage".
  const st = s.storage || s;
  const used = st.used_bytes || 0;
  const free = st.free_bytes || 0;
  const total = used + free;
  const alarms = (s.alarms || []).filter((a) => a.active !== false);
  const rows = [
    row('Version', s.version || 'unknown'),
    row('Uptime', uptime(s.uptime_s || 0)),
    row('Clock', s.clock_valid ? 'set' : 'NOT SET: recordings get uncertain times'),
    row('Storage', total ? `${formatBytes(used)} used, ${formatBytes(free)} free (${Math.round((used / total) * 100)} % used)` : 'unknown'),
    row('CPU load (1 min)', typeof s.load1 === 'number' ? s.load1.toFixed(2) : 'unknown'),
    row('Temperature', typeof s.temperature_c === 'number' ? `${s.temperature_c.toFixed(1)} °C` : 'not measured'),
    row('Alarms', alarms.length ? alarms.map((a) => `${a.kind}: ${a.message}`).join('; ') : 'none'),
  ];
  if (typeof s.calls === 'number') rows.push(row('Calls stored', String(s.calls)));
  if (typeof s.lines === 'number') rows.push(row('Lines', String(s.lines)));
  if (s.data_dir) rows.push(row('Data directory', s.data_dir));
  if (s.go) rows.push(row('Built with', s.go));
  $('system').replaceChildren(...rows);
  document.body.dataset.loaded = '1';
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
