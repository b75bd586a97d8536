// The dashboard: every line live from the event stream.
import { $, can, liveLines } from './common.js';
import { LinesView } from './lines.js';

const view = new LinesView($('lines'), $('lines-empty'), {
  callers: can('calls.view'),
  listen: can('live.listen'),
});
let events = 0;
liveLines((snap) => {
  view.update(snap);
  events += 1;
  document.body.dataset.lineEvents = String(events);
}, $('conn'));
