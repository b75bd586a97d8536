// Formatting of call and line fields for display. Pure functions: no DOM.

const absence = { P: 'private', O: 'unavailable' };

// callerNumber returns what to show for a caller ID's number: the number,
// "private" or "unavailable" (GR-30 / EN 300 659-3 absence codes), or ''.
export function callerNumber(cid) {
  if (!cid) return '';
  if (cid.number) return cid.number;
  return absence[cid.number_absence] || '';
}

// callerName is callerNumber for the name.
export function callerName(cid) {
  if (!cid) return '';
  if (cid.name) return cid.name;
  return absence[cid.name_absence] || '';
}

// partyNumber is the far party of a call or line: the caller ID number of an
// inbound call, the dialled digits of an outbound one.
export function partyNumber(x) {
  if (x.direction === 'outbound') return x.dialled || '';
  return callerNumber(x.caller_id) || x.dialled || '';
}

// formatDuration turns Go nanoseconds into m:ss or h:mm:ss.
export function formatDuration(ns) {
  const total = Math.max(0, Math.round(ns / 1e9));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});

// formatTime shows an RFC 3339 time in the browser's locale and zone.
export function formatTime(rfc3339) {
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? '' : timeFmt.format(d);
}

const clockFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

// formatClock is formatTime to the second, for events a technician
// matches with what they just did.
export function formatClock(rfc3339) {
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? '' : clockFmt.format(d);
}

// directions maps a call direction to an arrow and its spoken name.
export const directions = {
  inbound: { arrow: '↙', label: 'inbound' },
  outbound: { arrow: '↗', label: 'outbound' },
  unknown: { arrow: '•', label: 'direction unknown' },
};

// lineStates names the live line states for people.
export const lineStates = {
  idle: 'Idle',
  ringing: 'Ringing',
  dialling: 'Dialling',
  connected: 'Connected',
  ending: 'Ending',
};

// Level meter range in dBm0: silence floor to a full-scale sine (+3.14).
export const meterMin = -60;
export const meterMax = 3;

// meterPercent maps a level in dBm0 onto 0..100.
export function meterPercent(dbm0) {
  if (typeof dbm0 !== 'number' || Number.isNaN(dbm0)) return 0;
  const p = ((dbm0 - meterMin) / (meterMax - meterMin)) * 100;
  return Math.min(100, Math.max(0, p));
}

// formatLevel shows a level in dBm0, or "silent" at the −100 floor.
export function formatLevel(dbm0) {
  if (typeof dbm0 !== 'number' || dbm0 <= -100) return 'silent';
  return `${dbm0.toFixed(0)} dBm0`;
}

// formatBytes shows a size in B, kB, MB or GB (powers of 1000).
export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i += 1; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
