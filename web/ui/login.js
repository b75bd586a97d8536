// The login form: POST /api/v1/login, then on to the page asked for.
import { $, api, busy } from './common.js';

const form = $('login');
$('user').focus();
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const ok = await busy(form, () => api('POST', '/api/v1/login', {
    user: $('user').value.trim(),
    password: $('password').value,
  }));
  if (!ok) {
    $('password').select();
    return;
  }
  // The server checked data-next: a path on this site.
  location.assign(form.dataset.next || '/');
});
