// #/activate/<token> — the school administrator confirms the phone by code and sets a password.
import { h, btn, page, field, alertBox, run, check, pwCheck, countdown, linkProblem, $ } from '../dom.js';
import { api, setMe, go, homeOf, shortName } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  getSmsCode: ['Получить код по SMS', 'Get a code by SMS'],
  activateTitle: ['Активация учётной записи', 'Account activation'],
  activateIntro: ['Подтвердите телефон кодом и задайте пароль.', 'Confirm your phone with a code and set a password.'],
  activateHint: ['Обратитесь к оператору Parta.', 'Contact the Parta operator.'],
  activateSubmit: ['Активировать и войти', 'Activate and sign in'],
});

export default async function activate({ params: [token], signal }) {
  const base = '/activation/' + encodeURIComponent(token);
  let info;
  try {
    info = await api('GET', base);
  } catch (e) {
    if (e.status === 404 || e.status === 410) return linkProblem('activate', t('activateTitle'), e, t('activateHint'));
    throw e;
  }
  const err = alertBox('activate-error');
  const sentTo = h('p', { id: 'activate-sent-to', class: 'note', 'aria-live': 'polite' });
  const getCode = h('button', { type: 'button', id: 'activate-get-code', class: 'btn primary' }, t(info.phone ? 'getSmsCode' : 'getCode'));
  const submit = btn('activate-submit', t('activateSubmit'), 'primary', null, 'submit');
  const form = h('form', { id: 'activate-form', novalidate: true, hidden: true, onsubmit },
    field('activate', 'code', t('code'), { req: true, ac: 'one-time-code', im: 'numeric', max: 6 }),
    field('activate', 'password', t('newPassword'), { type: 'password', req: true, ac: 'new-password', hint: t('pwHint') }),
    field('activate', 'password2', t('password2'), { type: 'password', req: true, ac: 'new-password' }),
    submit);
  const step1 = h('div', { id: 'activate-step1' }, getCode);

  getCode.onclick = async () => {
    const e = await run(form, getCode, async () => {
      const r = await api('POST', base + '/code');
      sentTo.textContent = t(r.channel === 'email' ? 'sentEmail' : 'sentSms', { to: r.sentTo });
      form.hidden = false;
      getCode._idle = t('resend');
      getCode.classList.remove('primary');
      countdown(getCode, 60, signal);
      $('activate-code', form).focus();
    }, err, 'activate');
    if (e && e.retryAfter) countdown(getCode, e.retryAfter, signal);
  };

  function onsubmit(ev) {
    ev.preventDefault();
    const el = form.elements;
    run(form, submit, async () => {
      const code = el.code.value.replace(/\s/g, '');
      check({ code: !/^\d{6}$/.test(code) && t('codeFormat'), ...pwCheck(el.password.value, el.password2.value) });
      const r = await api('POST', base, { code, password: el.password.value });
      setMe(r.user);
      const m = (r.user.memberships || []).find(x => x.role === 'admin' && x.schoolName === info.schoolName);
      go(m ? '/school/' + encodeURIComponent(m.schoolId) : homeOf(r.user) || '/');
    }, err, 'activate');
  }

  return page(t('activateTitle'),
    h('p', { id: 'activate-greeting', class: 'lead' }, t('hello', { name: shortName(info.fullName) })),
    h('p', null, t('activateIntro')),
    dl2([[t('school'), info.schoolName, 'activate-school'], [t('mobile'), info.phone, 'activate-phone'], [t('email'), info.email, 'activate-email']]),
    step1, sentTo, form, err);
}

function dl2(rows) {
  return h('dl', { class: 'props' }, rows.filter(r => r[1]).map(([k, v, id]) => [h('dt', null, k), h('dd', { id }, v)]));
}
