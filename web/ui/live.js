// Live listen: the line's audio while it is in a call (audited).
import { $, liveLines } from './common.js';
import { lineStates } from './format.js';

const line = Number(document.body.dataset.line);
const audio = $('live-audio');
const listen = $('listen');
const stop = $('stop');
const status = $('live-status');
let state = 'unknown';

function stopListening(text) {
  audio.pause();
  audio.removeAttribute('src');
  audio.load();
  listen.hidden = false;
  stop.hidden = true;
  if (text !== undefined) status.textContent = text;
}

listen.addEventListener('click', () => {
  if (state === 'idle') {
    status.textContent = 'The line is idle: there is nothing to hear until a call starts.';
    return;
  }
  audio.src = `/api/v1/lines/${line}/listen`;
  listen.hidden = true;
  stop.hidden = false;
  status.textContent = 'Connecting…';
  audio.play().catch((err) => stopListening(`Could not play: ${err.message}`));
});
stop.addEventListener('click', () => stopListening('Stopped.'));
audio.addEventListener('playing', () => { status.textContent = 'Listening.'; });
audio.addEventListener('error', () => {
  if (audio.getAttribute('src')) stopListening('The stream was refused or ended (the call may be over).');
});
audio.addEventListener('ended', () => stopListening('The call ended.'));

liveLines((snap) => {
  const ls = snap.find((l) => l.line === line);
  if (!ls) {
    $('live-line').textContent = `There is no line ${line + 1}.`;
    listen.disabled = true;
    return;
  }
  state = ls.state;
  $('live-line').textContent = `${ls.name || `Line ${line + 1}`}: ${lineStates[ls.state] || ls.state}`;
  if (state === 'idle' && !stop.hidden) stopListening('The call ended.');
}, null);
