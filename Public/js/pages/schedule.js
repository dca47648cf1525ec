// #/schedule?from=YYYY-MM-DD&child=<id> — my week: a teacher's own lessons, a student's class
// lessons, a parent's child's (switchable). One day at a time on a phone (a strip of days), the
// whole week side by side on a wide screen. #/lesson/<id> — one lesson: its topic and note for its
// teacher; a substitution, a room, a cancellation for the timetable's keepers. Loaded on demand.
import { h, btn, page, field, alertBox, statusBox, run, sec, dl } from '../dom.js';
import { api, session, loadMe, go } from '../api.js';
import * as live from '../socket.js';
import { t, addStrings, lang } from '../i18n.js';
import lessonMarks, { journalLinks } from './lessonmarks.js';
import { GRADE_TEXT } from './grades.js';
import { calendarFeed } from './calfeed.js';

addStrings({
  sc_title: ['Расписание', 'Timetable'], sc_of: ['Расписание: {name}', 'Timetable: {name}'],
  sc_prev: ['Предыдущая неделя', 'Previous week'], sc_next: ['Следующая неделя', 'Next week'], sc_today: ['Сегодня', 'Today'],
  sc_days: ['Дни недели', 'Days of the week'], sc_none: ['Уроков нет', 'No lessons'], sc_who: ['Чьё расписание', 'Whose timetable'],
  sc_me: ['Моё', 'Mine'], sc_room: ['каб. {r}', 'room {r}'], sc_no_topic: ['Тема не записана', 'No topic yet'],
  sc_sub: ['Замена: вместо {name}', 'Substitute for {name}'], sc_moved: ['Перенесён', 'Moved'], sc_extra: ['Дополнительный урок', 'Extra lesson'],
  sc_cancelled: ['Отменён', 'Cancelled'], sc_empty_week: ['На этой неделе уроков нет.', 'No lessons this week.'],
  sc_setup: ['Учебный год и расписание', 'School year and timetable'],
  ls_title: ['{subject}, {cls}', '{subject}, {cls}'], ls_when: ['Когда', 'When'], ls_teacher: ['Учитель', 'Teacher'], ls_room: ['Кабинет', 'Room'],
  ls_topic: ['Тема урока', 'Topic'], ls_note: ['Заметка для класса', 'Note for the class'], ls_save: ['Сохранить', 'Save'], ls_saved: ['Сохранено.', 'Saved.'],
  ls_plan: ['Замена и перенос', 'Substitution and changes'], ls_new_teacher: ['Кто ведёт урок', 'Who teaches it'],
  ls_cancel: ['Отменить урок', 'Cancel the lesson'], ls_restore: ['Вернуть урок', 'Restore the lesson'], ls_back: ['← К расписанию', '← Timetable'],
  ls_group: ['Группа', 'Group'], ls_period: ['{n}-й урок', 'period {n}'],
  sc_absent: ['Не был(а)', 'Absent'], sc_late: ['Опоздание', 'Late'], sc_grade: ['Оценка {v}: {kind}', 'Mark {v}: {kind}'],
  sc_reason_illness: ['по болезни', 'ill'], sc_reason_excused: ['по уважительной причине', 'excused'], sc_reason_unexcused: ['без уважительной причины', 'unexcused'],
  sc_new: ['Новое', 'New'], sc_marks: ['Все оценки по предметам', 'All marks by subject'], sc_hw_none: ['ДЗ', 'Homework'], sc_hw_submitted: ['ДЗ сдано', 'Handed in'], sc_hw_returned: ['ДЗ на доработке', 'Returned'], sc_hw_accepted: ['ДЗ принято', 'Accepted'],
});

const WEEKDAYS = { ru: ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб', 'Вс'], en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] };
const DAY_NAMES = { ru: ['Понедельник', 'Вторник', 'Среда', 'Четверг', 'Пятница', 'Суббота', 'Воскресенье'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] };
const DAY = /^\d{4}-\d{2}-\d{2}$/;
// Days are the school's calendar days: parsed and shifted in UTC so no time zone moves them.
const parse = s => new Date(s + 'T00:00:00Z');
const iso = d => d.toISOString().slice(0, 10);
const shift = (s, n) => iso(new Date(parse(s).getTime() + n * 864e5));
const weekday = s => (parse(s).getUTCDay() + 6) % 7;
const monthDay = s => parse(s).toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });
const localToday = () => { const d = new Date(); return iso(new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()))); };

export default async function schedule(ctx) {
  if (ctx.view === 'lesson') return lesson(ctx);
  // A hand-in checked (or, for a teacher, handed in) while the week is open: shown at once.
  let node = await week(ctx);
  live.on('journal.changed', async () => {
    if (ctx.signal.aborted) return;
    const fresh = await week(ctx).catch(() => null);
    if (fresh && !ctx.signal.aborted) { node.replaceWith(fresh); node = fresh; }
  }, ctx.signal);
  return node;
}

function badges(l) {
  const out = [];
  if (l.status === 'cancelled') out.push(['cancelled', t('sc_cancelled')]);
  if (l.change === 'substitution') out.push(['sub', t('sc_sub', { name: l.plannedTeacherName || '' })]);
  if (l.change === 'moved') out.push(['moved', t('sc_moved')]);
  if (l.change === 'extra') out.push(['extra', t('sc_extra')]);
  return out.map(([k, text]) => h('span', { class: 'lbadge lb-' + k }, text));
}

async function week({ q }) {
  const me = await loadMe();
  const children = me.memberships.some(m => m.role === 'parent')
    ? (await api('GET', '/me/children')).items.filter((c, i, all) => all.findIndex(x => x.userId === c.userId) === i) : [];
  const teaches = me.memberships.some(m => m.role === 'teacher');
  const isStudent = me.memberships.some(m => m.role === 'student');
  // A parent who neither teaches nor studies sees a child's week first.
  let child = q.get('child') || (!teaches && !isStudent && children[0] ? children[0].userId : '');
  if (child && !children.some(c => c.userId === child)) child = '';
  const from = DAY.test(q.get('from') || '') ? q.get('from') : null;
  const s = await api('GET', '/me/schedule?' + new URLSearchParams({ ...(from ? { from } : {}), ...(child ? { childId: child } : {}) }));
  const link = (f, c = child) => '#/schedule?' + new URLSearchParams({ ...(f ? { from: f } : {}), ...(c ? { child: c } : {}) });
  const today = localToday();
  const days = s.days.filter(d => d.lessons.length || weekday(d.date) < 6);
  const showAll = days.some(d => weekday(d.date) === 5 && !d.dayOff);
  const visible = days.filter(d => weekday(d.date) < 5 || showAll || d.lessons.length);
  let current = visible.find(d => d.date === today) || visible.find(d => d.lessons.length) || visible[0];
  const asTeacher = !child && teaches;
  // A student's (a parent's child's) homework due at each lesson, on its card.
  const due = {};
  // What changed since this person last looked at this week's person: new homework, checked work.
  const seenKey = 'parta.seen.' + s.personId.toLowerCase();
  const seen = localStorage.getItem(seenKey) || '';
  const fresh = x => !!seen && (x.postedAt > seen || (x.submission && x.submission.checkedAt && x.submission.checkedAt > seen));
  // The diary: the student's grades and absences by lesson; a grade given or changed since the
  // last look is marked new.
  const marksAt = {}, missed = {};
  for (const g of s.grades || []) (marksAt[g.lessonId] = marksAt[g.lessonId] || []).push(g);
  for (const a of s.attendance || []) missed[a.lessonId] = a;
  const freshGrade = g => !!seen && g.updatedAt > seen;
  const marks = l => {
    const gs = marksAt[l.id] || [], a = missed[l.id];
    if (!gs.length && !a) return null;
    return h('span', { class: 'l-marks' },
      a ? h('span', { class: 'lbadge lb-' + a.status, title: a.reason ? t('sc_reason_' + a.reason) : null },
        t(a.status === 'late' ? 'sc_late' : 'sc_absent') + (a.reason ? ' (' + t('sc_reason_' + a.reason) + ')' : '')) : null,
      gs.map(g => {
        const text = GRADE_TEXT[g.value] || g.value, label = t('sc_grade', { v: text, kind: g.workKind }) + (g.comment ? ' — ' + g.comment : '');
        return h('span', { class: 'gmark g-' + g.value + (freshGrade(g) ? ' fresh' : ''), title: label, 'aria-label': label, role: 'img' }, text);
      }),
      gs.some(freshGrade) ? h('span', { class: 'new-mark' }, t('sc_new')) : null);
  };
  if (!asTeacher && (child || isStudent)) {
    const hw = await api('GET', '/me/homework?' + new URLSearchParams({ from: s.from, to: s.to, ...(child ? { childId: child } : {}) }));
    for (const x of hw.items) if (x.dueLessonId) (due[x.dueLessonId] = due[x.dueLessonId] || []).push(x);
    try { localStorage.setItem(seenKey, new Date().toISOString()); } catch { /* private mode: nothing to remember */ }
  }

  const card = l => h('li', { class: 'lesson' + (l.status === 'cancelled' ? ' off' : ''), 'data-lesson-id': l.id },
    h('a', { href: '#/lesson/' + encodeURIComponent(l.id), class: 'lesson-link' },
      h('span', { class: 'l-time' }, h('strong', null, l.startsAt), h('span', null, l.endsAt)),
      h('span', { class: 'l-body' },
        h('strong', { class: 'l-subject' }, l.subjectName, l.groupName ? h('span', { class: 'sub' }, ' · ' + l.groupName) : null),
        h('span', { class: 'sub' }, [asTeacher ? l.className : l.teacherName, l.room ? t('sc_room', { r: l.room }) : ''].filter(Boolean).join(' · ')),
        l.topic ? h('span', { class: 'l-topic' }, l.topic)
          : asTeacher && l.date <= today && l.status !== 'cancelled' ? h('span', { class: 'l-todo' }, t('sc_no_topic')) : null,
        badges(l).length ? h('span', { class: 'l-badges' }, badges(l)) : null,
        marks(l),
        (due[l.id] || []).map(x => h('span', { class: 'l-hw' + (fresh(x) ? ' fresh' : '') }, fresh(x) ? h('span', { class: 'new-mark' }, t('sc_new')) : null,
          h('span', { class: 'lbadge st-' + (x.submission ? x.submission.status : 'none') },
          t('sc_hw_' + (x.submission ? x.submission.status : 'none'))), ' ', x.text.length > 80 ? x.text.slice(0, 79) + '…' : x.text)))));

  const sections = visible.map(d => h('section', { class: 'wday' + (d.date === today ? ' today' : ''), 'data-date': d.date, 'aria-labelledby': 'day-' + d.date },
    h('h2', { id: 'day-' + d.date }, DAY_NAMES[lang()][weekday(d.date)], h('span', { class: 'sub' }, ', ' + monthDay(d.date))),
    d.dayOff && !d.lessons.length ? h('p', { class: 'empty day-off' }, d.dayOff)
      : d.lessons.length ? h('ol', { class: 'lessons' }, d.lessons.map(card)) : h('p', { class: 'empty' }, t('sc_none'))));
  const chips = h('div', { class: 'day-strip', role: 'group', 'aria-label': t('sc_days') }, visible.map(d =>
    h('button', { type: 'button', class: 'day-chip' + (d.date === today ? ' today' : ''), id: 'chip-' + d.date, 'aria-controls': 'day-' + d.date,
      onclick: () => pick(d) },
    h('span', null, WEEKDAYS[lang()][weekday(d.date)]), h('strong', null, String(parse(d.date).getUTCDate())),
    d.lessons.length ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null)));
  const grid = h('div', { class: 'week-days' }, sections);
  function pick(d) {
    current = d;
    for (const b of chips.children) b.setAttribute('aria-pressed', String(b.id === 'chip-' + d.date));
    for (const x of sections) x.classList.toggle('on', x.dataset.date === d.date);
  }
  if (current) pick(current);

  const who = children.length && (teaches || isStudent || children.length > 1)
    ? h('div', { class: 'segs', role: 'group', 'aria-label': t('sc_who') },
      (teaches || isStudent ? [['', t('sc_me')]] : []).concat(children.map(c => [c.userId, c.fullName.split(/\s+/).slice(1, 2)[0] || c.fullName]))
        .map(([id, label]) => h('a', { class: 'seg btn', href: link(s.from, id), 'aria-current': id === child ? 'page' : null, id: 'who-' + (id || 'me') }, label)))
    : null;
  const admin = me.memberships.find(m => ['admin', 'director', 'deputy'].includes(m.role));
  const empty = !s.days.some(d => d.lessons.length);
  return page(child ? t('sc_of', { name: s.personName }) : t('sc_title'),
    who,
    h('nav', { class: 'week-nav', 'aria-label': t('sc_title') },
      h('a', { class: 'btn icon', href: link(shift(s.from, -7)), id: 'week-prev', 'aria-label': t('sc_prev'), title: t('sc_prev') }, '‹'),
      h('span', { id: 'week-label' }, monthDay(s.from) + ' — ' + monthDay(s.to)),
      h('a', { class: 'btn icon', href: link(shift(s.from, 7)), id: 'week-next', 'aria-label': t('sc_next'), title: t('sc_next') }, '›'),
      from ? h('a', { class: 'btn link', href: link(null), id: 'week-today' }, t('sc_today')) : null),
    chips, grid, asTeacher ? await journalLinks(me) : null,
    empty ? h('p', { id: 'week-empty', class: 'empty' }, t('sc_empty_week'), admin ? [' ', h('a', { href: '#/school/' + encodeURIComponent(admin.schoolId) + '/timetable' }, t('sc_setup'))] : null) : null,
    !asTeacher && (child || isStudent) ? h('p', null, h('a', { id: 'week-marks', href: '#/marks' + (child ? '?child=' + encodeURIComponent(child) : '') }, t('sc_marks'))) : null,
    await calendarFeed({ personId: s.personId, childId: child || null, personName: s.personName }));
}

async function lesson({ params: [id] }) {
  const me = await loadMe();
  const l = await api('GET', '/lessons/' + encodeURIComponent(id));
  const roles = me.memberships.filter(m => m.schoolId.toLowerCase() === l.schoolId.toLowerCase()).map(m => m.role);
  const keeper = roles.some(r => ['admin', 'director', 'deputy'].includes(r));
  const mine = me.id === l.teacherId && me.memberships.some(m => m.role === 'teacher' && m.verified && m.schoolId.toLowerCase() === l.schoolId.toLowerCase());
  const head = h('div');
  const show = x => head.replaceChildren(badges(x).length ? h('p', { class: 'l-badges' }, badges(x)) : '', dl('lesson-props', [
    [t('ls_when'), DAY_NAMES[lang()][weekday(x.date)] + ', ' + monthDay(x.date) + ', ' + x.startsAt + '–' + x.endsAt + (x.period ? ' (' + t('ls_period', { n: x.period }) + ')' : '')],
    [t('ls_teacher'), x.teacherName], [t('ls_room'), x.room], x.groupName ? [t('ls_group'), x.groupName] : null,
    mine || keeper ? null : [t('ls_topic'), x.topic], mine || keeper || !x.note ? null : [t('ls_note'), x.note]].filter(Boolean)));
  show(l);
  const parts = [h('p', null, h('a', { href: '#/schedule?from=' + l.date }, t('ls_back'))), head];
  if (mine || keeper) {
    const err = alertBox('lesson-error'), ok = statusBox('lesson-saved');
    const save = btn('lesson-save', t('ls_save'), 'primary', null, 'submit');
    const form = h('form', { id: 'lesson-form', novalidate: true },
      field('lesson', 'topic', t('ls_topic'), { value: l.topic, max: 300 }),
      field('lesson', 'note', t('ls_note'), { value: l.note, rows: 3, req: false }), err, save, ok);
    form.onsubmit = e => { e.preventDefault(); ok.textContent = ''; run(form, save, async () => {
      const x = await api('PATCH', '/lessons/' + encodeURIComponent(id), { topic: form.topic.value, note: form.note.value });
      show(x); ok.textContent = t('ls_saved');
    }, err, 'lesson'); };
    parts.push(form);
  }
  parts.push(await (await import('./materials.js')).lessonMaterials(l));
  parts.push(await lessonMarks(l));
  if (keeper) {
    const teachers = [];
    for (let p = 1; p < 20; p++) {
      const r = await api('GET', '/schools/' + encodeURIComponent(l.schoolId) + '/members?role=teacher&verified=true&perPage=100&page=' + p);
      teachers.push(...r.items);
      if (teachers.length >= r.total || !r.items.length) break;
    }
    const err = alertBox('plan-error'), ok = statusBox('plan-saved');
    const save = btn('plan-save', t('ls_save'), 'primary', null, 'submit');
    const options = teachers.map(x => [x.userId, x.fullName]);
    if (!options.some(o => o[0] === l.teacherId)) options.unshift([l.teacherId, l.teacherName]);
    const form = h('form', { id: 'plan-form', class: 'card subform', novalidate: true },
      field('plan', 'teacherId', t('ls_new_teacher'), { options, value: l.teacherId }),
      field('plan', 'room', t('ls_room'), { value: l.room, max: 30, req: false }), err,
      h('div', { class: 'row' }, save, btn('plan-status', l.status === 'cancelled' ? t('ls_restore') : t('ls_cancel'), l.status === 'cancelled' ? '' : 'danger', () =>
        run(form, document.getElementById('plan-status'), async () => {
          const x = await api('PATCH', '/lessons/' + encodeURIComponent(id), { status: l.status === 'cancelled' ? 'scheduled' : 'cancelled' });
          go('/lesson/' + encodeURIComponent(x.id), true);
        }, err, 'plan'))), ok);
    form.onsubmit = e => { e.preventDefault(); ok.textContent = ''; run(form, save, async () => {
      const body = {};
      if (form.teacherId.value !== l.teacherId) body.teacherId = form.teacherId.value;
      if (form.room.value !== l.room) body.room = form.room.value;
      if (!Object.keys(body).length) return;
      Object.assign(l, await api('PATCH', '/lessons/' + encodeURIComponent(id), body));
      show(l); ok.textContent = t('ls_saved');
    }, err, 'plan'); };
    parts.push(sec('lesson-plan', t('ls_plan'), form));
  }
  parts.push(await (await import('./homework.js')).lessonHomework(l, mine));
  const view = page(t('ls_title', { subject: l.subjectName, cls: l.className }), parts);
  view.classList.add('lesson-page');
  return view;
}
