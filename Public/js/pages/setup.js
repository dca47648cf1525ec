// #/setup/<token> — the operator's first account.
import { h, btn, page, field, alertBox, run, check, pwCheck, linkProblem } from '../dom.js';
import { api, setMe, go } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  setupTitle: ['Первый запуск: учётная запись оператора', 'First start: the operator account'],
  setupIntro: ['Оператор принимает заявки школ.', 'The operator accepts schools’ applications.'],
  setupHint: ['Новую ссылку выводит команда «parta setup-link» на сервере.', 'The server command “parta setup-link” prints a new link.'],
  createOperator: ['Создать и войти', 'Create and sign in'],
});

export default async function setup({ params: [token] }) {
  try {
    await api('GET', '/setup/' + encodeURIComponent(token));
  } catch (e) {
    if (e.status === 404 || e.status === 410) return linkProblem('setup', t('setupTitle'), e, t('setupHint'));
    throw e;
  }
  const err = alertBox('setup-error');
  const submit = btn('setup-submit', t('createOperator'), 'primary', null, 'submit');
  const form = h('form', { id: 'setup-form', novalidate: true, onsubmit },
    field('setup', 'fullName', t('fullName'), { req: true, ac: 'name' }),
    field('setup', 'email', t('email'), { type: 'email', req: true, ac: 'email' }),
    field('setup', 'phone', t('mobile'), { type: 'tel', req: false, ac: 'tel', ph: '+7 912 345-67-89' }),
    field('setup', 'password', t('password'), { type: 'password', req: true, ac: 'new-password', hint: t('pwHint') }),
    field('setup', 'password2', t('password2'), { type: 'password', req: true, ac: 'new-password' }),
    err, submit);

  function onsubmit(ev) {
    ev.preventDefault();
    const v = n => form.elements[n].value.trim();
    run(form, submit, async () => {
      const pw = form.elements.password.value;
      check({ fullName: !v('fullName') && t('required'), email: !v('email') && t('required'),
        ...pwCheck(pw, form.elements.password2.value) });
      const r = await api('POST', '/setup', { token, fullName: v('fullName'), email: v('email'), phone: v('phone'), password: pw });
      setMe(r.user);
      go('/applications');
    }, err, 'setup');
  }

  return page(t('setupTitle'), h('p', null, t('setupIntro')), form);
}
