// #/marks?child=<id>&term=<n|year> — «Оценки»: a student's grades subject by subject for a term
// (a parent's: each child's, switchable), the weighted average and the mark it proposes, the
// term's mark once set; for the year, the terms' marks. A grade given since the last visit is
// marked «Новое». Each subject opens its grade sheet (the student's own row). Loaded on demand.
import { h, page } from '../dom.js';
import { api, loadMe } from '../api.js';
import * as live from '../socket.js';
import { t, addStrings, lang } from '../i18n.js';
import { GRADE_TEXT, TERM_TEXT, gradesCss } from './grades.js';

addStrings({
  mk_title: ['Оценки', 'Marks'], mk_of: ['Оценки: {name}', 'Marks: {name}'], mk_who: ['Чьи оценки', 'Whose marks'],
  mk_me: ['Мои', 'Mine'], mk_periods: ['Период', 'Period'], mk_term: ['{n} четв.', 'Term {n}'], mk_year: ['Год', 'Year'],
  mk_avg: ['Средний балл', 'Average'], mk_mark: ['Итог', 'Final'], mk_proposed: ['Выходит', 'Heading for'],
  mk_none: ['Оценок пока нет', 'No marks yet'], mk_absent: ['Пропусков: {n}', 'Missed: {n}'], mk_new: ['Новое', 'New'],
  mk_no_class: ['Оценки появятся, когда ученика запишут в класс.', 'Marks appear once the student is in a class.'],
  mk_grade: ['{v} — {kind}, {date}', '{v} — {kind}, {date}'], mk_terms: ['Четверти: {list}', 'Terms: {list}'],
  mk_to_week: ['Расписание и домашние задания', 'Timetable and homework'],
});

const dayMonth = s => new Date(s + 'T00:00:00Z').toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const decimal = x => x == null ? '' : x.toFixed(2).replace('.', lang() === 'ru' ? ',' : '.');

export default async function marks(ctx) {
  await gradesCss();
  let node = await view(ctx);
  // A grade given while the page is open: shown at once.
  const refresh = async () => {
    if (ctx.signal.aborted) return;
    const fresh = await view(ctx).catch(() => null);
    if (fresh && !ctx.signal.aborted) { node.replaceWith(fresh); node = fresh; }
  };
  live.on('grade.changed', refresh, ctx.signal);
  live.on('journal.changed', refresh, ctx.signal);
  return node;
}

async function view({ q }) {
  const me = await loadMe();
  const children = me.memberships.some(m => m.role === 'parent')
    ? (await api('GET', '/me/children')).items.filter((c, i, all) => all.findIndex(x => x.userId === c.userId) === i) : [];
  const isStudent = me.memberships.some(m => m.role === 'student');
  let child = q.get('child') || (!isStudent && children[0] ? children[0].userId : '');
  if (child && !children.some(c => c.userId === child)) child = '';
  const term = /^([1-4]|year)$/.test(q.get('term') || '') ? q.get('term') : '';
  const r = await api('GET', '/me/grades?' + new URLSearchParams({ ...(child ? { childId: child } : {}), ...(term ? { term } : {}) }));
  const link = (c, p) => '#/marks?' + new URLSearchParams({ ...(c ? { child: c } : {}), ...(p ? { term: p } : {}) });

  // What is new since this person's marks were last looked at.
  const seenKey = 'parta.seenMarks.' + r.personId.toLowerCase();
  const seen = localStorage.getItem(seenKey) || '';
  try { localStorage.setItem(seenKey, new Date().toISOString()); } catch { /* private mode: nothing to remember */ }
  const fresh = g => !!seen && g.updatedAt > seen;

  const who = children.length && (isStudent || children.length > 1)
    ? h('div', { class: 'segs', role: 'group', 'aria-label': t('mk_who') },
      (isStudent ? [['', t('mk_me')]] : []).concat(children.map(c => [c.userId, c.fullName.split(/\s+/).slice(1, 2)[0] || c.fullName]))
        .map(([id, label]) => h('a', { class: 'seg btn', href: link(id, term), 'aria-current': id === child ? 'page' : null, id: 'mk-who-' + (id || 'me') }, label)))
    : null;
  const periods = r.terms.length ? h('div', { class: 'segs mk-periods', role: 'group', 'aria-label': t('mk_periods') },
    r.terms.map(x => [String(x.number), t('mk_term', { n: x.number })]).concat([['year', t('mk_year')]])
      .map(([p, label]) => h('a', { class: 'seg btn', id: 'mk-period-' + p, href: link(child, p), 'aria-current': p === r.period ? 'page' : null }, label)))
    : null;

  const sheet = s => '#/class/' + encodeURIComponent(r.classId) + '/grades?' + new URLSearchParams({ subject: s.subjectId, term: r.period });
  const row = s => {
    const year = r.period === 'year';
    const chips = year
      ? s.termMarks.map(m => h('span', { class: 'gmark g-' + m.value, role: 'img', 'aria-label': t('mk_term', { n: m.period }) + ': ' + TERM_TEXT[m.value] }, TERM_TEXT[m.value]))
      : s.grades.map(g => {
        const label = t('mk_grade', { v: GRADE_TEXT[g.value], kind: g.workKind, date: dayMonth(g.date) }) + (g.comment ? ' — ' + g.comment : '');
        return h('span', { class: 'gmark g-' + g.value + (g.weight > 1 ? ' heavy' : '') + (fresh(g) ? ' fresh' : ''), role: 'img', 'aria-label': label, title: label },
          GRADE_TEXT[g.value]);
      });
    const result = s.mark ? h('span', { class: 'mk-final', title: t('mk_mark') }, t('mk_mark') + ' ', h('strong', { class: 'gmark g-' + s.mark }, TERM_TEXT[s.mark]))
      : s.proposed ? h('span', { class: 'mk-proposed sub' }, t('mk_proposed') + ' ' + TERM_TEXT[s.proposed]) : null;
    return h('li', { class: 'mk-subject', 'data-subject-id': s.subjectId },
      h('a', { href: sheet(s), class: 'mk-link' },
        h('span', { class: 'mk-head' }, h('strong', { class: 'mk-name' }, s.subjectName),
          s.average != null ? h('span', { class: 'mk-avg', 'aria-label': t('mk_avg') + ' ' + decimal(s.average), title: t('mk_avg') }, decimal(s.average)) : null),
        h('span', { class: 'mk-grades' }, chips.length ? chips : h('span', { class: 'sub' }, t('mk_none')),
          !year && s.grades.some(fresh) ? h('span', { class: 'new-mark' }, t('mk_new')) : null),
        result || s.absences ? h('span', { class: 'mk-foot' }, result, s.absences ? h('span', { class: 'sub' }, t('mk_absent', { n: s.absences })) : null) : null));
  };
  const body = r.classId
    ? h('ul', { id: 'mk-subjects', class: 'mk-list' }, r.subjects.map(row))
    : h('p', { class: 'empty', id: 'mk-no-class' }, t('mk_no_class'));
  const view = page(child ? t('mk_of', { name: r.personName }) : t('mk_title'), who, periods, body,
    h('p', null, h('a', { href: '#/schedule' + (child ? '?child=' + encodeURIComponent(child) : ''), id: 'mk-week' }, t('mk_to_week'))));
  view.classList.add('marks-page');
  return view;
}
