// #/school/<id>/members?role=…&verified=…&page=N — the school's people, filtered and paged on the
// server; administrators confirm teachers here (§2.3, §2.4). Loaded on demand.
import { h, btn, page, alertBox, statusBox, fail, field } from '../dom.js';
import { api, go } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  mb_title: ['Участники школы', 'School members'],
  mb_back: ['← К профилю школы', '← School profile'],
  mb_role: ['Роль', 'Role'],
  mb_all: ['Все', 'All'],
  mb_state: ['Статус учителя', 'Teacher status'],
  mb_unverified: ['Ждут подтверждения', 'Awaiting confirmation'],
  mb_verified: ['Подтверждены', 'Confirmed'],
  mb_total: ['Найдено: {n}', 'Found: {n}'],
  mb_empty: ['Никого не найдено.', 'Nobody found.'],
  mb_verify: ['Подтвердить учителя', 'Confirm teacher'],
  mb_verified_msg: ['{name}: статус учителя подтверждён.', '{name}: teacher status confirmed.'],
  mb_unconfirmed: ['не подтверждён', 'not confirmed'],
  mb_prev: ['← Назад', '← Previous'],
  mb_next: ['Дальше →', 'Next →'],
  mb_page: ['Страница {p} из {n}', 'Page {p} of {n}'],
  rl_admin: ['администратор', 'administrator'], rl_director: ['директор', 'director'], rl_deputy: ['заместитель', 'deputy'],
  rl_teacher: ['учитель', 'teacher'], rl_student: ['ученик', 'student'], rl_parent: ['родитель', 'parent'],
});

const ROLES = ['admin', 'director', 'deputy', 'teacher', 'student', 'parent'];
const PER_PAGE = 50;

export default async function members({ params: [schoolId], q }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const role = ROLES.includes(q.get('role')) ? q.get('role') : '';
  const verified = ['true', 'false'].includes(q.get('verified')) ? q.get('verified') : '';
  const pageNo = Math.max(1, parseInt(q.get('page'), 10) || 1);
  const query = new URLSearchParams({ perPage: PER_PAGE, page: pageNo });
  if (role) query.set('role', role);
  if (verified) query.set('verified', verified);
  const [school, list] = await Promise.all([api('GET', base), api('GET', base + '/members?' + query)]);
  const mayVerify = school.permissions.verifyTeachers;
  const message = statusBox('members-message'), error = alertBox('members-error');

  // Filters change the address, so a filtered list can be bookmarked and Back works.
  const to = changes => {
    const next = new URLSearchParams({ role, verified, page: 1, ...changes });
    for (const [k, v] of [...next]) if (!v || (k === 'page' && v === '1')) next.delete(k);
    go('/school/' + encodeURIComponent(schoolId) + '/members' + (next.toString() ? '?' + next : ''));
  };
  const roleField = field('members', 'role', t('mb_role'), { options: [['', t('mb_all')], ...ROLES.map(r => [r, t('rl_' + r)])], value: role });
  const stateField = field('members', 'verified', t('mb_state'), { options: [['', t('mb_all')], ['false', t('mb_unverified')], ['true', t('mb_verified')]], value: verified });
  roleField.querySelector('select').onchange = ev => to({ role: ev.target.value });
  stateField.querySelector('select').onchange = ev => to({ verified: ev.target.value });

  const row = m => {
    const roles = m.roles.map(r => t('rl_' + r.role) + (r.role === 'teacher' && !r.verified ? ' (' + t('mb_unconfirmed') + ')' : ''));
    const classes = m.classes.map(c => c.name);
    const waiting = m.roles.some(r => r.role === 'teacher' && !r.verified);
    const li = h('li', { 'data-user-id': m.userId, 'data-unverified': String(waiting) },
      h('strong', { class: 'member-name' }, m.fullName), ' ',
      h('span', { class: 'sub' }, [roles.join(', '), classes.join(', '), m.phone || m.email].filter(Boolean).join(' · ')));
    if (mayVerify && waiting) {
      const b = btn('member-verify-' + m.userId, t('mb_verify'), 'primary', async () => {
        error.textContent = '';
        try {
          await api('POST', base + '/members/' + encodeURIComponent(m.userId) + '/verify-teacher');
          li.dataset.unverified = 'false';
          b.remove();
          message.textContent = t('mb_verified_msg', { name: m.fullName });
          message.focus();
        } catch (e) { fail(error, e); }
      });
      li.append(h('div', { class: 'row-actions' }, b));
    }
    return li;
  };

  const pages = Math.max(1, Math.ceil(list.total / PER_PAGE));
  const nav = h('div', { class: 'row' },
    pageNo > 1 && btn('members-prev', t('mb_prev'), '', () => to({ page: pageNo - 1 })),
    h('span', { id: 'members-page' }, t('mb_page', { p: pageNo, n: pages })),
    pageNo < pages && btn('members-next', t('mb_next'), '', () => to({ page: pageNo + 1 })));
  return page(t('mb_title'), h('p', { class: 'sub' }, school.shortName || school.name),
    h('p', null, h('a', { id: 'members-back', href: '#/school/' + encodeURIComponent(school.id) }, t('mb_back'))),
    h('div', { class: 'row' }, roleField, stateField),
    h('p', { id: 'members-total' }, t('mb_total', { n: list.total })), message, error,
    h('ul', { id: 'members-list', class: 'list' }, list.items.length ? list.items.map(row) : h('li', { id: 'members-empty', class: 'empty' }, t('mb_empty'))),
    nav);
}
