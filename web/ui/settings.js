// Settings: one form per line (PUT /api/v1/settings/lines/{n}, for
// lines.setup) and the device settings (webhook, QA criteria; for
// settings.manage).
import {
  $, api, busy, can, showError,
} from './common.js';
import { el } from './dom.js';

const codecNames = [...document.querySelectorAll('#codec-names option')].map((o) => o.value);

function field(id, label, input, hint) {
  input.id = id;
  const p = el('p', { class: 'field' }, el('label', { for: id, text: label }), input);
  if (hint) {
    input.setAttribute('aria-describedby', `${id}-hint`);
    p.append(el('span', { id: `${id}-hint`, class: 'hint', text: hint }));
  }
  return p;
}

function lineForm(ls, i) {
  const n = i;
  const p = `l${n}`;
  const name = el('input', { name: 'name', value: ls.name || '', maxlength: 64, autocomplete: 'off' });
  const number = el('input', { name: 'number', value: ls.number || '', inputmode: 'tel', autocomplete: 'off' });
  const codec = el('select', { name: 'codec' }, ...codecNames.map((c) => el('option', { value: c, text: c })));
  if (ls.codec && !codecNames.includes(ls.codec)) codec.append(el('option', { value: ls.codec, text: ls.codec }));
  codec.value = ls.codec || '';
  const trigger = el('select', { name: 'trigger' },
    el('option', { value: 'hook', text: 'hook: the line sensor (ring, off-hook)' }),
    el('option', { value: 'vox', text: 'vox: voice on the line' }),
    el('option', { value: 'always', text: 'always: record continuously' }));
  trigger.value = ls.trigger || 'hook';
  const gain = el('input', { name: 'gain_db', type: 'number', min: -20, max: 20, step: 0.5, value: ls.gain_db ?? 0 });
  const retention = el('input', { name: 'retention_days', type: 'number', min: 0, step: 1, value: ls.retention_days ?? 0 });
  const status = el('span', { role: 'status' });
  const button = el('button', { class: 'button primary', type: 'submit', text: 'Save line' });
  const form = el('form', { class: 'card line-form', 'data-line': n, 'aria-label': `Line ${n + 1} settings` },
    el('h3', { text: `Line ${n + 1}${ls.name ? `: ${ls.name}` : ''}` }),
    el('div', { class: 'grid' },
      field(`${p}-name`, 'Name', name),
      field(`${p}-number`, 'Line number', number, 'The line\'s own number, for the records.'),
      field(`${p}-codec`, 'Codec', codec),
      field(`${p}-trigger`, 'Recording trigger', trigger),
      field(`${p}-gain`, 'Gain (dB)', gain, '−20 to +20; applied before detection and storage.'),
      field(`${p}-retention`, 'Keep calls (days)', retention, '0: the store-wide retention.')),
    el('p', { class: 'actions' }, button, ' ', status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    const body = {
      name: name.value.trim(),
      number: number.value.trim(),
      codec: codec.value,
      trigger: trigger.value,
      gain_db: Number(gain.value),
      retention_days: Number(retention.value),
    };
    const got = await busy(form, () => api('PUT', `/api/v1/settings/lines/${n}`, body));
    if (got) status.textContent = 'Saved; applies when the line is next idle.';
  });
  return form;
}

function deviceForm(dev) {
  const form = $('device-form');
  form.hidden = false;
  $('webhook-url').value = (dev.webhook && dev.webhook.url) || '';
  if (dev.webhook && dev.webhook.secret_set) $('webhook-secret').placeholder = 'a secret is set';
  $('qa-criteria').value = (dev.qa_criteria || []).join('\n');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('device-status').textContent = '';
    const webhook = { url: $('webhook-url').value.trim() };
    if ($('webhook-secret').value) webhook.secret = $('webhook-secret').value;
    const body = {
      webhook,
      qa_criteria: $('qa-criteria').value.split('\n').map((x) => x.trim()).filter(Boolean),
    };
    const ok = await busy(form, async () => { await api('PUT', '/api/v1/settings/device', body); return true; });
    if (ok) {
      $('webhook-secret').value = '';
      $('device-status').textContent = 'Saved.';
    }
  });
}

async function main() {
  let s;
  try {
    s = await api('GET', '/api/v1/settings');
  } catch (err) {
    showError(err);
    return;
  }
  if (can('lines.setup')) {
    $('line-forms').replaceChildren(...(s.lines || []).map(lineForm));
  } else {
    $('line-forms').replaceChildren(el('p', { class: 'note', text: 'Line settings are for technicians and admins.' }));
  }
  // The device settings come as "device" (older servers: at the top).
  if (can('settings.manage')) deviceForm(s.device || s);
}

main();
