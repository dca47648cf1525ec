// The administrator's part of #/school/<id>: first steps with their progress and what waits for
// them now (live through the shell's badges). Loaded on demand by school.js.
import { h } from '../dom.js';
import { api, shell } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  firstSteps: ['Первые шаги', 'First steps'], stepsDone: ['Сделано {n} из {of}', '{n} of {of} done'], stepOk: ['сделано', 'done'],
  stepClasses: ['Создайте классы', 'Create the classes'], stepClassesN: ['классов: {n}', 'classes: {n}'],
  stepTeachers: ['Пригласите учителей', 'Invite the teachers'], stepPeopleN: ['учителей: {n}', 'teachers: {n}'],
  stepConfirm: ['Подтвердите учителей', 'Confirm the teachers'], stepWaitingN: ['ждут: {n}', 'waiting: {n}'],
  stepStudents: ['Пригласите учеников и родителей', 'Invite students and parents'], stepStudentsN: ['учеников: {s}, родителей: {p}', 'students: {s}, parents: {p}'],
  waitRequests: ['заявок на вступление', 'join requests'], waitTeachers: ['учителей ждут подтверждения', 'teachers to confirm'], waitReports: ['жалоб', 'reports'],
});

// The administrator's first steps (create classes → invite teachers → confirm them → invite
// students and parents), each with its progress, and what waits for them now (live badges).
export default async function dashboard(id, s) {
  const base = '#/school/' + encodeURIComponent(id);
  const count = q => api('GET', '/schools/' + encodeURIComponent(id) + '/members?perPage=1&' + q).then(r => r.total).catch(() => 0);
  const [teachers, waitingTeachers, students, parents] = await Promise.all([count('role=teacher'), count('role=teacher&verified=false'),
    count('role=student'), count('role=parent')]);
  const regular = (s.classes || []).filter(c => c.kind !== 'staff_room').length;
  const steps = [
    ['classes', 'classes', regular > 0, t('stepClasses'), t('stepClassesN', { n: regular })],
    ['teachers', 'invites', teachers > 0, t('stepTeachers'), t('stepPeopleN', { n: teachers })],
    ['confirm', 'members', teachers > 0 && !waitingTeachers, t('stepConfirm'), t('stepWaitingN', { n: waitingTeachers })],
    ['students', 'invites', students + parents > 0, t('stepStudents'), t('stepStudentsN', { s: students, p: parents })],
  ];
  const done = steps.filter(x => x[2]).length;
  const waiting = h('ul', { id: 'school-waiting', class: 'tiles' });
  const showWaiting = () => {
    const mine = shell.badges && shell.badges.schools.find(x => x.schoolId.toLowerCase() === id.toLowerCase());
    const tiles = [['requests', mine && mine.joinRequests, 'waitRequests'], ['members', mine && mine.teachersToConfirm, 'waitTeachers'],
      ['reports', mine && mine.reports, 'waitReports']].filter(x => x[1]);
    waiting.replaceChildren(...tiles.map(([to, n, label]) => h('li', null,
      h('a', { id: 'school-wait-' + to, class: 'tile', href: base + '/' + to }, h('strong', null, String(n)), h('span', null, t(label))))));
    waiting.hidden = !tiles.length;
  };
  showWaiting();
  document.addEventListener('parta:badges', showWaiting);
  addEventListener('hashchange', () => document.removeEventListener('parta:badges', showWaiting), { once: true });
  const checklist = done === steps.length ? null : h('section', { id: 'school-steps', class: 'card steps', 'aria-labelledby': 'school-steps-h' },
    h('h2', { id: 'school-steps-h' }, t('firstSteps')),
    h('p', { class: 'sub' }, t('stepsDone', { n: done, of: steps.length })),
    h('progress', { max: steps.length, value: done, 'aria-label': t('firstSteps') }),
    h('ol', { class: 'step-list' }, steps.map(([key, to, ok, label, note]) => h('li', { id: 'step-' + key, 'data-done': String(ok), class: ok ? 'done' : '' },
      h('span', { class: 'step-mark', 'aria-hidden': 'true' }, ok ? '✓' : ''),
      h('a', { href: base + '/' + to }, label), h('span', { class: 'sub' }, ' ', note), ok ? h('span', { class: 'visually-hidden' }, ' — ' + t('stepOk')) : null))));
  return h('div', { class: 'dashboard' }, waiting, checklist);
}
