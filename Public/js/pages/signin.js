// #/signin — password or one-time code.
import { h, btn, page, field, alertBox, run, check, countdown, $ } from '../dom.js';
import { api, setMe, go, takeReturn } from '../api.js';
import { t } from '../i18n.js';

export default function signin({ signal }) {
  let mode = 'password', sent = false;
  const err = alertBox('signin-error');
  const loginF = field('signin', 'login', t('loginLabel'), { req: true, ac: 'username' });
  const pwF = field('signin', 'password', t('password'), { type: 'password', req: true, ac: 'current-password' });
  const codeF = field('signin', 'code', t('code'), { req: true, ac: 'one-time-code', im: 'numeric', max: 6 });
  const login = $('signin-login', loginF), pw = $('signin-password', pwF), code = $('signin-code', codeF);
  const sentTo = h('p', { id: 'signin-sent-to', class: 'note', 'aria-live': 'polite' });
  const submit = btn('signin-submit', t('signIn'), 'primary', null, 'submit');
  const getCode = btn('signin-get-code', t('getCode'), 'primary', null, 'submit');
  const resend = btn('signin-resend', t('resend'), 'link', () => requestCode(resend));
  const slot = h('div');
  const modeBtn = (m, label) => h('button', { type: 'button', id: 'signin-mode-' + m, class: 'seg', onclick: () => setMode(m) }, label);
  const modes = h('div', { class: 'segs', role: 'group', 'aria-label': t('signInWay') },
    modeBtn('password', t('byPassword')), modeBtn('code', t('byCode')));
  const form = h('form', { id: 'signin-form', novalidate: true, onsubmit }, modes, loginF, slot, err);

  function setMode(m) {
    mode = m;
    err.textContent = '';
    render();
    (mode === 'password' ? pw : sent ? code : login).focus();
  }
  function render() {
    for (const b of modes.children) b.setAttribute('aria-pressed', String(b.id.endsWith(mode)));
    if (mode === 'password') slot.replaceChildren(pwF, submit);
    else if (!sent) slot.replaceChildren(getCode);
    else slot.replaceChildren(sentTo, codeF, h('div', { class: 'row' }, submit, resend));
  }
  login.addEventListener('input', () => { if (sent) { sent = false; if (mode === 'code') render(); } });

  async function requestCode(btn) {
    const e = await run(form, btn, async () => {
      check({ login: !login.value.trim() && t('required') });
      const r = await api('POST', '/auth/code', { login: login.value.trim() });
      sent = true;
      render();
      sentTo.textContent = t(r.channel === 'email' ? 'sentEmail' : 'sentSms', { to: r.sentTo });
      countdown(resend, 60, signal);
      code.focus();
    }, err, 'signin');
    if (e && e.retryAfter) countdown(btn, e.retryAfter, signal);
  }

  function onsubmit(ev) {
    ev.preventDefault();
    if (mode === 'code' && !sent) return requestCode(getCode);
    run(form, submit, async () => {
      const l = login.value.trim(), c = code.value.replace(/\s/g, '');
      check(mode === 'password'
        ? { login: !l && t('required'), password: !pw.value && t('required') }
        : { code: !/^\d{6}$/.test(c) && t('codeFormat') });
      const r = mode === 'password'
        ? await api('POST', '/auth/password', { login: l, password: pw.value })
        : await api('POST', '/auth/code/verify', { login: l, code: c });
      setMe(r.user);
      go(takeReturn() || '/');
    }, err, 'signin');
  }

  render();
  return page(t('signInTitle'),
    form,
    h('p', { class: 'aside' }, h('a', { href: '#/child', id: 'signin-child-link' }, t('childCode'))),
    h('p', { class: 'aside' }, t('noSchoolYet') + ' ', h('a', { href: '#/apply', id: 'signin-apply-link' }, t('registerSchool'))));
}
