// #/school/<id>/timetable — the school year (terms, holidays, the working week), the bells, the
// subjects, the classes' timetables and the teachers' load, for the timetable's keepers
// (administrators, the director, deputies). #/school/<id>/timetable/<classId> — one class's week,
// edited as a form: a column per day on a wide screen, one day at a time on a phone; every clash
// the server finds is shown on its line, and nothing is saved while one remains. Loaded on demand.
import { h, btn, page, alertBox, statusBox, run, sec, $ } from '../dom.js';
import { api, ApiError } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';

addStrings({
  tt_title: ['Учебный год и расписание', 'School year and timetable'], tt_back: ['← К школе', '← School'],
  tt_year: ['Учебный год {y}', 'School year {y}'], tt_proposal: ['Это предложение: проверьте даты и сохраните.', 'A proposal: check the dates and save.'],
  tt_system: ['Деление года', 'Terms'], tt_quarters: ['Четверти', 'Quarters'], tt_trimesters: ['Триместры', 'Trimesters'], tt_halves: ['Полугодия', 'Halves'],
  tt_week: ['Учебная неделя', 'School week'], tt_five: ['Пятидневная', 'Five days'], tt_six: ['Шестидневная', 'Six days'],
  tt_term_quarters: ['{n}-я четверть', 'Quarter {n}'], tt_term_trimesters: ['{n}-й триместр', 'Trimester {n}'],
  tt_term_halves: ['{n}-е полугодие', 'Half {n}'], tt_from: ['с', 'from'], tt_to: ['по', 'to'],
  tt_holidays: ['Каникулы и выходные', 'Holidays and days off'], tt_add_holiday: ['Добавить', 'Add'], tt_holiday_title: ['Название', 'Title'],
  tt_remove: ['Убрать', 'Remove'], tt_bells: ['Звонки', 'Bells'], tt_shift: ['{n}-я смена', 'Shift {n}'], tt_add_period: ['Добавить урок', 'Add a period'],
  tt_second_shift: ['Есть вторая смена', 'There is a second shift'], tt_save: ['Сохранить', 'Save'],
  tt_saved: ['Сохранено.', 'Saved.'], tt_classes: ['Расписание классов', 'Class timetables'], tt_subjects: ['Предметы', 'Subjects'],
  tt_new_subject: ['Новый предмет', 'New subject'], tt_add: ['Добавить', 'Add'], tt_archive: ['В архив', 'Archive'], tt_restore: ['Вернуть', 'Restore'],
  tt_archived: ['в архиве', 'archived'], tt_load: ['Нагрузка учителей', 'Teachers’ load'], tt_hours: ['{n} ч в неделю', '{n} h a week'],
  tt_no_load: ['Расписание ещё не составлено.', 'No timetable yet.'], tt_period_n: ['{n}-й урок', 'Period {n}'],
  tt_class_title: ['Расписание {cls}', 'Timetable of {cls}'], tt_to_school: ['← Все классы', '← All classes'],
  tt_subject: ['Предмет', 'Subject'], tt_teacher: ['Учитель', 'Teacher'], tt_room: ['Каб.', 'Room'], tt_group: ['Группа', 'Group'],
  tt_whole: ['Весь класс', 'Whole class'], tt_none: ['—', '—'], tt_split: ['Ещё урок в это время (другой группе)', 'Another lesson at this time (another group)'],
  tt_made: ['Сохранено. Уроков создано: {c}, изменено: {u}, удалено: {r}.', 'Saved. Lessons created: {c}, changed: {u}, removed: {r}.'],
  tt_kept: [' Оставлено с записями в журнале: {k}.', ' Kept (they hold journal entries): {k}.'],
  tt_no_bells: ['Сначала задайте звонки на странице учебного года.', 'Set the bells on the school year page first.'],
  tt_heavy: ['{day}: {list} — предметы с самыми большими домашними заданиями в один день.', '{day}: {list} — the subjects with the most homework on one day.'],
  tt_per_week: ['Уроков в неделю: {n}', 'Lessons a week: {n}'], tt_pick_teacher: ['Выберите учителя.', 'Choose the teacher.'],
});

const DAYS = { ru: ['Понедельник', 'Вторник', 'Среда', 'Четверг', 'Пятница', 'Суббота'], en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] };
const SHORT = { ru: ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб'], en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] };
const base = id => '/schools/' + encodeURIComponent(id);

export default function timetable(ctx) {
  return ctx.view === 'class' ? classWeek(ctx) : overview(ctx);
}

async function overview({ params: [schoolId] }) {
  const [year, subjects, classes, load] = await Promise.all([
    api('GET', base(schoolId) + '/school-year'), api('GET', base(schoolId) + '/subjects?includeArchived=true'),
    api('GET', base(schoolId) + '/classes'), api('GET', base(schoolId) + '/teaching-load')]);
  return page(t('tt_title'),
    h('p', null, h('a', { href: '#/school/' + encodeURIComponent(schoolId) }, t('tt_back'))),
    sec('tt-classes', t('tt_classes'), h('ul', { id: 'tt-class-list', class: 'chips-list' },
      classes.items.filter(c => c.kind === 'regular').map(c => h('li', null,
        h('a', { class: 'btn', id: 'tt-class-' + c.id, href: '#/school/' + encodeURIComponent(schoolId) + '/timetable/' + encodeURIComponent(c.id) }, c.name))))),
    importSection(schoolId),
    yearForm(schoolId, year),
    subjectList(schoolId, subjects.items),
    sec('tt-load', t('tt_load'), load.items.length ? h('ul', { id: 'tt-load-list', class: 'list' }, load.items.map(x => h('li', null,
      h('strong', null, x.teacherName), ' — ', t('tt_hours', { n: x.hoursPerWeek }),
      h('div', { class: 'sub' }, x.parts.map(p => p.className + ' ' + p.subjectName + (p.groupName ? ' (' + p.groupName + ')' : '') + ' ×' + p.hours).join(', ')))))
      : h('p', { class: 'empty' }, t('tt_no_load'))));
}

function yearForm(schoolId, y) {
  const err = alertBox('year-error'), ok = statusBox('year-saved');
  const save = btn('year-save', t('tt_save'), 'primary', null, 'submit');
  const sel = (id, label, value, options) => h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, 'aria-describedby': id + '-error' }, options.map(([v, l]) => h('option', { value: v, selected: String(v) === String(value) }, l))),
    h('p', { class: 'ferr', id: id + '-error' }));
  const ferr = id => h('p', { class: 'ferr', id });
  const date = (id, value, label) => h('input', { type: 'date', id, value, 'aria-label': label, required: true });
  const termsBox = h('div', { id: 'year-terms', class: 'term-rows' });
  let termWord = 'tt_term_' + y.termSystem;
  const showTerms = (n, old) => termsBox.replaceChildren(...Array.from({ length: n }, (_, i) => {
    const x = old[i] || {}, name = t(termWord, { n: i + 1 });
    return h('div', { class: 'range-row', 'data-term': i + 1 }, h('span', { class: 'range-label' }, name),
      date('term-' + (i + 1) + '-from', x.startsOn || '', name + ', ' + t('tt_from')), '–',
      date('term-' + (i + 1) + '-to', x.endsOn || '', name + ', ' + t('tt_to')));
  }));
  showTerms(y.terms.length, y.terms);
  const system = sel('year-system', t('tt_system'), y.termSystem, [['quarters', t('tt_quarters')], ['trimesters', t('tt_trimesters')], ['halves', t('tt_halves')]]);
  system.querySelector('select').onchange = e => { termWord = 'tt_term_' + e.target.value; showTerms({ quarters: 4, trimesters: 3, halves: 2 }[e.target.value], readTerms()); };
  const readTerms = () => [...termsBox.children].map(r => ({ number: +r.dataset.term, startsOn: r.querySelector('input').value, endsOn: r.querySelectorAll('input')[1].value }));

  let holidayN = 0;
  const holidays = h('div', { id: 'year-holidays' });
  const addHoliday = x => {
    const n = ++holidayN;
    const row = h('div', { class: 'range-row holiday' },
      h('input', { id: 'holiday-' + n + '-title', value: x.title || '', maxlength: 100, 'aria-label': t('tt_holiday_title'), placeholder: t('tt_holiday_title') }),
      date('holiday-' + n + '-from', x.startsOn || '', t('tt_holidays') + ', ' + t('tt_from')), '–', date('holiday-' + n + '-to', x.endsOn || '', t('tt_holidays') + ', ' + t('tt_to')),
      h('button', { type: 'button', class: 'btn icon', 'aria-label': t('tt_remove'), title: t('tt_remove'), onclick: () => row.remove() }, '✕'));
    holidays.append(row);
  };
  y.daysOff.forEach(addHoliday);

  const shiftBox = shift => {
    const box = h('div', { class: 'bells', id: 'bells-' + shift, 'data-shift': shift });
    const add = b => {
      const n = box.children.length + 1;
      box.append(h('div', { class: 'range-row bell' }, h('span', { class: 'range-label' }, t('tt_period_n', { n })),
        h('input', { type: 'time', id: 'bell-' + shift + '-' + n + '-from', value: b ? b.startsAt : '', 'aria-label': t('tt_period_n', { n }) + ', ' + t('tt_from'), required: true }), '–',
        h('input', { type: 'time', id: 'bell-' + shift + '-' + n + '-to', value: b ? b.endsAt : '', 'aria-label': t('tt_period_n', { n }) + ', ' + t('tt_to'), required: true })));
    };
    y.bells.filter(b => b.shift === shift).forEach(add);
    return [box, h('div', { class: 'row' },
      btn('bell-add-' + shift, t('tt_add_period'), 'link', () => add(null)),
      btn('bell-remove-' + shift, t('tt_remove'), 'link', () => box.lastChild && box.lastChild.remove()))];
  };
  const second = h('input', { type: 'checkbox', id: 'year-second-shift', checked: y.bells.some(b => b.shift === 2) });
  const secondBox = h('div', { id: 'year-second-box' }, h('h3', null, t('tt_shift', { n: 2 })), shiftBox(2));
  secondBox.hidden = !second.checked;
  second.onchange = () => { secondBox.hidden = !second.checked; };

  const form = h('form', { id: 'year-form', class: 'card', novalidate: true },
    h('h2', { id: 'tt-year-h' }, t('tt_year', { y: y.academicYear + '/' + (y.academicYear + 1) })),
    y.configured ? null : h('p', { id: 'year-proposal', class: 'note' }, t('tt_proposal')),
    h('div', { class: 'two' }, system, sel('year-week', t('tt_week'), y.weekDays, [[5, t('tt_five')], [6, t('tt_six')]])),
    termsBox, ferr('year-terms-error'), ferr('year-academicYear-error'),
    h('h3', null, t('tt_holidays')), holidays, ferr('year-daysOff-error'), btn('holiday-add', t('tt_add_holiday'), 'link', () => { addHoliday({}); holidays.lastChild.querySelector('input').focus(); }),
    h('h3', null, t('tt_bells')), h('p', { class: 'sub' }, t('tt_shift', { n: 1 })), shiftBox(1),
    h('label', { class: 'check' }, second, ' ', t('tt_second_shift')), secondBox, ferr('year-bells-error'),
    err, save, ok);
  form.onsubmit = e => {
    e.preventDefault(); ok.textContent = '';
    run(form, save, async () => {
      const bells = [1, 2].filter(s => s === 1 || second.checked).flatMap(s => [...$('bells-' + s, form).children].map((r, i) => {
        const [a, b] = r.querySelectorAll('input');
        return { shift: s, number: i + 1, startsAt: a.value, endsAt: b.value };
      }));
      const daysOff = [...holidays.children].map(r => { const [a, b, c] = r.querySelectorAll('input'); return { title: a.value.trim(), startsOn: b.value, endsOn: c.value }; })
        .filter(x => x.title || x.startsOn || x.endsOn);
      await api('PUT', base(schoolId) + '/school-year', { academicYear: y.academicYear, termSystem: form.querySelector('#year-system').value,
        weekDays: +form.querySelector('#year-week').value, terms: readTerms(), daysOff, bells });
      const p = $('year-proposal'); if (p) p.remove();
      ok.textContent = t('tt_saved'); ok.focus();
    }, err, 'year', { termSystem: 'system', weekDays: 'week' });
  };
  return form;
}

function subjectList(schoolId, items) {
  const list = h('ul', { id: 'tt-subjects', class: 'list' });
  const err = alertBox('subject-error');
  const row = s => h('li', { 'data-subject-id': s.id, class: s.archived ? 'archived' : '' }, s.name, s.archived ? h('span', { class: 'sub' }, ' · ' + t('tt_archived')) : null, ' ',
    btn('subject-toggle-' + s.id, s.archived ? t('tt_restore') : t('tt_archive'), 'link', async ev => {
      try { const x = await api('PATCH', '/subjects/' + encodeURIComponent(s.id), { archived: !s.archived }); ev.target.closest('li').replaceWith(row(x)); }
      catch (e) { err.textContent = e.message; }
    }));
  list.append(...items.map(row));
  const name = h('input', { id: 'subject-name', maxlength: 100, 'aria-label': t('tt_new_subject'), placeholder: t('tt_new_subject') });
  const add = btn('subject-add', t('tt_add'), '', null, 'submit');
  const form = h('form', { id: 'subject-form', class: 'row', novalidate: true }, name, add, h('p', { class: 'ferr', id: 'subject-name-error' }));
  form.onsubmit = e => { e.preventDefault(); run(form, add, async () => {
    list.append(row(await api('POST', base(schoolId) + '/subjects', { name: name.value })));
    name.value = '';
  }, err, 'subject'); };
  const details = h('details', { id: 'tt-subjects-box' }, h('summary', null, t('tt_subjects') + ' (' + items.filter(s => !s.archived).length + ')'), list, form, err);
  return sec('tt-subj', t('tt_subjects'), details);
}

async function classWeek({ params: [schoolId, classId] }) {
  const [tt, subjects, groups, teachers] = await Promise.all([
    api('GET', '/classes/' + encodeURIComponent(classId) + '/timetable'), api('GET', base(schoolId) + '/subjects'),
    api('GET', '/classes/' + encodeURIComponent(classId) + '/groups'), allTeachers(schoolId)]);
  const err = alertBox('week-error'), ok = statusBox('week-saved');
  const save = btn('week-save', t('tt_save'), 'primary', null, 'submit');
  const subjectOptions = [['', t('tt_none')], ...subjects.items.map(s => [s.id, s.name])];
  const teacherOptions = [['', t('tt_none')], ...teachers.map(x => [x.userId, x.fullName])];
  for (const e of tt.entries) {
    if (!subjectOptions.some(o => o[0] === e.subjectId)) subjectOptions.push([e.subjectId, e.subjectName]);
    if (!teacherOptions.some(o => o[0] === e.teacherId)) teacherOptions.push([e.teacherId, e.teacherName]);
  }
  const options = (opts, value) => opts.map(([v, l]) => h('option', { value: v, selected: v === value }, l));
  const lines = [];
  const line = (day, period, e = {}) => {
    const key = day + '-' + period + '-' + lines.length;
    const el = h('div', { class: 'tt-line', 'data-day': day, 'data-period': period },
      h('select', { id: 'cell-' + key + '-subject', class: 'tt-subject', 'aria-label': t('tt_subject') + ', ' + DAYS[lang()][day - 1] + ', ' + t('tt_period_n', { n: period }) }, options(subjectOptions, e.subjectId || '')),
      h('select', { id: 'cell-' + key + '-teacher', class: 'tt-teacher', 'aria-label': t('tt_teacher') + ', ' + DAYS[lang()][day - 1] + ', ' + t('tt_period_n', { n: period }) }, options(teacherOptions, e.teacherId || '')),
      groups.items.length ? h('select', { id: 'cell-' + key + '-group', class: 'tt-group', 'aria-label': t('tt_group') }, options([['', t('tt_whole')], ...groups.items.map(g => [g.id, g.name])], e.groupId || '')) : null,
      h('input', { id: 'cell-' + key + '-room', class: 'tt-room', value: e.room || '', maxlength: 30, 'aria-label': t('tt_room') + ', ' + DAYS[lang()][day - 1] + ', ' + t('tt_period_n', { n: period }), placeholder: t('tt_room') }),
      h('p', { class: 'ferr', id: 'cell-' + key + '-error' }));
    lines.push(el);
    return el;
  };
  const days = Array.from({ length: tt.weekDays }, (_, i) => i + 1);
  const columns = days.map(d => h('fieldset', { class: 'tt-day', id: 'tt-day-' + d, 'data-day': d }, h('legend', null, DAYS[lang()][d - 1]),
    tt.bells.map(b => {
      const here = tt.entries.filter(e => e.weekday === d && e.period === b.number);
      const slot = h('div', { class: 'tt-slot', 'data-period': b.number },
        h('span', { class: 'tt-period' }, h('strong', null, String(b.number)), h('span', { class: 'sub' }, b.startsAt)),
        h('div', { class: 'tt-lines' }, (here.length ? here : [{}]).map(e => line(d, b.number, e))),
        groups.items.length ? h('button', { type: 'button', class: 'btn icon tt-split', 'aria-label': t('tt_split'), title: t('tt_split'),
          onclick: ev => ev.currentTarget.previousSibling.append(line(d, b.number)) }, '+') : null);
      return slot;
    })));
  const strip = h('div', { class: 'day-strip', role: 'group' }, days.map(d => h('button', { type: 'button', class: 'day-chip', id: 'tt-chip-' + d,
    onclick: () => pick(d), 'aria-label': DAYS[lang()][d - 1] }, h('span', null, SHORT[lang()][d - 1]))));
  const pick = d => {
    for (const c of columns) c.classList.toggle('on', +c.dataset.day === d);
    for (const b of strip.children) b.setAttribute('aria-pressed', String(b.id === 'tt-chip-' + d));
  };
  pick(1);
  const count = h('p', { id: 'week-count', class: 'sub' });
  const filled = () => lines.filter(l => l.isConnected && l.querySelector('.tt-subject').value);
  const recount = () => { count.textContent = t('tt_per_week', { n: filled().length }); };
  recount();
  const form = h('form', { id: 'week-form', novalidate: true, onchange: recount }, strip, h('div', { class: 'tt-grid' }, columns), count, err, save, ok);
  form.onsubmit = e => {
    e.preventDefault(); ok.textContent = '';
    const sent = filled();
    run(form, save, async () => {
      const noTeacher = sent.find(l => !l.querySelector('.tt-teacher').value);
      if (noTeacher) {
        pick(+noTeacher.dataset.day);
        noTeacher.querySelector('.tt-teacher').setAttribute('aria-invalid', 'true');
        noTeacher.querySelector('.ferr').textContent = t('tt_pick_teacher');
        noTeacher.querySelector('.tt-teacher').focus();
        throw new ApiError(400, 'validation_failed', t('tt_pick_teacher'));
      }
      try {
        const x = await api('PUT', '/classes/' + encodeURIComponent(classId) + '/timetable', { entries: sent.map(l => ({
          weekday: +l.dataset.day, period: +l.dataset.period, subjectId: l.querySelector('.tt-subject').value,
          teacherId: l.querySelector('.tt-teacher').value, room: l.querySelector('.tt-room').value,
          ...(l.querySelector('.tt-group') && l.querySelector('.tt-group').value ? { groupId: l.querySelector('.tt-group').value } : {}) })) });
        const g = x.lessonsGenerated;
        ok.textContent = g ? t('tt_made', { c: g.created, u: g.updated, r: g.removed }) + (g.kept ? t('tt_kept', { k: g.kept }) : '') : t('tt_saved');
        ok.focus();
      } catch (ex) {
        // The server names each bad line `entries[i]`: shown under that line, its day picked on a phone.
        const fields = ex.fields || {};
        let first = null;
        sent.forEach((l, i) => {
          const m = fields['entries[' + i + ']'];
          l.querySelector('.ferr').textContent = m || '';
          for (const c of l.querySelectorAll('select,input')) if (m) c.setAttribute('aria-invalid', 'true'); else c.removeAttribute('aria-invalid');
          if (m && !first) first = l;
        });
        // The lines carry the details; the box keeps the server's summary.
        ex.fields = null;
        if (first) { pick(+first.dataset.day); first.querySelector('select').focus(); }
        throw ex;
      }
    }, err, 'week');
  };
  if (!tt.bells.length) form.replaceChildren(h('p', { class: 'alert', id: 'week-no-bells' }, t('tt_no_bells')));
  // §5.1: the subjects with the most homework time should not fall on one day.
  const heavy = (tt.heavyDays || []).length ? h('ul', { id: 'tt-heavy', class: 'alert tt-heavy' }, tt.heavyDays.map(x =>
    h('li', null, t('tt_heavy', { day: DAYS[lang()][x.weekday - 1] || x.weekday, list: x.subjects.join(', ') })))) : null;
  const view = page(t('tt_class_title', { cls: tt.className }),
    h('p', null, h('a', { href: '#/school/' + encodeURIComponent(schoolId) + '/timetable' }, t('tt_to_school'))), heavy, form);
  view.classList.add('wide');
  return view;
}

async function allTeachers(schoolId) {
  const out = [];
  for (let p = 1; p < 20; p++) {
    const r = await api('GET', base(schoolId) + '/members?role=teacher&verified=true&perPage=100&page=' + p);
    out.push(...r.items);
    if (out.length >= r.total || !r.items.length) break;
  }
  return out;
}

// The timetable from a CSV file (one lesson a row: «Класс;День;Урок;Предмет;Учитель;Группа;Кабинет»):
// check it — every bad row listed with its line and reason, nothing written while one remains —
// then load it: the weeks of the classes in the file are replaced in one go and their lessons follow.
// The current timetables download in the same format, the template to fill.
function importSection(schoolId) {
  addStrings({
    ti_title: ['Загрузка расписания из файла', 'Timetable from a file'],
    ti_format: ['Файл CSV (в Excel: «Сохранить как» → «CSV UTF-8» или «CSV (разделители — запятые)»; UTF-8 или Windows-1251), один урок в строке. Столбцы: Класс; День; Урок; Предмет; Учитель; Группа; Кабинет. День — «Пн»…«Сб» или 1–6, урок — номер по звонкам, учитель — ФИО, как в списке школы; группа и кабинет — по желанию. Расписание классов из файла будет заменено целиком, остальных классов — останется.',
      'A CSV file (in Excel: Save as → CSV UTF-8 or CSV (Comma delimited); UTF-8 or Windows-1251), one lesson a row. Columns: Класс; День; Урок; Предмет; Учитель; Группа; Кабинет. Day: Пн…Сб or 1–6; period: its number in the bells; teacher: the full name as in the school’s list; group and room are optional. The weeks of the classes in the file are replaced; other classes keep theirs.'],
    ti_template: ['Скачать шаблон и текущее расписание (CSV)', 'Download the template and current timetables (CSV)'],
    ti_file: ['Файл с расписанием', 'Timetable file'], ti_check: ['Проверить файл', 'Check the file'],
    ti_rows: ['Строк: {n}. Классов: {k}.', 'Rows: {n}. Classes: {k}.'],
    ti_by_class: ['Уроков в неделю: {list}', 'Lessons a week: {list}'],
    ti_errors: ['Ошибки ({n}): исправьте файл и проверьте снова — пока они есть, ничего не загрузится.',
      'Errors ({n}): fix the file and check again — nothing is loaded while there are any.'],
    ti_line: ['Строка', 'Line'], ti_field: ['Столбец', 'Column'], ti_problem: ['Что не так', 'Problem'],
    ti_f_file: ['Файл', 'File'], ti_f_class: ['Класс', 'Class'], ti_f_day: ['День', 'Day'], ti_f_period: ['Урок', 'Period'], ti_f_subject: ['Предмет', 'Subject'],
    ti_f_teacher: ['Учитель', 'Teacher'], ti_f_group: ['Группа', 'Group'], ti_f_room: ['Кабинет', 'Room'],
    ti_ok: ['Ошибок нет: можно загружать. Расписание этих классов будет заменено.', 'No errors: ready to load. These classes’ weeks will be replaced.'],
    ti_run: ['Загрузить расписание', 'Load the timetable'],
    ti_done: ['Готово: загружено расписание классов {list}. Уроков создано: {c}, изменено: {u}, удалено: {r}.',
      'Done: timetables of {list} loaded. Lessons created: {c}, changed: {u}, removed: {r}.'],
  });
  const path = base(schoolId);
  const error = alertBox('tt-import-error'), message = statusBox('tt-import-message');
  const input = h('input', { id: 'tt-import-file', type: 'file', accept: '.csv,text/csv,text/plain', 'aria-describedby': 'tt-import-format' });
  const report = h('div', { id: 'tt-import-report' });
  const check = btn('tt-import-check', t('ti_check'), 'primary', null, 'submit');
  const load = btn('tt-import-run', t('ti_run'), 'primary');
  load.hidden = true;
  // upload() and fail() are taken here rather than in the module's imports: this section is all the import adds to the page.
  const tools = () => Promise.all([import('../api.js'), import('../dom.js')]).then(([a, d]) => ({ upload: a.upload, fail: d.fail }));
  const send = async to => (await tools()).upload(path + to, new Blob([input.files[0]], { type: 'text/csv' }), () => {});
  const show = r => {
    const summary = [h('p', { id: 'tt-import-summary' }, t('ti_rows', { n: r.rows, k: r.classes.length })),
      r.classes.length ? h('p', { class: 'sub' }, t('ti_by_class', { list: r.classes.map(c => c.name + ' — ' + c.lessons).join(', ') })) : null];
    load.hidden = r.errors.length > 0;
    report.replaceChildren(...summary, ...(r.errors.length ? [
      h('p', { id: 'tt-import-has-errors', class: 'alert', role: 'alert' }, t('ti_errors', { n: r.errors.length })),
      h('div', { class: 'table-wrap' }, h('table', { id: 'tt-import-errors' },
        h('thead', null, h('tr', null, [t('ti_line'), t('ti_field'), t('ti_problem')].map(x => h('th', { scope: 'col' }, x)))),
        h('tbody', null, r.errors.map(e => h('tr', { 'data-line': e.line, 'data-field': e.field },
          h('td', null, e.line), h('td', null, t('ti_f_' + e.field)), h('td', null, e.message))))))]
      : [h('p', { id: 'tt-import-ready', class: 'ok' }, t('ti_ok'))]));
  };
  const form = h('form', { id: 'tt-import-form', novalidate: true },
    h('p', { id: 'tt-import-format', class: 'hint' }, t('ti_format')),
    h('div', { class: 'field' }, h('label', { for: 'tt-import-file' }, t('ti_file')), input),
    check, error, message, report, load);
  input.onchange = () => { report.replaceChildren(); load.hidden = true; message.textContent = ''; error.textContent = ''; };
  form.onsubmit = async ev => {
    ev.preventDefault();
    error.textContent = ''; message.textContent = '';
    if (!input.files.length) { input.focus(); return; }
    check.setAttribute('aria-busy', 'true');
    try { show(await send('/timetable/preview')); } catch (e) { (await tools()).fail(error, e); } finally { check.removeAttribute('aria-busy'); }
  };
  load.onclick = async () => {
    if (load.getAttribute('aria-busy')) return;
    error.textContent = '';
    load.setAttribute('aria-busy', 'true');
    try {
      const r = await send('/timetable/import'), g = r.lessonsGenerated || { created: 0, updated: 0, removed: 0 };
      report.replaceChildren();
      load.hidden = true;
      message.textContent = t('ti_done', { list: r.classes.map(c => c.name).join(', '), c: g.created, u: g.updated, r: g.removed });
      message.focus();
    } catch (e) { (await tools()).fail(error, e); } finally { load.removeAttribute('aria-busy'); }
  };
  return sec('tt-import', t('ti_title'), form,
    h('p', null, h('a', { id: 'tt-import-template', class: 'btn', href: '/api/v1' + path + '/timetable.csv', download: 'timetable.csv' }, t('ti_template'))));
}
