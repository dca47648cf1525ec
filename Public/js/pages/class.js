// #/class/<id> — a class's page for the administration and its homeroom teacher (§2.1, §2.6): the
// roster with each student's parents and contacts, the homeroom teacher (assigned by an
// administrator, with history), adding a child without a phone, printable activation codes.
// Loaded on demand.
import { h, btn, sec, page, field, alertBox, statusBox, run, check, fmtDate, yearLabel } from '../dom.js';
import { api } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';

addStrings({
  cp_back: ['← К школе', '← School'],
  cp_students: ['Ученики ({n})', 'Students ({n})'],
  cp_parents: ['Родители', 'Parents'],
  cp_no_parents: ['родители не присоединились', 'no parents yet'],
  cp_empty: ['В классе пока нет учеников.', 'No students yet.'],
  cp_homeroom: ['Классный руководитель', 'Homeroom teacher'],
  cp_homeroom_none: ['не назначен', 'not assigned'],
  cp_homeroom_pick: ['Назначить классного руководителя', 'Assign the homeroom teacher'],
  cp_homeroom_nobody: ['— никто —', '— nobody —'],
  cp_homeroom_save: ['Назначить', 'Assign'],
  cp_homeroom_saved: ['Классный руководитель назначен.', 'Homeroom teacher assigned.'],
  cp_history: ['Прежние: {list}', 'Earlier: {list}'],
  cp_add: ['Добавить ученика без телефона', 'Add a student without a phone'],
  cp_add_name: ['Фамилия и имя ученика', "Student's full name"],
  cp_add_login: ['Логин для входа', 'Login'],
  cp_add_login_hint: ['Латиница и цифры, например ivanov.petya. Можно оставить пустым и выдать код активации.',
    'Latin letters and digits, e.g. ivanov.petya. Leave empty to hand out an activation code instead.'],
  cp_add_password: ['Пароль', 'Password'],
  cp_add_go: ['Добавить', 'Add'],
  cp_added: ['{name} добавлен(а) в класс.', '{name} added to the class.'],
  cp_cards: ['Коды активации для печати', 'Activation codes to print'],
  cp_cards_hint: ['Для учеников, которые ещё не могут войти. Новые коды заменяют выданные раньше.',
    'For students who cannot sign in yet. New codes replace the ones issued before.'],
  cp_invites: ['Ссылки-приглашения', 'Invite links'],
  cp_requests: ['Заявки на вступление', 'Join requests'],
  cp_members: ['Все участники класса', 'All members of the class'],
  cp_st_pending: ['не активирован', 'not activated'], cp_st_active: ['активен', 'active'], cp_st_disabled: ['отключён', 'disabled'],
});

export default async function classPage({ params: [classId] }) {
  const r = await api('GET', '/classes/' + encodeURIComponent(classId) + '/roster');
  const c = r.class;
  const schoolPath = '#/school/' + encodeURIComponent(c.schoolId);
  const message = statusBox('class-message'), error = alertBox('class-error');
  const contact = p => [p.phone, p.email, p.login && '@' + p.login].filter(Boolean).join(', ');
  const person = p => [h('span', { class: 'member-name' }, p.fullName), ' ',
    h('span', { class: 'sub' }, [contact(p), p.status !== 'active' && t('cp_st_' + p.status)].filter(Boolean).join(' · '))];

  const students = h('ol', { id: 'class-students', class: 'list' },
    r.students.length ? r.students.map(s => h('li', { 'data-user-id': s.person.userId, 'data-status': s.person.status },
      person(s.person),
      h('div', { class: 'sub class-parents' }, t('cp_parents') + ': ',
        s.parents.length ? s.parents.map((p, i) => [i ? '; ' : '', p.fullName, contact(p) ? ' (' + contact(p) + ')' : '']) : t('cp_no_parents'))))
      : h('li', { id: 'class-empty', class: 'empty' }, t('cp_empty')));

  const homeroom = h('p', { id: 'class-homeroom' }, t('cp_homeroom') + ': ', r.homeroom ? r.homeroom.fullName : t('cp_homeroom_none'));
  const earlier = r.homeroomHistory.filter(x => x.to);
  const kids = [
    h('p', null, h('a', { id: 'class-back', href: schoolPath }, t('cp_back'))),
    h('p', { class: 'sub' }, yearLabel(c.academicYear)),
    homeroom,
    earlier.length ? h('p', { class: 'sub' }, t('cp_history', { list: earlier.map(x => x.person.fullName + ' (' + fmtDate(x.from) + ' — ' + fmtDate(x.to) + ')').join('; ') })) : null,
    message, error,
    h('p', { class: 'row-actions' },
      r.permissions.invite && h('a', { id: 'class-invites', class: 'btn', href: schoolPath + '/invites' }, t('cp_invites')),
      r.permissions.invite && h('a', { id: 'class-requests', class: 'btn', href: schoolPath + '/requests' }, t('cp_requests')),
      r.permissions.manageMembers && h('a', { id: 'class-members', class: 'btn', href: schoolPath + '/members?classId=' + encodeURIComponent(c.id) }, t('cp_members')),
      c.kind === 'regular' && h('a', { id: 'class-grades', class: 'btn', href: '#/class/' + encodeURIComponent(c.id) + '/grades' }, lang() === 'ru' ? 'Журнал' : 'Grade book')),
    sec('class-roster', t('cp_students', { n: r.students.length }), students),
  ];

  if (r.permissions.manageMembers && c.kind === 'regular' && !c.archived) kids.push(await homeroomForm(c, r, homeroom, message, error));
  if (r.permissions.childAccounts && c.kind === 'regular' && !c.archived) {
    kids.push(addStudentForm(c, students, message));
    kids.push(sec('class-cards', t('cp_cards'), h('p', { class: 'hint' }, t('cp_cards_hint')),
      h('a', { id: 'class-cards-link', class: 'btn', href: '#/class/' + encodeURIComponent(c.id) + '/cards' }, t('cp_cards'))));
  }
  return page(c.name, kids);
}

async function homeroomForm(c, r, line, message, error) {
  // Every confirmed teacher (a big school has more than one page of them).
  const items = [];
  for (let p = 1; p <= 20; p++) {
    const batch = await api('GET', '/schools/' + encodeURIComponent(c.schoolId) + '/members?role=teacher&verified=true&perPage=100&page=' + p);
    items.push(...batch.items);
    if (items.length >= batch.total || !batch.items.length) break;
  }
  const select = field('class-homeroom', 'teacher', t('cp_homeroom_pick'), {
    options: [['', t('cp_homeroom_nobody')], ...items.map(m => [m.userId, m.fullName])], value: r.homeroom ? r.homeroom.userId : '' });
  const save = btn('class-homeroom-save', t('cp_homeroom_save'), 'primary', null, 'submit');
  const form = h('form', { id: 'class-homeroom-form', novalidate: true }, select, save);
  form.onsubmit = ev => {
    ev.preventDefault();
    run(form, save, async () => {
      const id = form.elements.teacher.value || null;
      const updated = await api('PUT', '/classes/' + encodeURIComponent(c.id) + '/homeroom', { teacherId: id });
      line.replaceChildren(t('cp_homeroom') + ': ', updated.homeroom ? updated.homeroom.fullName : t('cp_homeroom_none'));
      message.textContent = t('cp_homeroom_saved');
      message.focus();
    }, error, 'class-homeroom', { teacherId: 'teacher' });
  };
  return sec('class-homeroom-sec', t('cp_homeroom'), form);
}

function addStudentForm(c, list, message) {
  const err = alertBox('class-add-error');
  const save = btn('class-add-submit', t('cp_add_go'), 'primary', null, 'submit');
  const form = h('form', { id: 'class-add-form', novalidate: true },
    field('class-add', 'fullName', t('cp_add_name'), { req: true, max: 200 }),
    field('class-add', 'login', t('cp_add_login'), { req: false, max: 32, hint: t('cp_add_login_hint'), ac: 'off' }),
    field('class-add', 'password', t('cp_add_password'), { req: false, type: 'password', ac: 'new-password' }),
    err, save);
  form.onsubmit = ev => {
    ev.preventDefault();
    const v = n => form.elements[n].value.trim();
    run(form, save, async () => {
      check({ fullName: v('fullName').split(/\s+/).length < 2 && t('cp_add_name') });
      const body = { fullName: v('fullName') };
      if (v('login') || form.elements.password.value) { body.login = v('login'); body.password = form.elements.password.value; }
      const p = await api('POST', '/classes/' + encodeURIComponent(c.id) + '/students', body);
      list.querySelector('.empty')?.remove();
      list.append(h('li', { 'data-user-id': p.userId, 'data-status': p.status }, h('span', { class: 'member-name' }, p.fullName)));
      form.reset();
      message.textContent = t('cp_added', { name: p.fullName });
      message.focus();
    }, err, 'class-add');
  };
  return sec('class-add', t('cp_add'), form);
}

