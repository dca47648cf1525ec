// #/account — my sessions, password, sign out.
import { h, btn, sec, page, field, alertBox, statusBox, run, check, pwCheck, fmtDate, dl } from '../dom.js';
import { api, loadMe, authLost, signOut } from '../api.js';
import { t } from '../i18n.js';

export function device(ua = '') {
  const b = /YaBrowser/.test(ua) ? 'Yandex' : /Edg\//.test(ua) ? 'Edge' : /OPR\//.test(ua) ? 'Opera'
    : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const o = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
    : /Mac OS/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return [b, o].filter(Boolean).join(', ') || ua.slice(0, 60) || t('unknownDevice');
}

export default async function account() {
  const me = await loadMe();
  if (!me) { authLost(); return null; }
  // My children, my join requests: lazy, only when there are any.
  const more = import('./child.js').then(m => m.accountSections()).catch(console.error);
  const photo = import('./photo.js').then(m => m.photoSection(me)).catch(console.error);
  const list = h('ul', { id: 'sessions-list', class: 'cards' });
  const sErr = alertBox('sessions-error'), sMsg = statusBox('sessions-message');
  const box = h('div');
  const others = btn('sessions-revoke-others', t('revokeOthers'));

  async function load() {
    const d = await api('GET', '/sessions');
    list.replaceChildren(...d.items.map(s => h('li', { class: 'card', 'data-session-id': s.id, 'data-current': String(!!s.current) },
      h('p', null, h('strong', { title: s.userAgent }, device(s.userAgent)),
        s.current ? [' ', h('span', { class: 'badge st-approved session-current' }, t('thisSession'))] : ''),
      h('p', { class: 'sub' }, t('ip'), ': ', s.ip || '—', ' · ', t('signedInAt'), ': ', fmtDate(s.createdAt),
        ' · ', t('lastSeen'), ': ', fmtDate(s.lastSeenAt),
        ' · ', t('sessionEnds'), ': ', fmtDate(s.expiresAt)),
      s.current ? '' : btn('session-revoke-' + s.id, t('endSession'), '', ev => act(ev.currentTarget,
        () => api('DELETE', '/sessions/' + encodeURIComponent(s.id)), t('sessionEnded'))))));
  }
  async function act(btn, fn, text) {
    await run(box, btn, async () => {
      await fn();
      await load();
      sMsg.textContent = text;
      sMsg.focus();
    }, sErr, 'sessions');
  }
  others.onclick = () => act(others, () => api('POST', '/sessions/revoke-all', { keepCurrent: true }), t('othersEnded'));

  // Password: the current one is asked only when the account has a password.
  const pErr = alertBox('password-error'), pOk = statusBox('password-saved');
  const pBtn = btn('password-submit', t('changePassword'), 'primary', null, 'submit');
  const pForm = h('form', { id: 'password-form', novalidate: true },
    me.hasPassword ? field('password', 'current', t('currentPassword'), { type: 'password', req: true, ac: 'current-password' }) : '',
    field('password', 'new', t('newPassword'), { type: 'password', req: true, ac: 'new-password', hint: t('pwHint') }),
    field('password', 'new2', t('password2'), { type: 'password', req: true, ac: 'new-password' }),
    pErr, pBtn, pOk);
  pForm.oninput = () => { pOk.textContent = ''; };
  pForm.onsubmit = ev => {
    ev.preventDefault();
    const el = pForm.elements;
    run(pForm, pBtn, async () => {
      const body = { newPassword: el.new.value };
      if (me.hasPassword) {
        check({ current: !el.current.value && t('required') });
        body.currentPassword = el.current.value;
      }
      check(pwCheck(el.new.value, el.new2.value, 'new', 'new2'));
      await api('PUT', '/me/password', body);
      pForm.reset();
      pOk.textContent = t('passwordChanged');
      pOk.focus();
      load().catch(() => {});
    }, pErr, 'password', { currentPassword: 'current', newPassword: 'new', password: 'new' });
  };

  await load();
  box.append(list, sErr, sMsg, others);
  return page(t('accountTitle'),
    dl('account-profile', [[t('fullName'), me.fullName], [t('mobile'), me.phone], [t('email'), me.email], [t('login'), me.login]]),
    await photo, await more,
    sec('sessions', t('sessions'), box),
    sec('password', t(me.hasPassword ? 'changePassword' : 'setPassword'), pForm),
    h('p', { class: 'aside' }, btn('account-signout', t('signOut'), '', signOut)));
}
