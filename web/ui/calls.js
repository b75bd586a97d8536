// The recent calls table, newest first, with a player per call.
import { el } from './dom.js';
import {
  callerName, directions, formatDuration, formatTime, partyNumber,
} from './format.js';

const stateText = {
  recording: '● recording',
  complete: 'complete',
  interrupted: '⚠ interrupted',
};

// audioURL is where a call's WAV is served.
export function audioURL(id) {
  return `api/v1/calls/${encodeURIComponent(id)}/audio`;
}

// callRow builds the <tr> of one call. With preload set (test pages), the
// audio loads at once and records its duration when metadata arrives.
export function callRow(c, { preload = false } = {}) {
  const dir = directions[c.direction] || directions.unknown;
  const line = c.line_name || `Line ${c.line + 1}`;
  const number = partyNumber(c) || '—';
  const name = callerName(c.caller_id) || '—';
  const duration = c.state === 'recording' ? 'recording' : formatDuration(c.duration);
  const when = formatTime(c.start);

  const audio = el('audio', {
    controls: true,
    preload: preload ? 'auto' : 'none',
    src: audioURL(c.id),
    'aria-label': `Recording of call ${c.id}, ${line}, ${when}`,
  });
  audio.addEventListener('play', () => { audio.preload = 'auto'; }, { once: true });
  audio.addEventListener('loadedmetadata', () => {
    audio.dataset.duration = String(audio.duration);
  });
  audio.addEventListener('error', () => {
    audio.dataset.error = audio.error ? String(audio.error.code) : 'unknown';
  });
  const download = el('a', {
    class: 'download',
    href: audioURL(c.id),
    download: `call-${c.id}.wav`,
    text: 'Download',
    'aria-label': `Download call ${c.id} as WAV`,
  });

  return el('tr', { class: `call state-${c.state}`, 'data-call': c.id },
    el('td', { 'data-label': 'Time' }, el('time', { datetime: c.start, text: when })),
    el('td', { 'data-label': 'Line', text: line }),
    el('td', { 'data-label': 'Direction', class: `dir dir-${c.direction}` },
      el('span', { 'aria-hidden': 'true', text: dir.arrow }),
      el('span', { class: 'visually-hidden', text: dir.label })),
    el('td', { 'data-label': 'Number', class: 'number', text: number }),
    el('td', { 'data-label': 'Name', text: name }),
    el('td', { 'data-label': 'Duration', class: 'duration', text: duration }),
    el('td', { 'data-label': 'State', class: 'state', text: stateText[c.state] || c.state }),
    el('td', { 'data-label': 'Recording', class: 'player' }, audio, download));
}
