// #/day?date=YYYY-MM-DD — the teacher's «Мой день» (issue 14 item 5): their own lessons of one day
// (GET /me/day), each a card with what it still needs — a lesson that has begun without its topic or
// with students not marked — and what it holds (homework, grades, hand-ins to check); a tick when
// nothing is missing. The card opens the lesson. Arrows for the previous and next day; live on the
// socket's `journal.changed` and every few minutes (lessons begin as the day goes). Loaded on demand.
import { h, page } from '../dom.js';
import { api } from '../api.js';
import * as live from '../socket.js';
import { t, addStrings, lang } from '../i18n.js';

addStrings({
  dy_title: ['Мой день', 'My day'], dy_prev: ['Предыдущий день', 'Previous day'], dy_next: ['Следующий день', 'Next day'],
  dy_today: ['Сегодня', 'Today'], dy_none: ['В этот день у вас нет уроков.', 'No lessons of yours on this day.'],
  dy_week: ['Расписание на неделю', 'The week’s timetable'], dy_room: ['каб. {r}', 'room {r}'],
  dy_topic: ['Тема', 'Topic'], dy_topic_full: ['Тема не записана', 'No topic yet'],
  dy_attendance: ['Посещаемость {m}/{n}', 'Attendance {m}/{n}'], dy_hw: ['ДЗ: нет', 'Homework: none'], dy_hw_n: ['ДЗ: {n}', 'Homework: {n}'],
  dy_grades: ['Оценки: {n}', 'Grades: {n}'], dy_check: ['На проверку: {n}', 'To check: {n}'],
  dy_done: ['Всё заполнено', 'All done'], dy_soon: ['ещё не начался', 'not started'], dy_cancelled: ['Урок отменён', 'Cancelled'],
  dy_summary: ['Уроков: {n}', 'Lessons: {n}'], dy_to_fill: ['заполнить: {n}', 'to fill in: {n}'], dy_all_done: ['всё заполнено', 'all filled in'],
  dy_waiting: ['работ на проверку: {n}', 'hand-ins to check: {n}'],
});

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const parse = s => new Date(s + 'T00:00:00Z');
const iso = d => d.toISOString().slice(0, 10);
const shift = (s, n) => iso(new Date(parse(s).getTime() + n * 864e5));
const longDay = s => parse(s).toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

// Its own small stylesheet (kept out of the shell and pages.css), added once.
export function dayCss() {
  if (document.getElementById('day-css')) return Promise.resolve();
  return new Promise(done => {
    const link = h('link', { id: 'day-css', rel: 'stylesheet', href: new URL('../../css/day.css', import.meta.url).href });
    link.onload = link.onerror = done;
    document.head.append(link);
    setTimeout(done, 1500);
  });
}

export default async function day(ctx) {
  await dayCss();
  let node = await render(ctx);
  const refresh = async () => {
    if (ctx.signal.aborted) return;
    const fresh = await render(ctx).catch(() => null);
    if (fresh && !ctx.signal.aborted) { node.replaceWith(fresh); node = fresh; }
  };
  // A hand-in, a mark, a topic changed elsewhere; and lessons that begin while the page is open.
  live.on('journal.changed', refresh, ctx.signal);
  const timer = setInterval(refresh, 5 * 60e3);
  ctx.signal.addEventListener('abort', () => clearInterval(timer));
  return node;
}

function chips(x) {
  const l = x.lesson, out = [];
  const chip = (cls, text, title) => h('span', { class: 'dchip ' + cls, title: title || null }, text);
  if (x.needs.includes('topic')) out.push(chip('c-need', t('dy_topic'), t('dy_topic_full')));
  if (x.attendance.students) {
    const text = t('dy_attendance', { m: x.attendance.marked, n: x.attendance.students });
    out.push(chip(x.needs.includes('attendance') ? 'c-need' : x.attendance.marked === x.attendance.students ? 'c-ok' : 'c-info', text));
  }
  out.push(x.homework ? chip('c-ok', t('dy_hw_n', { n: x.homework })) : chip('c-info', t('dy_hw')));
  if (x.grades) out.push(chip('c-ok', t('dy_grades', { n: x.grades })));
  if (x.handInsToCheck) out.push(chip('c-check', t('dy_check', { n: x.handInsToCheck })));
  return l.status === 'cancelled' ? [] : out;
}

function card(x) {
  const l = x.lesson;
  const state = l.status === 'cancelled' ? 'cancelled' : x.needs.length ? 'needs' : x.started ? 'done' : 'soon';
  const where = [l.className + (l.groupName ? ' (' + l.groupName + ')' : ''), l.room ? t('dy_room', { r: l.room }) : ''].filter(Boolean).join(' · ');
  return h('li', { class: 'day-lesson', 'data-lesson-id': l.id, 'data-state': state, 'data-needs': x.needs.join(' ') || null },
    h('a', { class: 'day-card', href: '#/lesson/' + encodeURIComponent(l.id) },
      h('span', { class: 'l-time' }, h('strong', null, l.startsAt), h('span', null, l.endsAt)),
      h('span', { class: 'l-body' },
        h('strong', { class: 'l-subject' }, l.subjectName),
        h('span', { class: 'sub' }, where),
        l.topic ? h('span', { class: 'l-topic' }, l.topic) : null,
        state === 'cancelled' ? h('span', { class: 'l-badges' }, h('span', { class: 'lbadge lb-cancelled' }, t('dy_cancelled'))) : null,
        h('span', { class: 'day-chips' }, chips(x))),
      state === 'done' ? h('span', { class: 'day-state done', title: t('dy_done') }, t('dy_done'))
        : state === 'soon' ? h('span', { class: 'day-state soon' }, t('dy_soon')) : null));
}

async function render({ q }) {
  const asked = DAY.test(q.get('date') || '') ? q.get('date') : null;
  const d = await api('GET', '/me/day' + (asked ? '?date=' + asked : ''));
  const today = asked ? null : d.date;
  const link = date => '#/day?date=' + date;
  const toFill = d.lessons.filter(x => x.needs.length).length;
  const started = d.lessons.filter(x => x.started && x.lesson.status !== 'cancelled').length;
  const summary = d.lessons.length ? h('p', { id: 'day-summary', class: 'day-summary', role: 'status' },
    [t('dy_summary', { n: d.lessons.length }),
      toFill ? t('dy_to_fill', { n: toFill }) : started ? t('dy_all_done') : '',
      d.handInsToCheck ? t('dy_waiting', { n: d.handInsToCheck }) : ''].filter(Boolean).join(' · ')) : null;
  return page(t('dy_title'),
    h('nav', { class: 'day-nav', 'aria-label': t('dy_title') },
      h('a', { class: 'btn icon', href: link(shift(d.date, -1)), id: 'day-prev', 'aria-label': t('dy_prev'), title: t('dy_prev') }, '‹'),
      h('span', { id: 'day-label' }, longDay(d.date)),
      h('a', { class: 'btn icon', href: link(shift(d.date, 1)), id: 'day-next', 'aria-label': t('dy_next'), title: t('dy_next') }, '›'),
      today ? null : h('a', { class: 'btn link', href: '#/day', id: 'day-today' }, t('dy_today'))),
    summary,
    d.lessons.length ? h('ol', { id: 'day-lessons', class: 'day-lessons' }, d.lessons.map(card))
      : h('p', { id: 'day-empty', class: 'empty' }, t('dy_none')),
    h('p', null, h('a', { href: '#/schedule?from=' + shift(d.date, -((parse(d.date).getUTCDay() + 6) % 7)), id: 'day-week' }, t('dy_week'))));
}
