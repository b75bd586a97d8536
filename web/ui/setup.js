// First start: the first admin, with the setup code from the console.
import { $, api, busy, showError } from './common.js';

const form = $('setup');
$('code').focus();
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if ($('password').value !== $('password2').value) {
    showError(new Error('The two passwords differ.'));
    $('password2').focus();
    return;
  }
  const user = $('user').value.trim();
  const password = $('password').value;
  const ok = await busy(form, async () => {
    await api('POST', '/api/v1/setup', { code: $('code').value.trim(), user, password });
    return api('POST', '/api/v1/login', { user, password });
  });
  if (ok) location.assign('/');
});
