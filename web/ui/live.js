// Live listen: the line's audio while it is in a call (audited). The
// stream is an endless 8 kHz 16-bit mono WAV; Chromium's <audio> waits
// for its end before it plays a WAV of unknown length, so the page reads
// the stream itself and plays it through the Web Audio API, a block at a
// time, about a quarter of a second behind the line.
import { $, liveLines, showError } from './common.js';
import { lineStates } from './format.js';

const line = Number(document.body.dataset.line);
const listen = $('listen');
const stop = $('stop');
const status = $('live-status');
const rate = 8000;
const headerBytes = 44; // RIFF/WAVE header of the stream (fmt + data chunk heads)
const lead = 0.25; // seconds of audio queued ahead of the speaker
let state = 'unknown';
let session = null; // { ctx, reader, abort, played }

function setStatus(text) {
  status.textContent = text;
}

async function stopListening(text) {
  const s = session;
  session = null;
  listen.hidden = false;
  stop.hidden = true;
  if (text !== undefined) setStatus(text);
  if (!s) return;
  s.abort.abort();
  try { await s.ctx.close(); } catch { /* already closed */ }
}

// play schedules little-endian 16-bit samples (bytes) on the context.
function play(s, bytes) {
  const n = bytes.length >> 1;
  if (n === 0) return;
  const buf = s.ctx.createBuffer(1, n, rate);
  const ch = buf.getChannelData(0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i += 1) ch[i] = view.getInt16(i * 2, true) / 32768;
  const src = s.ctx.createBufferSource();
  src.buffer = buf;
  src.connect(s.ctx.destination);
  const now = s.ctx.currentTime;
  if (s.next < now + 0.02) s.next = now + lead; // start, or catch up after a gap
  src.start(s.next);
  s.next += n / rate;
  s.played += n / rate;
  document.body.dataset.liveSeconds = s.played.toFixed(2);
  document.body.dataset.liveAudio = s.ctx.state; // "running" once the speaker plays
}

async function start() {
  if (state === 'idle') {
    setStatus('The line is idle: there is nothing to hear until a call starts.');
    return;
  }
  const s = {
    ctx: new AudioContext({ sampleRate: rate }), abort: new AbortController(), next: 0, played: 0,
  };
  session = s;
  listen.hidden = true;
  stop.hidden = false;
  stop.focus();
  setStatus('Connecting…');
  let r;
  try {
    r = await fetch(`/api/v1/lines/${line}/listen`, { signal: s.abort.signal, credentials: 'same-origin' });
  } catch (err) {
    if (session === s) stopListening(`Could not connect: ${err.message}`);
    return;
  }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    if (session === s) stopListening('');
    showError(new Error(body.error || `${r.status} ${r.statusText}`));
    return;
  }
  setStatus('Listening.');
  const reader = r.body.getReader();
  let skip = headerBytes;
  let odd = null; // a byte left over from the previous chunk
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || session !== s) break;
      let bytes = value;
      if (skip > 0) {
        const k = Math.min(skip, bytes.length);
        skip -= k;
        bytes = bytes.subarray(k);
      }
      if (odd !== null && bytes.length) {
        const joined = new Uint8Array(bytes.length + 1);
        joined[0] = odd;
        joined.set(bytes, 1);
        bytes = joined;
        odd = null;
      }
      if (bytes.length & 1) {
        odd = bytes[bytes.length - 1];
        bytes = bytes.subarray(0, bytes.length - 1);
      }
      play(s, bytes);
    }
    if (session === s) stopListening('The call ended.');
  } catch (err) {
    if (session === s) stopListening(`The stream broke off: ${err.message}`);
  }
}

listen.addEventListener('click', () => { start(); });
stop.addEventListener('click', () => stopListening('Stopped.'));

liveLines((snap) => {
  const ls = snap.find((l) => l.line === line);
  if (!ls) {
    $('live-line').textContent = `There is no line ${line + 1}.`;
    listen.disabled = true;
    return;
  }
  state = ls.state;
  $('live-line').textContent = `${ls.name || `Line ${line + 1}`}: ${lineStates[ls.state] || ls.state}`;
}, null);
