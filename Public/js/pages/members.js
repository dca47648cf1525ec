// #/school/<id>/members?q=…&role=…&verified=…&classId=…&page=N — the school's people, searched,
// filtered and paged on the server. Administrators confirm teachers (§2.3, §2.4), transfer students,
// record a leaving, give and take staff roles, and read each person's history (§2.1). Loaded on demand.
import { h, btn, page, alertBox, statusBox, fail, field, fmtDate } from '../dom.js';
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
  mb_search: ['Поиск: имя, телефон или email', 'Search: name, phone or email'],
  mb_find: ['Найти', 'Search'],
  mb_class: ['Класс', 'Class'],
  mb_children: ['дети: {names}', 'children: {names}'],
  mb_parents: ['родители: {names}', 'parents: {names}'],
  mb_actions: ['Действия', 'Actions'],
  mb_transfer: ['Перевести в класс', 'Transfer to class'],
  mb_transfer_go: ['Перевести', 'Transfer'],
  mb_transferred: ['{name} переведён(а) в {cls}.', '{name} transferred to {cls}.'],
  mb_remove: ['Оформить выбытие', 'Record leaving'],
  mb_remove_confirm: ['{name} выбывает из школы: доступ ко всем классам и чатам закончится сразу. Продолжить?',
    '{name} leaves the school: access to every class and chat ends at once. Continue?'],
  mb_removed: ['{name}: выбытие оформлено.', '{name}: leaving recorded.'],
  mb_note: ['Примечание (основание)', 'Note (grounds)'],
  mb_role_add: ['Назначить роль', 'Give a role'],
  mb_role_remove: ['Снять роль «{role}»', 'Remove role «{role}»'],
  mb_role_done: ['{name}: роли обновлены.', '{name}: roles updated.'],
  mb_history: ['История', 'History'],
  mb_history_empty: ['Перемещений нет.', 'No moves.'],
  ev_joined: ['принят(а)', 'joined'], ev_transferred: ['переведён(а)', 'transferred'], ev_left: ['выбыл(а)', 'left'],
  ev_graduated: ['выпуск', 'graduated'], ev_promoted: ['переведён(а) в следующий класс', 'promoted'],
  ev_role_added: ['назначена роль', 'role given'], ev_role_removed: ['снята роль', 'role removed'],
  mb_prev: ['← Назад', '← Previous'],
  mb_next: ['Дальше →', 'Next →'],
  mb_page: ['Страница {p} из {n}', 'Page {p} of {n}'],
  rl_admin: ['администратор', 'administrator'], rl_director: ['директор', 'director'], rl_deputy: ['заместитель', 'deputy'],
  rl_teacher: ['учитель', 'teacher'], rl_student: ['ученик', 'student'], rl_parent: ['родитель', 'parent'],
});

const ROLES = ['admin', 'director', 'deputy', 'teacher', 'student', 'parent'];
const PER_PAGE = 50;
// The roles an administrator gives and takes in place (MemberService.assignableRoles on the server).
const STAFF_ROLES = ['teacher', 'deputy', 'director', 'admin'];

export default async function members({ params: [schoolId], q }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const role = ROLES.includes(q.get('role')) ? q.get('role') : '';
  const search = (q.get('q') || '').slice(0, 100), classId = q.get('classId') || '';
  const verified = ['true', 'false'].includes(q.get('verified')) ? q.get('verified') : '';
  const pageNo = Math.max(1, parseInt(q.get('page'), 10) || 1);
  const query = new URLSearchParams({ perPage: PER_PAGE, page: pageNo });
  if (role) query.set('role', role);
  if (verified) query.set('verified', verified);
  if (search) query.set('q', search);
  if (/^[0-9a-f-]{36}$/i.test(classId)) query.set('classId', classId);
  const [school, list] = await Promise.all([api('GET', base), api('GET', base + '/members?' + query)]);
  const mayVerify = school.permissions.verifyTeachers, mayManage = school.permissions.manageMembers;
  const regular = (school.classes || []).filter(c => c.kind === 'regular');
  const message = statusBox('members-message'), error = alertBox('members-error');

  // Filters change the address, so a filtered list can be bookmarked and Back works.
  const to = changes => {
    const next = new URLSearchParams({ q: search, role, verified, classId, page: 1, ...changes });
    for (const [k, v] of [...next]) if (!v || (k === 'page' && v === '1')) next.delete(k);
    go('/school/' + encodeURIComponent(schoolId) + '/members' + (next.toString() ? '?' + next : ''));
  };
  const roleField = field('members', 'role', t('mb_role'), { options: [['', t('mb_all')], ...ROLES.map(r => [r, t('rl_' + r)])], value: role });
  const stateField = field('members', 'verified', t('mb_state'), { options: [['', t('mb_all')], ['false', t('mb_unverified')], ['true', t('mb_verified')]], value: verified });
  const classField = field('members', 'classId', t('mb_class'), { options: [['', t('mb_all')], ...(school.classes || []).map(c => [c.id, c.name])], value: classId });
  roleField.querySelector('select').onchange = ev => to({ role: ev.target.value });
  stateField.querySelector('select').onchange = ev => to({ verified: ev.target.value });
  classField.querySelector('select').onchange = ev => to({ classId: ev.target.value });
  const searchForm = h('form', { id: 'members-search-form', role: 'search', class: 'row', novalidate: true },
    field('members', 'q', t('mb_search'), { value: search, max: 100, type: 'search' }),
    btn('members-search', t('mb_find'), '', null, 'submit'));
  searchForm.onsubmit = ev => { ev.preventDefault(); to({ q: searchForm.elements.q.value.trim() }); };
  const act = async (fn, msg) => {
    error.textContent = '';
    try { await fn(); message.textContent = msg; message.focus(); return true; } catch (e) { fail(error, e); return false; }
  };
  const who = m => base + '/members/' + encodeURIComponent(m.userId);

  const row = m => {
    const roles = m.roles.map(r => t('rl_' + r.role) + (r.role === 'teacher' && !r.verified ? ' (' + t('mb_unconfirmed') + ')' : ''));
    const classes = m.classes.map(c => c.name);
    const waiting = m.roles.some(r => r.role === 'teacher' && !r.verified);
    const li = h('li', { 'data-user-id': m.userId, 'data-unverified': String(waiting) },
      h('strong', { class: 'member-name' }, m.fullName), ' ',
      h('span', { class: 'sub' }, [roles.join(', '), classes.join(', '), m.phone || m.email || m.login,
        m.children.length && t('mb_children', { names: m.children.map(c => c.fullName).join(', ') }),
        m.parents.length && t('mb_parents', { names: m.parents.map(c => c.fullName).join(', ') })].filter(Boolean).join(' · ')));
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
    if (mayManage) li.append(manage(m, li));
    return li;
  };

  // The administrator's actions on one person, folded away until opened.
  function manage(m, li) {
    const id = m.userId, kids = [];
    const student = m.classes.find(c => c.role === 'student');
    if (student) {
      const sel = field('member-transfer-' + id, 'class', t('mb_transfer'), { options: regular.filter(c => c.id !== student.classId).map(c => [c.id, c.name]) });
      const go2 = btn('member-transfer-' + id, t('mb_transfer_go'), 'primary', async () => {
        const target = sel.querySelector('select');
        const cls = target.options[target.selectedIndex];
        if (cls && await act(() => api('POST', who(m) + '/transfer', { classId: cls.value }), t('mb_transferred', { name: m.fullName, cls: cls.textContent }))) {
          li.dataset.classes = cls.textContent;
          li.querySelector('.sub').textContent = t('mb_transferred', { name: m.fullName, cls: cls.textContent });
        }
      });
      kids.push(h('div', { class: 'row' }, sel, go2));
    }
    const has = r => m.roles.some(x => x.role === r);
    const canAdd = STAFF_ROLES.filter(r => !has(r));
    if (canAdd.length) {
      const sel = field('member-role-' + id, 'role', t('mb_role_add'), { options: canAdd.map(r => [r, t('rl_' + r)]) });
      kids.push(h('div', { class: 'row' }, sel, btn('member-role-add-' + id, t('mb_role_add'), '', () =>
        act(() => api('PUT', who(m) + '/roles/' + sel.querySelector('select').value), t('mb_role_done', { name: m.fullName })))));
    }
    if (m.roles.length > 1) {
      kids.push(h('div', { class: 'row' }, m.roles.filter(r => STAFF_ROLES.includes(r.role)).map(r =>
        btn('member-role-remove-' + id + '-' + r.role, t('mb_role_remove', { role: t('rl_' + r.role) }), 'link', () =>
          act(() => api('DELETE', who(m) + '/roles/' + r.role), t('mb_role_done', { name: m.fullName }))))));
    }
    const hist = h('ol', { id: 'member-history-' + id, class: 'list', hidden: true });
    kids.push(btn('member-history-btn-' + id, t('mb_history'), 'link', async () => {
      try {
        const { items } = await api('GET', who(m) + '/history');
        hist.replaceChildren(...(items.length ? items.map(e => h('li', { 'data-kind': e.kind }, fmtDate(e.at), ' — ', t('ev_' + e.kind),
          e.role ? ' «' + t('rl_' + e.role) + '»' : '', e.fromClass ? ' ' + e.fromClass : '', e.toClass ? ' → ' + e.toClass : '',
          e.by ? ' (' + e.by + ')' : '', e.note ? ': ' + e.note : '')) : [h('li', { class: 'empty' }, t('mb_history_empty'))]));
        hist.hidden = false;
      } catch (e) { fail(error, e); }
    }), hist);
    const note = field('member-remove-' + id, 'note', t('mb_note'), { max: 500 });
    kids.push(h('div', { class: 'row' }, note, btn('member-remove-' + id, t('mb_remove'), 'danger', async () => {
      if (!confirm(t('mb_remove_confirm', { name: m.fullName }))) return;
      if (await act(() => api('POST', who(m) + '/remove', { note: note.querySelector('input').value.trim() }), t('mb_removed', { name: m.fullName }))) {
        li.dataset.removed = 'true';
        li.querySelector('details')?.remove();
      }
    })));
    return h('details', { class: 'member-manage' }, h('summary', { id: 'member-manage-' + id }, t('mb_actions')), kids);
  }

  const pages = Math.max(1, Math.ceil(list.total / PER_PAGE));
  const nav = h('div', { class: 'row' },
    pageNo > 1 && btn('members-prev', t('mb_prev'), '', () => to({ page: pageNo - 1 })),
    h('span', { id: 'members-page' }, t('mb_page', { p: pageNo, n: pages })),
    pageNo < pages && btn('members-next', t('mb_next'), '', () => to({ page: pageNo + 1 })));
  return page(t('mb_title'), h('p', { class: 'sub' }, school.shortName || school.name),
    h('p', null, h('a', { id: 'members-back', href: '#/school/' + encodeURIComponent(school.id) }, t('mb_back'))),
    searchForm, h('div', { class: 'row' }, roleField, stateField, classField),
    h('p', { id: 'members-total' }, t('mb_total', { n: list.total })), message, error,
    h('ul', { id: 'members-list', class: 'list' }, list.items.length ? list.items.map(row) : h('li', { id: 'members-empty', class: 'empty' }, t('mb_empty'))),
    nav);
}
