// #/school/<id>/audit?action=…&from=YYYY-MM-DD&to=YYYY-MM-DD&page=N — the school's audit log (§2.1)
// for administrators: who did what to whom, when and from where; filtered and paged on the server,
// downloadable as CSV with the same filters. Loaded on demand.
import { h, btn, page, field, alertBox, run, check, fmtDate } from '../dom.js';
import { api, go } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';

addStrings({
  au_title: ['Журнал действий', 'Audit log'],
  au_back: ['← К профилю школы', '← School profile'],
  au_action: ['Действия', 'Actions'],
  au_from: ['С даты', 'From'],
  au_to: ['По дату', 'To'],
  au_apply: ['Показать', 'Show'],
  au_bad_range: ['Конечная дата раньше начальной.', 'The end date is before the start date.'],
  au_total: ['Записей: {n}', 'Entries: {n}'],
  au_empty: ['Записей нет.', 'No entries.'],
  au_caption: ['Действия администраторов и учителей, новые сверху', 'Actions of administrators and teachers, newest first'],
  au_when: ['Когда', 'When'],
  au_who: ['Кто', 'Who'],
  au_what: ['Действие', 'Action'],
  au_whom: ['Над кем', 'Target'],
  au_details: ['Подробности', 'Details'],
  au_ip: ['IP-адрес', 'IP address'],
  au_csv: ['Скачать CSV', 'Download CSV'],
  au_prev: ['← Назад', '← Previous'],
  au_next: ['Дальше →', 'Next →'],
  au_page: ['Страница {p} из {n}', 'Page {p} of {n}'],
  // Groups of the filter (the server matches "member" to every "member.*").
  ag_: ['Все', 'All'],
  ag_invite: ['Ссылки-приглашения', 'Invite links'],
  ag_member: ['Переводы и выбытие', 'Transfers and leaving'],
  ag_role: ['Роли', 'Roles'],
  ag_teacher: ['Подтверждение учителей', 'Teacher confirmation'],
  ag_join_request: ['Заявки на вступление', 'Join requests'],
  ag_class: ['Классы', 'Classes'],
  ag_student: ['Учётные записи учеников', 'Students’ accounts'],
  ag_roster: ['Импорт списков', 'Roster import'],
  ag_grading: ['Шкала и виды работ', 'Grading scale and kinds of work'],
  // One label per action; an action without one is shown as it is.
  'aa_member.transfer': ['Перевод ученика', 'Student transfer'],
  'aa_member.remove': ['Выбытие', 'Leaving the school'],
  'aa_role.grant': ['Назначение роли', 'Role granted'],
  'aa_role.revoke': ['Снятие роли', 'Role revoked'],
  'aa_teacher.verify': ['Подтверждение учителя', 'Teacher confirmed'],
  'aa_invite.create': ['Создание ссылки', 'Link created'],
  'aa_invite.revoke': ['Отзыв ссылки', 'Link revoked'],
  'aa_invite.revoke_unused': ['Аннулирование неиспользованных ссылок', 'Unused links revoked'],
  'aa_join_request.approve': ['Одобрение заявки на вступление', 'Join request approved'],
  'aa_join_request.reject': ['Отклонение заявки на вступление', 'Join request rejected'],
  'aa_class.homeroom': ['Назначение классного руководителя', 'Homeroom teacher assigned'],
  'aa_class.promote': ['Перевод на новый учебный год', 'Promotion to the new school year'],
  'aa_student.add': ['Добавление ученика', 'Student added'],
  'aa_student.credentials': ['Логин и пароль ученика', 'Student’s login and password'],
  'aa_student.activation_codes': ['Коды активации учеников', 'Students’ activation codes'],
  'aa_roster.import': ['Импорт списка учеников', 'Roster import'],
  'aa_grading.scale': ['Шкала оценок', 'Grading scale'],
  'aa_grading.kind': ['Вид работы и его вес', 'Kind of work and its weight'],
});

const GROUPS = ['', 'invite', 'member', 'role', 'teacher', 'join_request', 'class', 'student', 'roster', 'grading'];
const PER_PAGE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const actionLabel = a => t('aa_' + a, null, true) || a;
// Entries written before the log spoke Russian carry codes («5Б, student»): shown in words.
const WORDS = { admin: 'администратор', director: 'директор', deputy: 'заместитель директора', teacher: 'учитель', student: 'ученик',
  parent: 'родитель', dismiss: 'жалоба отклонена', delete: 'сообщение удалено', mute: 'автору запрещено писать', remove: 'автор удалён из чата',
  insult: 'оскорбление', bullying: 'травля', spam: 'спам', inappropriate: 'неуместное', danger: 'опасность', other: 'другое' };
const inWords = d => (d && lang() === 'ru' ? d.replace(/\b[a-z]+\b/g, w => WORDS[w] || w) : d);

export default async function audit({ params: [schoolId], q }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const action = GROUPS.includes(q.get('action')) ? q.get('action') : '';
  const day = k => (DAY.test(q.get(k) || '') ? q.get(k) : '');
  const from = day('from'), to = day('to');
  const pageNo = Math.max(1, parseInt(q.get('page'), 10) || 1);
  const filters = new URLSearchParams();
  for (const [k, v] of [['action', action], ['from', from], ['to', to]]) if (v) filters.set(k, v);
  const query = new URLSearchParams(filters);
  query.set('page', pageNo);
  query.set('perPage', PER_PAGE);
  const [school, log] = await Promise.all([api('GET', base), api('GET', base + '/audit?' + query)]);

  // Filters change the address, so a filtered log can be bookmarked and Back works.
  const goTo = changes => {
    const next = new URLSearchParams({ action, from, to, page: 1, ...changes });
    for (const [k, v] of [...next]) if (!v || (k === 'page' && v === '1')) next.delete(k);
    go('/school/' + encodeURIComponent(schoolId) + '/audit' + (next.toString() ? '?' + next : ''));
  };
  const error = alertBox('audit-error');
  const apply = btn('audit-apply', t('au_apply'), '', null, 'submit');
  const form = h('form', { id: 'audit-filters', novalidate: true },
    h('div', { class: 'row' },
      field('audit', 'action', t('au_action'), { options: GROUPS.map(g => [g, t('ag_' + g)]), value: action }),
      field('audit', 'from', t('au_from'), { type: 'date', value: from }),
      field('audit', 'to', t('au_to'), { type: 'date', value: to })),
    apply, error);
  const el = form.elements;
  // Dates apply with «Показать» (typing a date changes the field several times); the group at once.
  form.onsubmit = ev => {
    ev.preventDefault();
    run(form, apply, async () => {
      check({ to: el.from.value && el.to.value && el.to.value < el.from.value && t('au_bad_range') });
      goTo({ action: el.action.value, from: el.from.value, to: el.to.value });
    }, error, 'audit');
  };
  el.action.onchange = () => form.requestSubmit(apply);

  const csvHref = '/api/v1' + base + '/audit.csv' + (filters.toString() ? '?' + filters : '');
  const csv = h('a', { id: 'audit-csv', class: 'btn', href: csvHref, download: 'audit.csv' }, t('au_csv'));

  let table;
  if (log.items.length) {
    const th = key => h('th', { scope: 'col' }, t(key));
    table = h('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'audit-caption' },
      h('table', { id: 'audit-table' },
        h('caption', { id: 'audit-caption' }, t('au_caption')),
        h('thead', null, h('tr', null, ['au_when', 'au_who', 'au_what', 'au_whom', 'au_details', 'au_ip'].map(th))),
        h('tbody', null, log.items.map(e => h('tr', { class: 'audit-row', 'data-action': e.action },
          h('td', null, h('time', { datetime: e.at }, fmtDate(e.at))),
          h('td', null, e.actorName),
          h('td', { title: e.action }, actionLabel(e.action)),
          h('td', null, e.target || '—'),
          h('td', null, inWords(e.details) || '—'),
          h('td', null, e.ip || '—'))))));
  } else table = h('p', { id: 'audit-empty', class: 'empty' }, t('au_empty'));

  const pages = Math.max(1, Math.ceil(log.total / PER_PAGE));
  const nav = h('div', { class: 'row' },
    pageNo > 1 && btn('audit-prev', t('au_prev'), '', () => goTo({ page: pageNo - 1 })),
    h('span', { id: 'audit-page' }, t('au_page', { p: pageNo, n: pages })),
    pageNo < pages && btn('audit-next', t('au_next'), '', () => goTo({ page: pageNo + 1 })));
  return page(t('au_title'), h('p', { class: 'sub' }, school.shortName || school.name),
    h('p', null, h('a', { id: 'audit-back', href: '#/school/' + encodeURIComponent(school.id) }, t('au_back'))),
    form, h('div', { class: 'row' }, h('p', { id: 'audit-total' }, t('au_total', { n: log.total })), csv),
    table, nav);
}
