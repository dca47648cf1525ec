// The lesson page's attendance and grades (#/lesson/<id>, issue 14 items 8, 9): for the lesson's
// teacher, «Все присутствуют» in one tap, then each student's presence (present / absent with a
// reason / late) and a grade of the chosen kind of work, each saved as it is picked; for the
// class's homeroom teacher, the subject's teachers and the administration the same, read only;
// for a student their own marks, for a parent their children's. Links to the class's grade sheet.
import { h, btn, alertBox } from '../dom.js';
import { api } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';
import { GRADE_TEXT, gradesCss } from './grades.js';

addStrings({
  lm_title: ['Посещаемость и оценки', 'Attendance and grades'], lm_mine: ['Мои отметки', 'My marks'],
  lm_all_present: ['Все присутствуют', 'Everyone is present'], lm_kind: ['Вид работы', 'Kind of work'],
  lm_present: ['Был', 'Present'], lm_absent: ['Н', 'Absent'], lm_late: ['Опоздал', 'Late'],
  lm_reason: ['Причина', 'Reason'], lm_reason_none: ['— не указана —', '— not given —'],
  lm_illness: ['Болезнь', 'Illness'], lm_excused: ['Уважительная', 'Excused'], lm_unexcused: ['Неуважительная', 'Unexcused'],
  lm_grade: ['Оценка', 'Grade'], lm_none: ['—', '—'], lm_sheet: ['Журнал класса по предмету', 'The class’s grade sheet'],
  lm_saved: ['Сохранено: {who}.', 'Saved: {who}.'], lm_all_saved: ['Отмечены все присутствующие.', 'Everyone marked present.'],
  lm_late_hint: ['Оценка, поставленная позже {when}, отмечается как поздняя (больше 7 дней после урока).', 'Grades entered after {when} are marked late (7 days after the lesson).'],
  lm_presence: ['Присутствие: {who}', 'Presence: {who}'], lm_not_marked: ['не отмечено', 'not marked'],
  lm_was: ['был(а) на уроке', 'present'], lm_was_absent: ['отсутствовал(а)', 'absent'], lm_was_late: ['опоздал(а)', 'late'],
  lm_no_grades: ['оценок нет', 'no grades'], lm_nobody: ['В классе нет учеников.', 'No students in the class.'],
});

const REASONS = ['illness', 'excused', 'unexcused'];
const presenceText = a => !a ? t('lm_not_marked') : a.status === 'present' ? t('lm_was') : a.status === 'late' ? t('lm_was_late')
  : t('lm_was_absent') + (a.reason ? ' (' + t('lm_' + a.reason).toLowerCase() + ')' : '');

export default async function lessonMarks(lesson) {
  let m;
  try { m = await api('GET', '/lessons/' + encodeURIComponent(lesson.id) + '/marks'); } catch { return null; }
  await gradesCss();
  const kinds = new Map(m.workKinds.map(k => [k.id, k]));
  const sheet = h('p', null, h('a', { id: 'marks-sheet', href: '#/class/' + encodeURIComponent(m.classId) + '/grades?subject=' + encodeURIComponent(m.subjectId) }, t('lm_sheet')));
  const teacher = m.canMark || !!m.markBlocked;
  if (!m.students.length) return teacher ? h('section', { id: 'lesson-marks', 'aria-labelledby': 'marks-h' }, h('h2', { id: 'marks-h' }, t('lm_title')), h('p', { class: 'empty' }, t('lm_nobody'))) : null;

  // Read only: a student's or a parent's own, or everyone's for those who read the journal.
  if (!m.canMark) {
    const own = m.students.length === 1 && !teacher;
    return h('section', { id: 'lesson-marks', 'aria-labelledby': 'marks-h' },
      h('h2', { id: 'marks-h' }, own ? t('lm_mine') : t('lm_title')),
      m.markBlocked ? h('p', { class: 'hint', id: 'marks-blocked' }, m.markBlocked) : null,
      h('ul', { class: 'list marks-read', id: 'marks-list' }, m.students.map(s => h('li', { 'data-student': s.id },
        h('strong', null, s.fullName), h('span', { class: 'sub' }, ' — ' + presenceText(s.attendance)),
        h('div', { class: 'grade-chips' }, s.grades.length ? s.grades.map(g => h('span', { class: 'grade-chip' + (g.late ? ' late' : ''), 'data-value': g.value },
          h('strong', null, GRADE_TEXT[g.value]), ' ' + ((kinds.get(g.workKindId) || {}).name || ''))) : h('span', { class: 'sub' }, t('lm_no_grades')))))),
      sheet);
  }

  const err = alertBox('marks-error');
  const status = h('p', { id: 'marks-status', role: 'status', class: 'sheet-status' });
  const active = m.workKinds.filter(k => !k.archived);
  const kindSel = h('select', { id: 'marks-kind' }, active.map(k => h('option', { value: k.id, selected: k.id === m.defaultWorkKindId }, k.name + ' (' + String(k.weight).replace('.', ',') + ')')));
  const values = Object.keys(GRADE_TEXT).sort((a, b) => (+b || -1) - (+a || -1)).filter(v => v !== '1' || m.usesOne);
  const rows = new Map();

  async function attend(student, status, reason) {
    err.textContent = '';
    try {
      const r = await api('PUT', '/lessons/' + encodeURIComponent(lesson.id) + '/attendance',
        { marks: [{ studentId: student.id, status, ...(status === 'absent' && reason ? { reason } : {}) }] });
      for (const a of r.items) { const row = rows.get(a.studentId); if (row) row.show(a); }
      setStatus(t('lm_saved', { who: student.fullName }));
    } catch (e) { err.textContent = e.message; }
  }
  async function grade(student, select) {
    err.textContent = '';
    const kind = kindSel.value, had = student.grades.find(g => g.workKindId === kind);
    try {
      if (!select.value) { if (had) await api('DELETE', '/grades/' + encodeURIComponent(had.id)); student.grades = student.grades.filter(g => g !== had); }
      else {
        const g = await api('PUT', '/lessons/' + encodeURIComponent(lesson.id) + '/grades', { studentId: student.id, workKindId: kind, value: select.value });
        student.grades = student.grades.filter(x => x.workKindId !== kind).concat([g]);
      }
      rows.get(student.id).others();
      setStatus(t('lm_saved', { who: student.fullName }));
    } catch (e) { err.textContent = e.message; select.value = had ? had.value : ''; }
  }
  // A status line that screen readers hear even when the same words come twice.
  const setStatus = text => { status.textContent = ''; setTimeout(() => { status.textContent = text; }, 30); };

  const list = h('ul', { class: 'marks-list', id: 'marks-list' }, m.students.map(s => {
    const name = 'att-' + s.id;
    const radios = ['present', 'absent', 'late'].map(v => h('label', { class: 'att-opt' },
      h('input', { type: 'radio', name, value: v, id: name + '-' + v, onchange: () => attend(s, v, reason.value) }), t('lm_' + v)));
    const reason = h('select', { id: 'reason-' + s.id, 'aria-label': t('lm_reason') + ': ' + s.fullName, onchange: () => attend(s, 'absent', reason.value) },
      h('option', { value: '' }, t('lm_reason_none')), REASONS.map(r => h('option', { value: r }, t('lm_' + r))));
    const gradeSel = h('select', { id: 'grade-' + s.id, 'aria-label': t('lm_grade') + ': ' + s.fullName, onchange: () => grade(s, gradeSel) },
      h('option', { value: '' }, t('lm_none')), values.map(v => h('option', { value: v }, GRADE_TEXT[v])));
    const others = h('span', { class: 'grade-chips' });
    const li = h('li', { 'data-student': s.id },
      h('fieldset', { class: 'att' }, h('legend', null, s.fullName), h('div', { class: 'att-opts' }, radios), reason),
      h('div', { class: 'grade-pick' }, gradeSel, others));
    const row = {
      show(a) {
        for (const r of radios) { const i = r.querySelector('input'); i.checked = !!a && i.value === a.status; }
        reason.hidden = !a || a.status !== 'absent';
        reason.value = a && a.reason ? a.reason : '';
        li.dataset.status = a ? a.status : '';
      },
      others() {
        const kind = kindSel.value, cur = s.grades.find(g => g.workKindId === kind);
        gradeSel.value = cur ? cur.value : '';
        others.replaceChildren(...s.grades.filter(g => g.workKindId !== kind).map(g =>
          h('span', { class: 'grade-chip' + (g.late ? ' late' : '') }, h('strong', null, GRADE_TEXT[g.value]), ' ' + ((kinds.get(g.workKindId) || {}).name || ''))));
      },
    };
    row.show(s.attendance); row.others();
    rows.set(s.id, row);
    return li;
  }));
  kindSel.onchange = () => { for (const r of rows.values()) r.others(); };
  const allPresent = btn('marks-all-present', t('lm_all_present'), 'primary', async () => {
    err.textContent = '';
    try {
      const r = await api('PUT', '/lessons/' + encodeURIComponent(lesson.id) + '/attendance', { allPresent: true });
      for (const a of r.items) { const row = rows.get(a.studentId); if (row) row.show(a); }
      setStatus(t('lm_all_saved'));
    } catch (e) { err.textContent = e.message; }
  });
  const lateAt = new Date(m.lateAfter).toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long' });
  return h('section', { id: 'lesson-marks', 'aria-labelledby': 'marks-h', class: 'lesson-marks' },
    h('h2', { id: 'marks-h' }, t('lm_title')),
    h('div', { class: 'marks-bar' }, allPresent, h('div', { class: 'field' }, h('label', { for: 'marks-kind' }, t('lm_kind')), kindSel)),
    list, status, err,
    h('p', { class: 'hint' }, t('lm_late_hint', { when: lateAt })),
    sheet);
}

export { journalLinks } from './grades.js';
