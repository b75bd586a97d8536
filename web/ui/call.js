// One call: its facts, the player (audio element, a waveform to click to
// seek, speed, download), notes, tags and the keep flag, the QA score, and
// deletion, each shown only to roles that may use it.
import {
  $, api, busy, can, showError,
} from './common.js';
import { el } from './dom.js';
import {
  callerName, callerNumber, directions, formatDuration, formatTime,
} from './format.js';

const id = document.body.dataset.id;
const base = `/api/v1/calls/${encodeURIComponent(id)}`;
const audio = $('audio');
const canvas = $('wave');
let call = null;
let peaks = [];

function fact(dl, term, value, cls) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('div', { class: cls }, el('dt', { text: term }), el('dd', { text: String(value) })));
}

function showFacts(c) {
  const dl = $('facts');
  dl.replaceChildren();
  const dir = directions[c.direction] || directions.unknown;
  const line = c.line_name || `Line ${c.line + 1}`;
  $('title').textContent = `Call ${c.id}: ${line}, ${formatTime(c.start)}`;
  document.title = `Call ${c.id} · linetap`;
  fact(dl, 'Started', formatTime(c.start));
  fact(dl, 'Line', line);
  fact(dl, 'Direction', dir.label);
  if (c.direction === 'outbound') fact(dl, 'Dialled', c.dialled || '—');
  else fact(dl, 'Caller', callerNumber(c.caller_id) || '—');
  fact(dl, 'Name', callerName(c.caller_id) || '—');
  fact(dl, 'Duration', c.state === 'recording' ? 'recording' : formatDuration(c.duration));
  fact(dl, 'State', c.state + (c.end_reason ? ` (${c.end_reason})` : ''));
  if (c.dtmf) fact(dl, 'Keyed digits', c.dtmf);
  if (c.call_waiting && c.call_waiting.length) {
    fact(dl, 'Call waiting', c.call_waiting.map((w) => callerNumber(w) || callerName(w)).join(', '));
  }
  if (c.gaps && c.gaps.length) fact(dl, 'Audio gaps', c.gaps.map((g) => g.cause).join(', '));
  fact(dl, 'Kept', c.keep ? 'yes (legal hold)' : 'no');
  fact(dl, 'Codec', c.codec);
  fact(dl, 'SHA-256', c.sha256, 'wide mono');
}

// ---- player ----

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function draw() {
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = cssVar('--meter-bg');
  ctx.fillRect(0, 0, w, h);
  const dur = audio.duration;
  const at = Number.isFinite(dur) && dur > 0 ? audio.currentTime / dur : 0;
  const n = peaks.length;
  if (n) {
    const mid = h / 2;
    const played = cssVar('--accent');
    const rest = cssVar('--muted');
    for (let x = 0; x < w; x += 1) {
      const p = peaks[Math.floor((x / w) * n)];
      if (!p) continue;
      const top = mid - (p[1] / 32768) * mid;
      const bottom = mid - (p[0] / 32768) * mid;
      ctx.fillStyle = x / w <= at ? played : rest;
      ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }
  ctx.fillStyle = cssVar('--text');
  ctx.fillRect(Math.round(at * w) - 1, 0, 2, h);
  canvas.setAttribute('aria-valuemax', Number.isFinite(dur) ? dur.toFixed(1) : '0');
  canvas.setAttribute('aria-valuenow', audio.currentTime.toFixed(1));
  canvas.setAttribute('aria-valuetext', `${formatDuration(audio.currentTime * 1e9)} of ${formatDuration((dur || 0) * 1e9)}`);
}

function seek(fraction) {
  const dur = audio.duration;
  if (!Number.isFinite(dur) || dur <= 0) return;
  audio.currentTime = Math.min(dur, Math.max(0, fraction * dur));
  draw();
}

let raf = 0;
function tick() {
  draw();
  raf = audio.paused ? 0 : requestAnimationFrame(tick);
}

function setupPlayer() {
  $('player-card').hidden = false;
  audio.src = `${base}/audio`;
  audio.setAttribute('aria-label', `Recording of call ${id}`);
  const dl = $('download');
  dl.href = `${base}/audio?download=1`;
  dl.setAttribute('download', `call-${id}.wav`);
  $('speed').addEventListener('change', () => {
    audio.playbackRate = Number($('speed').value);
    audio.defaultPlaybackRate = audio.playbackRate;
  });
  audio.addEventListener('loadedmetadata', () => {
    audio.dataset.duration = String(audio.duration);
    draw();
  });
  audio.addEventListener('timeupdate', () => { if (!raf) draw(); });
  audio.addEventListener('play', () => { if (!raf) raf = requestAnimationFrame(tick); });
  audio.addEventListener('error', () => {
    audio.dataset.error = audio.error ? String(audio.error.code) : 'unknown';
    showError(new Error('The recording could not be loaded or played.'));
  });
  canvas.addEventListener('click', (ev) => {
    const r = canvas.getBoundingClientRect();
    seek((ev.clientX - r.left) / r.width);
  });
  canvas.addEventListener('keydown', (ev) => {
    const dur = audio.duration;
    if (!Number.isFinite(dur) || dur <= 0) return;
    const step = { ArrowLeft: -5, ArrowRight: 5, PageDown: -30, PageUp: 30 }[ev.key];
    if (step) { ev.preventDefault(); seek((audio.currentTime + step) / dur); }
    if (ev.key === 'Home') { ev.preventDefault(); seek(0); }
    if (ev.key === 'End') { ev.preventDefault(); seek(1); }
    if (ev.key === ' ') { ev.preventDefault(); if (audio.paused) audio.play(); else audio.pause(); }
  });
  draw();
  api('GET', `${base}/waveform?points=${canvas.width}`)
    .then((wf) => { peaks = (wf && wf.peaks) || []; canvas.dataset.points = String(peaks.length); draw(); })
    .catch(showError);
  if (can('calls.verify')) {
    const b = $('verify');
    b.hidden = false;
    b.addEventListener('click', async () => {
      b.disabled = true;
      $('verify-result').textContent = 'Checking…';
      try {
        const r = await api('POST', `${base}/verify`);
        $('verify-result').textContent = r.ok ? '✔ audio and record match their hashes' : `✘ ${r.error || 'does not verify'}`;
      } catch (err) {
        $('verify-result').textContent = '';
        showError(err);
      } finally {
        b.disabled = false;
      }
    });
  }
}

// ---- notes, tags, keep ----

function splitTags(s) {
  return s.split(',').map((t) => t.trim()).filter(Boolean);
}

function setupNotes(c) {
  const annotate = can('calls.annotate');
  const keep = can('calls.keep');
  if (!annotate && !keep) return;
  $('notes-card').hidden = false;
  $('notes').value = c.notes || '';
  $('tags').value = (c.tags || []).join(', ');
  $('notes').disabled = !annotate;
  $('tags').disabled = !annotate;
  if (keep) {
    $('keep-field').hidden = false;
    $('keep').checked = !!c.keep;
  }
  const form = $('notes-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const patch = {};
    if (annotate) { patch.notes = $('notes').value; patch.tags = splitTags($('tags').value); }
    if (keep) patch.keep = $('keep').checked;
    $('notes-status').textContent = '';
    const got = await busy(form, () => api('PATCH', base, patch));
    if (got) {
      call = got;
      showFacts(got);
      $('notes-status').textContent = 'Saved.';
    }
  });
}

// ---- QA ----

// qaCriteria are the configured criteria (from the call, or the device
// settings an admin may read) and any the call was scored on before.
async function qaCriteria(c) {
  const names = new Set(c.qa_criteria || []);
  if (!names.size) {
    try {
      const s = await api('GET', '/api/v1/settings');
      const dev = (s && (s.device || s)) || {};
      for (const n of dev.qa_criteria || []) names.add(n);
    } catch {
      // settings are for setup roles; the call's own scores name the rest
    }
  }
  for (const n of Object.keys((c.qa && c.qa.scores) || {})) names.add(n);
  return [...names];
}

async function setupQA(c) {
  if (!can('calls.annotate')) return;
  $('qa-card').hidden = false;
  const box = $('qa-criteria');
  const names = await qaCriteria(c);
  const scores = (c.qa && c.qa.scores) || {};
  if (!names.length) {
    box.append(el('p', { class: 'note', text: 'No QA criteria are configured; an admin sets them under Settings.' }));
  }
  names.forEach((n, i) => {
    const sel = el('select', { id: `qa-${i}`, 'data-criterion': n },
      el('option', { value: '', text: '— not scored' }),
      ...[0, 1, 2, 3, 4, 5].map((v) => el('option', { value: String(v), text: String(v) })));
    if (scores[n] !== undefined) sel.value = String(scores[n]);
    box.append(el('p', { class: 'field inline' }, el('label', { for: `qa-${i}`, text: n }), sel));
  });
  $('qa-comment').value = (c.qa && c.qa.comment) || '';
  const form = $('qa-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = {};
    for (const sel of box.querySelectorAll('select')) {
      if (sel.value !== '') out[sel.dataset.criterion] = Number(sel.value);
    }
    $('qa-status').textContent = '';
    const got = await busy(form, () => api('PUT', `${base}/qa`, { scores: out, comment: $('qa-comment').value }));
    if (got) $('qa-status').textContent = 'Score saved.';
  });
}

// ---- delete ----

function setupDelete() {
  if (!can('calls.delete')) return;
  $('delete-card').hidden = false;
  const form = $('delete-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Delete call ${id}? This cannot be undone.`)) return;
    const done = await busy(form, async () => {
      await api('DELETE', base, { reason: $('reason').value.trim() });
      return true;
    });
    if (done) location.assign('/calls');
  });
}

async function main() {
  try {
    call = await api('GET', base);
  } catch (err) {
    showError(err);
    return;
  }
  showFacts(call);
  if (can('calls.play')) setupPlayer();
  setupNotes(call);
  setupDelete();
  await setupQA(call);
  document.body.dataset.loaded = '1';
}

main();
