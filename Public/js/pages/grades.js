// #/class/<classId>/grades?subject=<id>&term=<1-4|year>&group=<id> — the class × subject grade
// sheet: students × the term's lessons (a column per lesson and kind of work), absences, live
// weighted averages, proposed and set term marks. Filled like a spreadsheet with the keyboard only
// (an ARIA grid with a roving tab stop): arrows move, 1–5 / н / + / − / о set a mark, Enter saves
// and moves down, Delete or Backspace clears, Escape undoes what was typed. A tap on a phone opens
// a row of big buttons instead. The sheet scrolls sideways in its own box with the names sticky.
// Without a subject: the class's subjects to pick from. Loaded on demand.
import { h, btn, page, alertBox } from '../dom.js';
import { api, loadMe } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';

addStrings({
  gs_title: ['Журнал: {subject}, {cls}', 'Grades: {subject}, {cls}'], gs_pick: ['Журнал {cls}', 'Grade book of {cls}'],
  gs_pick_hint: ['Выберите предмет.', 'Choose a subject.'], gs_no_subjects: ['У класса ещё нет расписания.', 'The class has no timetable yet.'],
  gs_student: ['Ученик', 'Student'], gs_avg: ['Ср. балл', 'Average'], gs_mark: ['Итог', 'Final'], gs_year: ['Год', 'Year'],
  gs_term_quarters: ['{n} четв.', 'Q{n}'], gs_term_trimesters: ['{n} трим.', 'T{n}'], gs_term_halves: ['{n} полуг.', 'H{n}'],
  gs_terms: ['Период', 'Period'], gs_groups: ['Группа', 'Group'], gs_no_lessons: ['В этом периоде уроков нет.', 'No lessons in this period.'],
  gs_tap: ['Нажмите на клетку, чтобы поставить отметку.', 'Tap a cell to set a mark.'],
  gs_keys: ['Клавиши: стрелки — переход, 1–5, н (отсутствовал), + (зачёт), − (незачёт), о (освобождён) — отметка, Enter — сохранить и вниз, Delete — стереть, Esc — отменить ввод.',
    'Keys: arrows move, 1–5, н (absent), + (pass), − (fail), о (exempt) set a mark, Enter saves and moves down, Delete clears, Esc undoes typing.'],
  gs_saved: ['Сохранено: {who} — {what}.', 'Saved: {who} — {what}.'], gs_cleared: ['Стёрто: {who}.', 'Cleared: {who}.'],
  gs_late: ['поставлена позже 7 дней после урока', 'entered more than 7 days after the lesson'],
  gs_absent: ['отсутствовал(а)', 'absent'], gs_came_late: ['опоздал(а)', 'late'],
  gs_proposed: ['предложено {m}', 'proposed {m}'], gs_set: ['выставлено {m}', 'set {m}'],
  gs_add: ['Добавить столбец', 'Add a column'], gs_add_lesson: ['Урок', 'Lesson'], gs_add_kind: ['Вид работы', 'Kind of work'],
  gs_pad: ['Отметка для ячейки', 'Mark for the cell'], gs_pad_clear: ['Стереть', 'Clear'], gs_pad_close: ['Закрыть', 'Close'],
  gs_back_lesson: ['← К расписанию', '← Timetable'], gs_readonly: ['Только просмотр.', 'Read only.'],
  gs_col: ['{date}, {kind}', '{date}, {kind}'], gs_term_col: ['Отметка за {term}', 'Mark for {term}'],
  gr_title: ['Оценки: шкала и виды работ', 'Grading: the scale and kinds of work'], gr_back: ['← К школе', '← School'],
  gr_uses_one: ['В школе ставят «1»', 'The school uses «1»'], gr_kinds: ['Виды работ и их вес', 'Kinds of work and their weight'],
  gr_kinds_hint: ['Вес — от 0,5 до 10 с шагом 0,5: средний балл взвешенный, итоговая отметка предлагается по правилу «от x,50 — вверх».',
    'Weight: 0.5 to 10 in steps of 0.5; the average is weighted, the proposed mark rounds x.50 and above up.'],
  gr_name: ['Вид работы', 'Kind of work'], gr_weight: ['Вес', 'Weight'], gr_save: ['Сохранить', 'Save'], gr_archive: ['В архив', 'Archive'],
  gr_restore: ['Вернуть', 'Restore'], gr_add: ['Добавить', 'Add'], gr_new: ['Новый вид работы', 'New kind of work'], gr_saved: ['Сохранено.', 'Saved.'],
  gr_archived: ['в архиве', 'archived'],
});

// How marks are written in the journal.
export const GRADE_TEXT = { 5: '5', 4: '4', 3: '3', 2: '2', 1: '1', pass: 'зач', fail: 'незач', absent: 'н', exempt: 'осв' };
export const TERM_TEXT = { 5: '5', 4: '4', 3: '3', 2: '2', 1: '1', pass: 'зач', fail: 'незач', exempt: 'осв', na: 'н/а' };
// Typed keys → a grade (the Russian letters and the same keys on a Latin layout).
const GRADE_KEYS = { 1: '1', 2: '2', 3: '3', 4: '4', 5: '5', 'н': 'absent', 'y': 'absent', '+': 'pass', '=': 'pass', '-': 'fail', '−': 'fail', 'о': 'exempt', 'j': 'exempt' };
const TERM_KEYS = { 1: '1', 2: '2', 3: '3', 4: '4', 5: '5', 'н': 'na', 'y': 'na', '+': 'pass', '=': 'pass', '-': 'fail', '−': 'fail', 'о': 'exempt', 'j': 'exempt' };

// The sheet's own stylesheet, added once (kept out of pages.css).
export function gradesCss() {
  if (document.getElementById('grades-css')) return Promise.resolve();
  return new Promise(done => {
    const link = h('link', { id: 'grades-css', rel: 'stylesheet', href: new URL('../../css/grades.css', import.meta.url).href });
    link.onload = link.onerror = done;
    document.head.append(link);
    setTimeout(done, 1500);
  });
}

// Weighted averages as the server makes them: weights in halves, hundredths rounded half up, the
// proposal from the average as shown (x.50 and above up).
export function averageOf(values, usesOne) {
  let s = 0, w = 0;
  for (const [value, halves] of values) { const n = Number(value); if (n >= 1 && n <= 5) { s += n * halves; w += halves; } }
  if (!w) return null;
  const hundredths = Math.floor((200 * s + w) / (2 * w));
  return { hundredths, text: (hundredths / 100).toFixed(2).replace('.', lang() === 'ru' ? ',' : '.'),
    proposal: String(Math.min(5, Math.max(usesOne ? 1 : 2, Math.floor((hundredths + 50) / 100)))) };
}

const dayMonth = s => new Date(s + 'T00:00:00Z').toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });
const short = s => s.slice(8, 10) + '.' + s.slice(5, 7);
// «Контрольная работа» → «Кр», «Работа на уроке» → «Ру», «Тест» → «Те» (short words like «на» skipped).
const abbr = name => {
  const words = name.split(/[\s-]+/).filter(w => w.length > 2);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : (words[0] || name).slice(0, 2);
  return letters.charAt(0).toUpperCase() + letters.slice(1).toLowerCase();
};

export default async function grades(ctx) {
  await gradesCss();
  if (ctx.view === 'grading') return grading(ctx);
  const { params: [classId], q, signal } = ctx;
  const subject = q.get('subject');
  if (!subject) return pickSubject(classId);
  const query = new URLSearchParams({ subjectId: subject });
  for (const [k, p] of [['term', 'term'], ['group', 'groupId']]) if (q.get(k)) query.set(p, q.get(k));
  const [me, s] = await Promise.all([loadMe(), api('GET', '/classes/' + encodeURIComponent(classId) + '/grade-sheet?' + query)]);
  return sheetPage(classId, s, me, signal);
}

async function pickSubject(classId) {
  const tt = await api('GET', '/classes/' + encodeURIComponent(classId) + '/timetable');
  const seen = new Map();
  for (const e of tt.entries) seen.set(e.subjectId, e.subjectName);
  const list = [...seen].sort((a, b) => a[1].localeCompare(b[1], 'ru'));
  return page(t('gs_pick', { cls: tt.className }),
    list.length ? [h('p', null, t('gs_pick_hint')), h('ul', { id: 'gs-subjects', class: 'chips-list' }, list.map(([id, name]) =>
      h('li', null, h('a', { class: 'btn', id: 'gs-subject-' + id, href: '#/class/' + encodeURIComponent(classId) + '/grades?subject=' + encodeURIComponent(id) }, name))))]
      : h('p', { class: 'empty' }, t('gs_no_subjects')));
}

function sheetPage(classId, s, me, signal) {
  const usesOne = s.usesOne;
  const kinds = new Map(s.workKinds.map(k => [k.id, k]));
  const halves = id => Math.round(((kinds.get(id) || {}).weight || 1) * 2);
  const lessons = new Map(s.lessons.map(l => [l.id, l]));
  const termWord = 'gs_term_' + ({ 4: 'quarters', 3: 'trimesters', 2: 'halves' }[s.terms.length] || 'quarters');
  const periodName = p => p === 'year' ? t('gs_year') : t(termWord, { n: p });
  const link = (term, group = s.groupId) => '#/class/' + encodeURIComponent(classId) + '/grades?' +
    new URLSearchParams({ subject: s.subjectId, term, ...(group ? { group } : {}) });
  const status = h('p', { id: 'sheet-status', class: 'sheet-status', role: 'status', 'aria-live': 'polite' });
  const err = alertBox('sheet-error');

  // Each student's marks by column key; columns: a lesson × kind (a term for the year view).
  const key = (lessonId, kindId) => lessonId + '|' + kindId;
  const rows = s.students.map(st => ({
    st, grades: new Map(st.grades.map(g => [key(g.lessonId, g.workKindId), g])),
    absences: new Map(st.absences.map(a => [a.lessonId, a])), mark: st.mark || null,
  }));
  const isYear = s.period === 'year';
  let columns = isYear
    ? s.terms.map(x => ({ term: String(x.number) }))
    : s.columns.map(c => ({ lessonId: c.lessonId, kindId: c.workKindId }));

  const table = h('table', { class: 'sheet', role: 'grid', 'aria-labelledby': 'page-title', 'aria-describedby': 'sheet-keys' });
  const box = h('div', { class: 'sheet-box', id: 'sheet-box' }, table);
  const pad = h('div', { id: 'sheet-pad', class: 'sheet-pad', role: 'toolbar', 'aria-label': t('gs_pad'), hidden: true });
  let cur = { r: 0, c: 0 };
  const nCols = () => columns.length + 2;   // + the average and the final mark

  function cellText(row, c) {
    if (c < columns.length) {
      const col = columns[c];
      if (isYear) { const m = row.st.termMarks.find(x => x.period === col.term); return m ? TERM_TEXT[m.value] : ''; }
      const g = row.grades.get(key(col.lessonId, col.kindId));
      if (g) return GRADE_TEXT[g.value];
      const first = columns.findIndex(x => x.lessonId === col.lessonId) === c;
      const a = row.absences.get(col.lessonId);
      return first && a ? (a.status === 'absent' ? 'н' : 'оп') : '';
    }
    if (c === columns.length) return averageText(row);
    return row.mark ? TERM_TEXT[row.mark.value] : '';
  }
  function average(row) {
    if (isYear) return averageOf(row.st.termMarks.map(m => [m.value, 2]), usesOne);
    return averageOf([...row.grades.values()].map(g => [g.value, halves(g.workKindId)]), usesOne);
  }
  function averageText(row) { const a = average(row); return a ? a.text : ''; }
  const editable = c => c < columns.length ? !isYear && !!(lessons.get(columns[c].lessonId) || {}).canMark : c === columns.length + 1 && s.canSetMarks;

  function header() {
    const ths = [h('th', { role: 'columnheader', 'aria-colindex': 1, scope: 'col', class: 'name' }, t('gs_student'))];
    columns.forEach((col, i) => {
      let label, full;
      if (isYear) { label = periodName(col.term); full = t('gs_term_col', { term: periodName(col.term) }); }
      else {
        const l = lessons.get(col.lessonId), k = kinds.get(col.kindId) || { name: '' };
        label = [h('span', { class: 'd' }, short(l.date)), h('abbr', { class: 'k', title: k.name }, abbr(k.name))];
        full = t('gs_col', { date: dayMonth(l.date), kind: k.name });
      }
      ths.push(h('th', { role: 'columnheader', 'aria-colindex': i + 2, scope: 'col', 'aria-label': full, title: full }, label));
    });
    ths.push(h('th', { role: 'columnheader', 'aria-colindex': columns.length + 2, scope: 'col', class: 'avg' }, t('gs_avg')));
    ths.push(h('th', { role: 'columnheader', 'aria-colindex': columns.length + 3, scope: 'col', class: 'fin' },
      isYear ? t('gs_year') : t('gs_mark')));
    return h('thead', null, h('tr', { role: 'row', 'aria-rowindex': 1 }, ths));
  }

  function cell(row, r, c) {
    const td = h('td', { role: 'gridcell', 'aria-colindex': c + 2, tabindex: '-1', 'data-r': r, 'data-c': c,
      'aria-readonly': editable(c) ? null : 'true', class: c === columns.length ? 'avg' : c === columns.length + 1 ? 'fin' : null });
    paint(td, row, c);
    return td;
  }
  function paint(td, row, c) {
    td.textContent = cellText(row, c);
    td.classList.remove('late', 'absence', 'proposed', 'pending');
    td.removeAttribute('title');
    if (c < columns.length && !isYear) {
      const col = columns[c], g = row.grades.get(key(col.lessonId, col.kindId));
      if (g && g.late) { td.classList.add('late'); td.title = t('gs_late'); }
      if (!g && td.textContent) { td.classList.add('absence'); td.title = td.textContent === 'н' ? t('gs_absent') : t('gs_came_late'); }
    }
    if (c === columns.length + 1) {
      const a = average(row);
      if (!row.mark && a) { td.textContent = a.proposal; td.classList.add('proposed'); td.title = t('gs_proposed', { m: a.proposal }); }
      else if (row.mark) td.title = t('gs_set', { m: TERM_TEXT[row.mark.value] });
    }
  }

  function body() {
    return h('tbody', null, rows.map((row, r) => h('tr', { role: 'row', 'aria-rowindex': r + 2, 'data-student': row.st.id },
      h('th', { role: 'rowheader', 'aria-colindex': 1, scope: 'row', class: 'name' }, row.st.fullName),
      Array.from({ length: nCols() }, (_, c) => cell(row, r, c)))));
  }

  function render(focus) {
    table.setAttribute('aria-rowcount', rows.length + 1);
    table.setAttribute('aria-colcount', nCols() + 1);
    table.replaceChildren(header(), body());
    // The one tab stop: the current cell (the first editable one at first).
    const start = table.querySelector(`td[data-r="${cur.r}"][data-c="${cur.c}"]`) || table.querySelector('td[role=gridcell]');
    if (start) start.tabIndex = 0;
    if (focus && start) start.focus();
  }
  const at = (r, c) => table.querySelector(`td[data-r="${r}"][data-c="${c}"]`);
  function move(r, c) {
    r = Math.max(0, Math.min(rows.length - 1, r)); c = Math.max(0, Math.min(nCols() - 1, c));
    const from = at(cur.r, cur.c), to = at(r, c);
    if (!to) return;
    if (from) from.tabIndex = -1;
    to.tabIndex = 0; to.focus();
    to.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    cur = { r, c };
  }
  function refreshRow(r) {
    for (let c = 0; c < nCols(); c++) { const td = at(r, c); if (td && !td._pending) paint(td, rows[r], c); }
  }

  const label = (c, v) => (c === columns.length + 1 ? TERM_TEXT : GRADE_TEXT)[v];
  // Typed, not saved yet.
  function type(td, value) {
    td._pending = value;
    td.textContent = label(+td.dataset.c, value);
    td.classList.add('pending');
  }
  function revert(td) { delete td._pending; paint(td, rows[+td.dataset.r], +td.dataset.c); }

  async function save(td, value) {
    const r = +td.dataset.r, c = +td.dataset.c, row = rows[r];
    delete td._pending;
    err.textContent = '';
    try {
      if (c === columns.length + 1) {
        if (value === null) {
          if (row.mark) await api('DELETE', '/term-marks/' + encodeURIComponent(row.mark.id));
          row.mark = null;
        } else {
          row.mark = await api('PUT', '/classes/' + encodeURIComponent(classId) + '/term-marks',
            { subjectId: s.subjectId, studentId: row.st.id, term: s.period, value });
        }
      } else {
        const col = columns[c], k = key(col.lessonId, col.kindId), had = row.grades.get(k);
        if (value === null) {
          if (had) await api('DELETE', '/grades/' + encodeURIComponent(had.id));
          row.grades.delete(k);
        } else {
          const g = await api('PUT', '/lessons/' + encodeURIComponent(col.lessonId) + '/grades',
            { studentId: row.st.id, workKindId: col.kindId, value });
          row.grades.set(k, g);
        }
      }
      status.textContent = value === null ? t('gs_cleared', { who: row.st.fullName }) : t('gs_saved', { who: row.st.fullName, what: label(c, value) });
      td.dataset.saved = value === null ? '' : value;
    } catch (e) {
      err.textContent = e.message || String(e);
    }
    refreshRow(r);
  }
  const commit = td => { if (td && td._pending !== undefined) return save(td, td._pending); };

  table.addEventListener('keydown', e => {
    const td = e.target.closest && e.target.closest('td[role=gridcell]');
    if (!td || e.altKey || e.ctrlKey || e.metaKey) return;
    const r = +td.dataset.r, c = +td.dataset.c;
    const go = (nr, nc) => { e.preventDefault(); commit(td); move(nr, nc); };
    switch (e.key) {
      case 'ArrowUp': return go(r - 1, c);
      case 'ArrowDown': return go(r + 1, c);
      case 'ArrowLeft': return go(r, c - 1);
      case 'ArrowRight': return go(r, c + 1);
      case 'Home': return go(r, 0);
      case 'End': return go(r, nCols() - 1);
      case 'Enter': return go(r + 1, c);
      case 'Escape': if (td._pending !== undefined) { e.preventDefault(); revert(td); } return;
      case 'Delete': case 'Backspace':
        if (!editable(c)) return;
        e.preventDefault(); save(td, null); return;
    }
    const keys = c === columns.length + 1 ? TERM_KEYS : GRADE_KEYS;
    const v = keys[e.key.toLowerCase()];
    if (v && editable(c) && (v !== '1' || usesOne)) { e.preventDefault(); type(td, v); }
  });
  table.addEventListener('focusout', e => {
    const td = e.target.closest && e.target.closest('td[role=gridcell]');
    if (td && !table.contains(e.relatedTarget) && !pad.contains(e.relatedTarget)) commit(td);
  });
  // A tap (not a key) on an editable cell: the big buttons.
  table.addEventListener('click', e => {
    const td = e.target.closest('td[role=gridcell]');
    if (!td) return;
    move(+td.dataset.r, +td.dataset.c);
    if (editable(+td.dataset.c)) showPad(td); else pad.hidden = true;
  });
  function showPad(td) {
    const c = +td.dataset.c, texts = c === columns.length + 1 ? TERM_TEXT : GRADE_TEXT;
    const values = Object.keys(texts).sort((a, b) => (+b || -1) - (+a || -1)).filter(v => v !== '1' || usesOne);
    pad.replaceChildren(...values.map(v => h('button', { type: 'button', class: 'btn', 'data-value': v, onclick: async () => {
      await save(td, v); pad.hidden = true; move(+td.dataset.r + 1, c);
    } }, texts[v])), btn('sheet-pad-clear', t('gs_pad_clear'), '', async () => { await save(td, null); pad.hidden = true; td.focus(); }),
    btn('sheet-pad-close', t('gs_pad_close'), 'link', () => { pad.hidden = true; td.focus(); }));
    pad.hidden = false;
  }

  // A column of another kind of work at one of the teacher's lessons.
  let adder = null;
  const mine = s.lessons.filter(l => l.canMark);
  if (!isYear && mine.length && s.seesAll) {
    const lessonSel = h('select', { id: 'sheet-add-lesson' }, mine.map(l => h('option', { value: l.id }, dayMonth(l.date))));
    lessonSel.value = mine[mine.length - 1].id;
    const kindSel = h('select', { id: 'sheet-add-kind' }, s.workKinds.filter(k => !k.archived).map(k => h('option', { value: k.id }, k.name)));
    adder = h('form', { id: 'sheet-add', class: 'sheet-add', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'sheet-add-lesson' }, t('gs_add_lesson')), lessonSel),
      h('div', { class: 'field' }, h('label', { for: 'sheet-add-kind' }, t('gs_add_kind')), kindSel),
      btn('sheet-add-go', t('gs_add'), '', null, 'submit'));
    adder.onsubmit = e => {
      e.preventDefault();
      const lessonId = lessonSel.value, kindId = kindSel.value;
      let c = columns.findIndex(x => x.lessonId === lessonId && x.kindId === kindId);
      if (c < 0) {
        const last = columns.map(x => x.lessonId).lastIndexOf(lessonId);
        c = last + 1;
        columns.splice(c, 0, { lessonId, kindId });
      }
      cur = { r: 0, c };
      render(true);
    };
  }

  const terms = h('nav', { class: 'segs sheet-terms', 'aria-label': t('gs_terms') },
    s.terms.map(x => String(x.number)).concat(['year']).map(p => h('a', { class: 'seg btn', id: 'sheet-term-' + p, href: link(p),
      'aria-current': p === s.period ? 'page' : null }, periodName(p))));
  const groups = s.groups.length > 1 ? h('nav', { class: 'segs sheet-groups', 'aria-label': t('gs_groups') }, s.groups.map(g =>
    h('a', { class: 'seg btn', id: 'sheet-group-' + g.id, href: link(s.period, g.id), 'aria-current': g.id === s.groupId ? 'page' : null }, g.name))) : null;

  cur = { r: 0, c: Math.max(0, columns.findIndex((_, i) => editable(i))) };
  render(false);
  const view = page(t('gs_title', { subject: s.subjectName, cls: s.className }),
    h('p', null, h('a', { href: '#/schedule' }, t('gs_back_lesson'))),
    terms, groups,
    rows.length && (columns.length || isYear) ? [
      s.seesAll && (mine.length || s.canSetMarks) ? h('p', { id: 'sheet-keys', class: 'hint' }, t('gs_tap'), ' ', t('gs_keys'))
        : h('p', { id: 'sheet-keys', class: 'hint' }, t('gs_readonly')),
      box, pad, status, err, adder,
    ] : h('p', { id: 'sheet-empty', class: 'empty' }, t('gs_no_lessons')));
  view.classList.add('wide', 'sheet-page');
  signal.addEventListener('abort', () => { for (const td of table.querySelectorAll('td')) delete td._pending; });
  return view;
}

// «Журналы» for a teacher's week: a link per class and subject they teach.
export async function journalLinks(me) {
  const teaching = me.memberships.filter(m => m.role === 'teacher' && m.verified);
  if (!teaching.length) return null;
  const items = [];
  try {
    for (const m of teaching) {
      const r = await api('GET', '/schools/' + encodeURIComponent(m.schoolId) + '/assignments?teacherId=' + encodeURIComponent(me.id));
      for (const a of r.items) if (!items.some(x => x.classId === a.classId && x.subjectId === a.subjectId)) items.push(a);
    }
  } catch { return null; }
  if (!items.length) return null;
  return h('section', { 'aria-labelledby': 'journals-h', class: 'journals' },
    h('h2', { id: 'journals-h' }, lang() === 'ru' ? 'Журналы' : 'Grade books'),
    h('ul', { class: 'chips-list', id: 'journal-links' }, items.map(a => h('li', null,
      h('a', { class: 'btn', id: 'journal-' + a.classId + '-' + a.subjectId,
        href: '#/class/' + encodeURIComponent(a.classId) + '/grades?subject=' + encodeURIComponent(a.subjectId) },
      a.className + ' · ' + a.subjectName)))));
}

// #/school/<id>/grading — the keepers set whether «1» is used and edit the kinds of work and their
// weights; everyone else reads them.
async function grading({ params: [schoolId] }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  let g = await api('GET', base + '/grading');
  const err = alertBox('grading-error');
  const ok = h('p', { id: 'grading-saved', class: 'ok', role: 'status' });
  const done = () => { ok.textContent = ''; setTimeout(() => { ok.textContent = t('gr_saved'); }, 30); };
  const fail = e => { err.textContent = e.message || String(e); };
  const scale = h('input', { type: 'checkbox', id: 'grading-uses-one', checked: g.usesOne, disabled: !g.canEdit,
    onchange: async () => { err.textContent = ''; try { g = await api('PUT', base + '/grading', { usesOne: scale.checked }); done(); } catch (e) { fail(e); scale.checked = g.usesOne; } } });
  const list = h('ul', { id: 'grading-kinds', class: 'list kinds' });
  const row = k => {
    const name = h('input', { id: 'kind-name-' + k.id, value: k.name, maxlength: 60, 'aria-label': t('gr_name'), disabled: !g.canEdit });
    const weight = h('input', { id: 'kind-weight-' + k.id, type: 'number', min: 0.5, max: 10, step: 0.5, value: k.weight, 'aria-label': t('gr_weight') + ': ' + k.name, disabled: !g.canEdit, class: 'weight' });
    const li = h('li', { 'data-kind-id': k.id, class: k.archived ? 'archived' : null }, name, weight,
      g.canEdit ? [btn('kind-save-' + k.id, t('gr_save'), '', async () => {
        err.textContent = '';
        try { Object.assign(k, await api('PATCH', '/work-kinds/' + encodeURIComponent(k.id), { name: name.value, weight: Number(weight.value) })); done(); } catch (e) { fail(e); }
      }), btn('kind-archive-' + k.id, k.archived ? t('gr_restore') : t('gr_archive'), 'link', async () => {
        err.textContent = '';
        try { Object.assign(k, await api('PATCH', '/work-kinds/' + encodeURIComponent(k.id), { archived: !k.archived })); li.replaceWith(row(k)); done(); } catch (e) { fail(e); }
      })] : h('span', { class: 'sub' }, k.archived ? t('gr_archived') : ''));
    return li;
  };
  list.append(...g.workKinds.map(row));
  let adder = null;
  if (g.canEdit) {
    const name = h('input', { id: 'kind-new-name', maxlength: 60 }), weight = h('input', { id: 'kind-new-weight', type: 'number', min: 0.5, max: 10, step: 0.5, value: 1, class: 'weight' });
    adder = h('form', { id: 'kind-new', class: 'sheet-add', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'kind-new-name' }, t('gr_new')), name),
      h('div', { class: 'field' }, h('label', { for: 'kind-new-weight' }, t('gr_weight')), weight),
      btn('kind-new-go', t('gr_add'), '', null, 'submit'));
    adder.onsubmit = async e => {
      e.preventDefault(); err.textContent = '';
      try { const k = await api('POST', base + '/work-kinds', { name: name.value, weight: Number(weight.value) }); list.append(row(k)); name.value = ''; done(); } catch (x) { fail(x); }
    };
  }
  return page(t('gr_title'),
    h('p', null, h('a', { href: '#/school/' + encodeURIComponent(schoolId) }, t('gr_back'))),
    h('label', { class: 'check', for: 'grading-uses-one' }, scale, t('gr_uses_one')),
    h('section', { 'aria-labelledby': 'grading-kinds-h' }, h('h2', { id: 'grading-kinds-h' }, t('gr_kinds')), h('p', { class: 'hint' }, t('gr_kinds_hint')), list, adder),
    err, ok);
}
