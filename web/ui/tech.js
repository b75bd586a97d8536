// The technician's page: alarms, the sound cards' capture figures
// (connected or lost, overruns, audio lost; with several cards the skew
// against the first and the frames slipped to follow it), per-line diagnostics (level, noise floor,
// ring cadence, caller-ID decodes masked to their last two digits,
// clipping, line voltage, hook events) and the line test wizard, which
// watches the diagnostics and the event stream for what the technician
// does at the phone.
import { $, api, liveLines, showError } from './common.js';
import { el, setText } from './dom.js';
import {
  formatClock, formatLevel, formatTime, lineStates,
} from './format.js';

let diags = [];
const live = new Map(); // line -> LineStatus from the event stream

// ---- alarms ----

async function alarms() {
  try {
    const list = (await api('GET', '/api/v1/alarms')) || [];
    const active = list.filter((a) => a.active !== false);
    $('alarms').replaceChildren(...active.map((a) => el('li', { class: `alarm alarm-${a.kind}` },
      el('strong', { text: a.kind }), ` since ${formatTime(a.since)}: ${a.message}`)));
    $('alarms-none').hidden = active.length > 0;
  } catch (err) {
    showError(err);
  }
}

// ---- diagnostics ----

function cadence(ms) {
  if (!ms || !ms.length) return '—';
  return ms.map((v, i) => `${(v / 1000).toFixed(1)} s ${i % 2 ? 'off' : 'on'}`).join(', ');
}

function row(term, value) {
  return el('div', {}, el('dt', { text: term }), el('dd', { text: value }));
}

function card(d) {
  const state = (live.get(d.line) || d).state;
  const cids = (d.callerid || []).slice(0, 5).map((c) => el('li', { class: c.error ? 'bad' : '' },
    `${formatClock(c.at)} ${c.standard || ''}: `, c.error ? `error: ${c.error}` : (c.number || '(no number)')));
  const hooks = (d.hook || []).slice(0, 5).map((h) => el('li', { text: `${formatClock(h.at)} ${h.event}` }));
  return el('article', { class: 'card diag', 'data-line': d.line, 'data-state': state },
    el('h3', { text: `${d.name || `Line ${d.line + 1}`} · ${lineStates[state] || state}` }),
    el('dl', { class: 'facts' },
      row('Level', formatLevel(d.level_dbm0)),
      row('Noise floor', formatLevel(d.noise_floor_dbm0)),
      row('Clipping', d.clipping ? `${d.clipping} blocks, last ${formatClock(d.last_clip)}` : 'none'),
      row('Line voltage', typeof d.voltage_v === 'number' ? `${d.voltage_v.toFixed(1)} V` : 'not measured'),
      row('Last ring', d.last_ring ? `${formatClock(d.last_ring.at)}: ${cadence(d.last_ring.cadence_ms)}` : 'none yet'),
      row('Last call', d.last_call ? formatTime(d.last_call) : 'none yet')),
    el('h4', { text: 'Caller-ID decodes' }),
    cids.length ? el('ul', { class: 'events' }, ...cids) : el('p', { class: 'note', text: 'None yet.' }),
    el('h4', { text: 'Hook events' }),
    hooks.length ? el('ul', { class: 'events' }, ...hooks) : el('p', { class: 'note', text: 'None yet.' }));
}

async function diagnostics() {
  try {
    diags = (await api('GET', '/api/v1/diagnostics')) || [];
  } catch (err) {
    showError(err);
    return;
  }
  $('diag').replaceChildren(...diags.map(card));
  const sel = $('wizard-line');
  if (sel.options.length !== diags.length) {
    const keep = sel.value;
    sel.replaceChildren(...diags.map((d) => el('option', { value: String(d.line), text: d.name ? `${d.line + 1}: ${d.name}` : `Line ${d.line + 1}` })));
    if (keep) sel.value = keep;
  }
  wizardStep();
}

// ---- sound cards ----

const noCard = {
  sim: 'No sound card is in use: the lines are simulated (source "sim").',
  wavfile: 'No sound card is in use: the lines are played from a WAV file (source "wavfile").',
};

function lineName(i) {
  const d = diags.find((x) => x.line === i);
  return d && d.name ? `${i + 1}: ${d.name}` : `Line ${i + 1}`;
}

function skew(ms) {
  if (typeof ms !== 'number') return 'not measured yet';
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(2)} ms against card 1`;
}

function soundCard(c, several) {
  const facts = [
    row('Device', c.alsa ? `${c.device} (ALSA)` : c.device),
    row('Lines', c.lines && c.lines.length ? c.lines.map(lineName).join(', ') : 'none'),
    row('Inputs', (c.channels || []).map((ch) => `channel ${ch}`).join(', ') || 'none'),
    row('Status', c.connected ? `connected since ${formatClock(c.since)}`
      : `LOST since ${formatClock(c.since)}${c.error ? `: ${c.error}` : ''}`),
    row('Overruns', String(c.overruns)),
    row('Audio lost', `${(c.lost_ms / 1000).toFixed(3)} s`),
    row('Reconnects', String(c.reconnects)),
  ];
  const a = c.align;
  if (several && a) {
    facts.push(
      row('Skew', c.card === 0 ? 'reference (card 1)' : skew(a.skew_ms)),
      row('Slipped', c.card === 0 ? '—' : `${a.dropped_frames} frames dropped, ${a.inserted_frames} put in`),
      row('Delivering', a.stalled ? 'no: its lines get silence' : 'yes'),
    );
  }
  return el('article', { class: 'card soundcard', 'data-card': c.card, 'data-connected': c.connected ? '1' : '0' },
    el('h3', { text: `Card ${c.card + 1}${c.connected ? '' : ' · LOST'}` }),
    el('dl', { class: 'facts' }, ...facts));
}

async function cards() {
  let rep;
  try {
    rep = await api('GET', '/api/v1/diagnostics/cards');
  } catch (err) {
    showError(err);
    return;
  }
  const list = (rep && rep.cards) || [];
  const none = $('cards-none');
  none.hidden = list.length > 0;
  setText(none, list.length ? '' : (noCard[rep && rep.source] || 'No sound card is in use.'));
  $('cards').replaceChildren(...list.map((c) => soundCard(c, list.length > 1)));
}

// ---- the line test wizard ----

let wiz = null; // { line, seen: {…}, base: {hook, ring, cid}, sawOffhook }

function newest(d) {
  return {
    hook: d && d.hook && d.hook[0] ? d.hook[0].at : '',
    ring: d && d.last_ring ? d.last_ring.at : '',
    cid: d && d.callerid && d.callerid[0] ? d.callerid[0].at : '',
  };
}

// mark shows a step as seen. A provisional mark (the event stream saw
// ringing) gives way to the final one (the diagnostics measured it).
function mark(step, text, provisional = false) {
  const li = $('wizard').querySelector(`[data-step="${step}"]`);
  if (!li || li.dataset.final === '1') return;
  if (provisional && li.dataset.done === '1') return;
  li.dataset.done = '1';
  if (!provisional) li.dataset.final = '1';
  setText(li.querySelector('.step-result'), `✔ ${text}`);
}

function wizardStep() {
  if (!wiz) return;
  const d = diags.find((x) => x.line === wiz.line);
  const ls = live.get(wiz.line);
  if (d) {
    const after = (t, base) => t && (!base || new Date(t) > new Date(base));
    const hooks = (d.hook || []).filter((h) => after(h.at, wiz.base.hook));
    if (hooks.some((h) => h.event === 'off-hook')) { wiz.sawOffhook = true; mark('offhook', 'we see off-hook'); }
    if (wiz.sawOffhook && hooks.some((h) => h.event === 'on-hook')) mark('onhook', 'we see on-hook');
    if (d.last_ring && after(d.last_ring.at, wiz.base.ring)) {
      mark('ring', `ringing heard; cadence ${cadence(d.last_ring.cadence_ms)}`);
    }
    const c = d.callerid && d.callerid[0];
    if (c && after(c.at, wiz.base.cid)) {
      mark('callerid', c.error ? `a message arrived but was damaged: ${c.error}` : `decoded (${c.standard || 'caller ID'}): ${c.number || 'no number'}`);
    }
  }
  if (ls) {
    if (ls.state !== 'idle' && ls.state !== 'ringing') { wiz.sawOffhook = true; mark('offhook', `we see off-hook (${lineStates[ls.state] || ls.state})`); }
    if (ls.dialled) mark('digit', `we heard ${ls.dialled.slice(-1)}`);
    else if (ls.state === 'dialling' && wiz.sawDialling) mark('digit', 'the line is dialling (digits are hidden for your role)');
    if (ls.state === 'dialling') wiz.sawDialling = true;
    if (wiz.sawOffhook && ls.state === 'idle') mark('onhook', 'we see on-hook');
    if (ls.state === 'ringing') mark('ring', 'ringing heard (the cadence follows)', true);
  }
}

$('wizard-start').addEventListener('click', () => {
  const line = Number($('wizard-line').value);
  const d = diags.find((x) => x.line === line);
  wiz = { line, base: newest(d), sawOffhook: false, sawDialling: false };
  const ol = $('wizard');
  ol.hidden = false;
  for (const li of ol.children) {
    delete li.dataset.done;
    delete li.dataset.final;
  }
  const waiting = ['Waiting for off-hook…', 'Waiting for a digit…', 'Waiting for on-hook…', 'Waiting for ringing…', 'Waiting for a caller-ID message…'];
  [...ol.children].forEach((li, i) => setText(li.querySelector('.step-result'), waiting[i]));
  $('wizard-start').textContent = 'Restart the test';
  ol.querySelector('li').scrollIntoView({ block: 'nearest' });
});

liveLines((snap) => {
  for (const ls of snap) live.set(ls.line, ls);
  wizardStep();
}, $('conn'));
alarms();
diagnostics().then(cards);
setInterval(alarms, 5000);
setInterval(diagnostics, 1000);
setInterval(cards, 2000);
