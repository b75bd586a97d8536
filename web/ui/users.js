// Users and API tokens (users.manage): list, add, change role, disable,
// reset password, delete; tokens whose secret is shown once.
import {
  $, api, busy, showError,
} from './common.js';
import { el } from './dom.js';
import { formatTime } from './format.js';

const roles = ['admin', 'supervisor', 'technician', 'auditor'];
const me = document.body.dataset.user;

function roleSelect(value, label) {
  const s = el('select', { 'aria-label': label }, ...roles.map((r) => el('option', { value: r, text: r })));
  s.value = value;
  return s;
}

async function act(fn) {
  try {
    await fn();
    await loadUsers();
  } catch (err) {
    showError(err);
  }
}

function userRow(u) {
  const path = `/api/v1/users/${encodeURIComponent(u.name)}`;
  const role = roleSelect(u.role, `Role of ${u.name}`);
  role.addEventListener('change', () => act(() => api('PATCH', path, { role: role.value })));
  const disable = el('button', { class: 'button small', type: 'button', text: u.disabled ? 'Enable' : 'Disable' });
  disable.addEventListener('click', () => act(() => api('PATCH', path, { disabled: !u.disabled })));
  const reset = el('button', { class: 'button small', type: 'button', text: 'Reset password' });
  reset.addEventListener('click', () => {
    // eslint-disable-next-line no-alert
    const min = $('new-password').getAttribute('minlength') || '10';
    const pw = window.prompt(`New password for ${u.name} (at least ${min} characters):`);
    if (pw) act(() => api('PATCH', path, { password: pw }));
  });
  const del = el('button', { class: 'button small danger', type: 'button', text: 'Delete' });
  del.addEventListener('click', () => {
    // eslint-disable-next-line no-alert
    if (window.confirm(`Delete the user ${u.name}?`)) act(() => api('DELETE', path));
  });
  if (u.name === me) del.disabled = true;
  return el('tr', { 'data-user': u.name },
    el('th', { scope: 'row', text: u.name }),
    el('td', { 'data-label': 'Role' }, role),
    el('td', { 'data-label': 'Created', text: formatTime(u.created) }),
    el('td', { 'data-label': 'Last login', text: u.last_login ? formatTime(u.last_login) : 'never' }),
    el('td', { 'data-label': 'Status', text: u.disabled ? 'disabled' : 'active' }),
    el('td', { class: 'row-actions' }, disable, reset, del));
}

async function loadUsers() {
  const users = (await api('GET', '/api/v1/users')) || [];
  $('users-body').replaceChildren(...users.map(userRow));
}

function tokenRow(t) {
  const del = el('button', { class: 'button small danger', type: 'button', text: 'Revoke' });
  del.addEventListener('click', async () => {
    // eslint-disable-next-line no-alert
    if (!window.confirm(`Revoke the token ${t.name}? Scripts using it stop working.`)) return;
    try {
      await api('DELETE', `/api/v1/tokens/${encodeURIComponent(t.id)}`);
      await loadTokens();
    } catch (err) {
      showError(err);
    }
  });
  return el('tr', {},
    el('th', { scope: 'row', text: t.name }),
    el('td', { 'data-label': 'ID' }, el('code', { text: t.id })),
    el('td', { 'data-label': 'Role', text: t.role }),
    el('td', { 'data-label': 'Created by', text: t.user }),
    el('td', { 'data-label': 'Last used', text: t.last_used ? formatTime(t.last_used) : 'never' }),
    el('td', {}, del));
}

async function loadTokens() {
  const tokens = (await api('GET', '/api/v1/tokens')) || [];
  $('tokens-body').replaceChildren(...tokens.map(tokenRow));
}

$('new-role').replaceChildren(...roles.map((r) => el('option', { value: r, text: r })));
$('new-role').value = 'supervisor';
$('token-role').replaceChildren(...roles.map((r) => el('option', { value: r, text: r })));
$('token-role').value = 'auditor';

$('add-user').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const ok = await busy(form, async () => {
    await api('POST', '/api/v1/users', { name: $('new-name').value.trim(), role: $('new-role').value, password: $('new-password').value });
    return true;
  });
  if (ok) {
    $('add-status').textContent = `Added ${$('new-name').value.trim()}.`;
    form.reset();
    $('new-role').value = 'supervisor';
    loadUsers().catch(showError);
  }
});

$('add-token').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const t = await busy(form, () => api('POST', '/api/v1/tokens', { name: $('token-name').value.trim(), role: $('token-role').value }));
  if (t) {
    const box = $('token-secret');
    box.replaceChildren(
      el('p', { text: 'Copy this token now: it is shown only once.' }),
      el('code', { class: 'token', text: t.token }));
    box.hidden = false;
    form.reset();
    $('token-role').value = 'auditor';
    loadTokens().catch(showError);
  }
});

loadUsers().catch(showError);
loadTokens().catch(showError);
