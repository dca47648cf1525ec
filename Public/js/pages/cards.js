// #/class/<id>/cards — one-time activation codes for the class's children without a phone, one card
// per child, ready to print (§2.6). Issuing makes new codes and voids the earlier unused ones, so
// the page asks first. Loaded on demand.
import { h, btn, page, alertBox, fail, fmtDate } from '../dom.js';
import { api } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  cd_title: ['Коды активации: {cls}', 'Activation codes: {cls}'],
  cd_back: ['← К классу', '← Class'],
  cd_issue: ['Выдать коды', 'Issue codes'],
  cd_issue_hint: ['Коды получат ученики, которые ещё не могут войти. Выданные раньше и неиспользованные коды перестанут действовать.',
    'Students who cannot sign in yet get codes. Earlier unused codes stop working.'],
  cd_print: ['Печать', 'Print'],
  cd_none: ['Все ученики класса уже могут войти: коды не нужны.', 'Every student can sign in already: no codes needed.'],
  cd_how: ['Откройте {url}, введите код, придумайте логин и пароль.', 'Open {url}, enter the code, choose a login and a password.'],
  cd_until: ['Код действует до {d}', 'Valid until {d}'],
});

export default async function cards({ params: [classId] }) {
  const roster = await api('GET', '/classes/' + encodeURIComponent(classId) + '/roster');
  const error = alertBox('cards-error');
  const sheet = h('div', { id: 'cards-sheet', class: 'cards-sheet' });
  const url = location.origin + '/#/child';
  const issue = btn('cards-issue', t('cd_issue'), 'primary', async () => {
    error.textContent = '';
    try {
      const { items } = await api('POST', '/classes/' + encodeURIComponent(classId) + '/activation-codes');
      sheet.replaceChildren(...(items.length ? items.map(c => h('article', { class: 'print-card', 'data-user-id': c.userId },
        h('p', null, h('strong', null, c.fullName), ' · ', c.className),
        h('p', { class: 'code' }, c.code),
        h('p', { class: 'sub' }, t('cd_how', { url })),
        h('p', { class: 'sub' }, t('cd_until', { d: fmtDate(c.expiresAt) })))) : [h('p', { id: 'cards-none', class: 'empty' }, t('cd_none'))]));
      print.hidden = !items.length;
    } catch (e) { fail(error, e); }
  });
  const print = btn('cards-print', t('cd_print'), '', () => window.print());
  print.hidden = true;
  return page(t('cd_title', { cls: roster.class.name }),
    h('p', { class: 'no-print' }, h('a', { id: 'cards-back', href: '#/class/' + encodeURIComponent(classId) }, t('cd_back'))),
    h('p', { class: 'hint no-print' }, t('cd_issue_hint')),
    h('p', { class: 'row no-print' }, issue, print), error, sheet);
}
