// The live lines panel: one card per line, updated in place from each
// "lines" snapshot so that focus and screen-reader position survive.
// Caller rows appear only for users who may see caller data (calls.view);
// the server removes those fields for the others anyway.
import { el, setText } from './dom.js';
import {
  callerName, callerNumber, formatLevel, lineStates, meterMax, meterMin, meterPercent,
} from './format.js';

// LinesView renders snapshots into a <ul>.
export class LinesView {
  constructor(list, empty, { callers = false, listen = false } = {}) {
    this.list = list;
    this.empty = empty;
    this.opts = { callers, listen };
    this.cards = new Map(); // line index -> card parts
    this.states = new Map(); // line index -> last state
  }

  // update renders snap and returns the indexes of lines that went back to
  // idle since the previous snapshot.
  update(snap) {
    const ended = [];
    const seen = new Set();
    for (const ls of snap) {
      seen.add(ls.line);
      let card = this.cards.get(ls.line);
      if (!card) {
        card = makeCard(ls.line, this.opts);
        this.cards.set(ls.line, card);
      }
      fill(card, ls);
      const prev = this.states.get(ls.line);
      if (prev !== undefined && prev !== 'idle' && ls.state === 'idle') ended.push(ls.line);
      this.states.set(ls.line, ls.state);
    }
    for (const [line, card] of this.cards) {
      if (!seen.has(line)) {
        card.root.remove();
        this.cards.delete(line);
        this.states.delete(line);
      }
    }
    // Keep the cards in line order.
    const order = [...this.cards.keys()].sort((a, b) => a - b);
    order.forEach((line, i) => {
      const node = this.cards.get(line).root;
      if (this.list.children[i] !== node) this.list.insertBefore(node, this.list.children[i] || null);
    });
    this.empty.hidden = snap.length > 0;
    return ended;
  }
}

function makeCard(line, { callers, listen }) {
  const name = el('h3', { class: 'line-name' });
  const badge = el('span', { class: 'badge' });
  const number = el('dd', { class: 'caller-number' });
  const cname = el('dd', { class: 'caller-name' });
  const dialled = el('dd', { class: 'dialled' });
  const fill = el('span', { class: 'meter-fill' });
  const meter = el('span', {
    class: 'meter', role: 'meter', 'aria-valuemin': meterMin, 'aria-valuemax': meterMax,
  }, fill);
  const level = el('span', { class: 'level' });
  const listenLink = listen ? el('a', { class: 'listen', href: `/live/${line}`, text: 'Listen live', hidden: true }) : null;
  const root = el('li', { class: 'line', 'data-line': line },
    el('div', { class: 'line-head' }, name, badge),
    callers ? el('dl', { class: 'line-facts' },
      el('div', {}, el('dt', { text: 'Caller' }), number),
      el('div', {}, el('dt', { text: 'Name' }), cname),
      el('div', {}, el('dt', { text: 'Dialled' }), dialled)) : null,
    el('div', { class: 'line-level' }, meter, level),
    listenLink);
  return { root, name, badge, number, cname, dialled, meter, fill, level, listenLink };
}

function fill(card, ls) {
  const label = ls.name || `Line ${ls.line + 1}`;
  card.root.dataset.state = ls.state;
  setText(card.name, label);
  setText(card.badge, lineStates[ls.state] || ls.state);
  const active = ls.state !== 'idle';
  setText(card.number, active ? (callerNumber(ls.caller_id) || '—') : '—');
  setText(card.cname, active ? (callerName(ls.caller_id) || '—') : '—');
  setText(card.dialled, ls.dialled || '—');
  if (card.listenLink) card.listenLink.hidden = !active;
  const pct = meterPercent(ls.level_dbm0);
  card.fill.style.width = `${pct.toFixed(1)}%`;
  const text = formatLevel(ls.level_dbm0);
  card.meter.setAttribute('aria-valuenow', String(Math.max(meterMin, Math.min(meterMax, ls.level_dbm0 ?? -100)).toFixed(0)));
  card.meter.setAttribute('aria-valuetext', text);
  card.meter.setAttribute('aria-label', `${label} level`);
  card.meter.classList.toggle('hot', ls.level_dbm0 > -3);
  setText(card.level, text);
}
