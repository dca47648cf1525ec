// Homework (issue 14 items 6–7). `lessonHomework(lesson, me)` is the lesson page's section: its
// teacher sets homework with the day's load against the grade's limit shown while typing (and a
// warning to confirm before an overload); students and parents see what is set and due there.
// #/homework/<id> — one homework: a student hands in text and files (again until it is checked);
// the teacher sees who handed in and who did not, returns with a comment or accepts. On demand.
import { h, btn, page, alertBox, statusBox, run, sec, fmtDate, fmtSize } from '../dom.js';
import { api, upload, loadMe } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';

addStrings({
  hw_title: ['Домашнее задание', 'Homework'], hw_set_here: ['Задано на этом уроке', 'Set at this lesson'], hw_due_here: ['К этому уроку', 'Due at this lesson'],
  hw_none: ['Не задано.', 'Nothing set.'], hw_text: ['Что задано', 'What to do'], hw_minutes: ['Минут на выполнение', 'Minutes it takes'],
  hw_due: ['Срок', 'Due'], hw_due_hint: ['Пусто — к следующему уроку по предмету.', 'Empty: the next lesson of the subject.'],
  hw_files: ['Файлы', 'Files'], hw_add: ['Задать', 'Set'], hw_set: ['Задание сохранено.', 'Homework saved.'],
  hw_load: ['На {date} у {cls}: {m} из {limit} мин', 'On {date}, {cls}: {m} of {limit} min'],
  hw_overload: ['Больше нормы для {g}-го класса!', 'Over the limit for grade {g}!'],
  hw_anyway: ['Всё равно задать', 'Set it anyway'], hw_change: ['Изменить', 'Change it'],
  hw_due_at: ['Сдать к {when}', 'Due {when}'], hw_min: ['{n} мин', '{n} min'], hw_late_post: ['задано с опозданием', 'set late'],
  hw_over_mark: ['сверх нормы', 'over the limit'], hw_handed: ['Сдали: {n} из {of}', 'Handed in: {n} of {of}'],
  hw_open: ['Открыть', 'Open'], hw_hand_in: ['Сдать работу', 'Hand in'],
  st_submitted: ['Сдано', 'Handed in'], st_returned: ['На доработке', 'Returned'], st_accepted: ['Принято', 'Accepted'], st_none: ['Не сдано', 'Not handed in'],
  st_late: ['с опозданием', 'late'], hw_answer: ['Ответ', 'Answer'], hw_send: ['Сдать', 'Hand in'], hw_send_again: ['Сдать заново', 'Hand in again'],
  hw_sent: ['Работа сдана.', 'Handed in.'], hw_comment: ['Комментарий учителя', 'Teacher’s comment'], hw_your_comment: ['Комментарий', 'Comment'],
  hw_return: ['Вернуть на доработку', 'Return for rework'], hw_accept: ['Принять', 'Accept'], hw_students: ['Работы учеников', 'Students’ work'],
  hw_child_status: ['Работа ребёнка', 'The child’s work'], hw_grade: ['Оценка', 'Grade'], hw_no_grade: ['без оценки', 'no grade'],
  hw_pass: ['зачёт', 'pass'], hw_fail: ['незачёт', 'fail'], hw_uploading: ['Загрузка…', 'Uploading…'], hw_remove: ['Убрать файл', 'Remove the file'],
});

const dayMonth = d => new Date(d + 'T00:00:00Z').toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });
const fileLink = f => h('a', { href: '/api/v1/journal-files/' + encodeURIComponent(f.id), class: 'file-link', download: f.fileName },
  f.fileName, h('span', { class: 'sub' }, ' · ' + fmtSize(f.size)));
const status = s => h('span', { class: 'lbadge st-' + (s ? s.status : 'none') }, t('st_' + (s ? s.status : 'none')) + (s && s.late ? ' · ' + t('st_late') : ''));

// Files picked by the person, uploaded at once; `ids()` are the uploaded ones.
function filePicker(schoolId, id, initial = []) {
  const files = [...initial];
  const list = h('ul', { class: 'file-list' });
  const err = alertBox(id + '-error');
  const show = () => list.replaceChildren(...files.map((f, i) => h('li', null, f.fileName, ' ',
    h('button', { type: 'button', class: 'btn icon', 'aria-label': t('hw_remove') + ': ' + f.fileName, title: t('hw_remove'),
      onclick: () => { files.splice(i, 1); show(); } }, '✕'))));
  const input = h('input', { type: 'file', id, multiple: true, class: 'file-input' });
  input.onchange = async () => {
    err.textContent = '';
    for (const file of input.files) {
      const form = new FormData();
      form.append('file', file, file.name);
      try { files.push(await upload('/schools/' + encodeURIComponent(schoolId) + '/journal-files', form, () => {})); show(); }
      catch (e) { err.textContent = e.message || t('e_generic'); }
    }
    input.value = '';
  };
  show();
  return { node: h('div', { class: 'field' }, h('label', { for: id }, t('hw_files')), input, list, err), ids: () => files.map(f => f.id) };
}

function card(x, forStaff) {
  return h('li', { class: 'hw-card', 'data-homework-id': x.id },
    h('p', { class: 'hw-text' }, x.text),
    x.files.length ? h('p', { class: 'hw-files' }, x.files.map(fileLink)) : null,
    h('p', { class: 'sub' }, [t('hw_due_at', { when: dayMonth(x.dueDate) }), t('hw_min', { n: x.minutes }), x.late ? t('hw_late_post') : '',
      x.overload ? t('hw_over_mark') : '', forStaff && x.audienceCount != null ? t('hw_handed', { n: x.handedIn, of: x.audienceCount }) : ''].filter(Boolean).join(' · ')),
    h('p', { class: 'row' }, forStaff ? null : status(x.submission),
      h('a', { class: 'btn', href: '#/homework/' + encodeURIComponent(x.id), id: 'hw-open-' + x.id }, forStaff ? t('hw_open') : t('hw_hand_in'))));
}

export async function lessonHomework(lesson, mine) {
  const me = await loadMe();
  const data = await api('GET', '/lessons/' + encodeURIComponent(lesson.id) + '/homework');
  const staff = mine || !me.memberships.some(m => ['student', 'parent'].includes(m.role) && m.schoolId.toLowerCase() === lesson.schoolId.toLowerCase());
  const setList = h('ul', { id: 'hw-set-list', class: 'hw-list' }, data.setHere.map(x => card(x, staff)));
  const parts = [
    h('h3', null, t('hw_set_here')), data.setHere.length ? setList : h('p', { class: 'empty', id: 'hw-set-none' }, t('hw_none')),
    data.dueHere.length ? [h('h3', null, t('hw_due_here')), h('ul', { id: 'hw-due-list', class: 'hw-list' }, data.dueHere.map(x => card(x, staff)))] : null];
  if (mine) {
    const err = alertBox('hw-error'), ok = statusBox('hw-saved');
    const save = btn('hw-save', t('hw_add'), 'primary', null, 'submit');
    const text = h('textarea', { id: 'hw-text', rows: 3, maxlength: 5000, required: true, 'aria-describedby': 'hw-text-error' });
    const minutes = h('input', { id: 'hw-minutes', type: 'number', min: 1, max: 600, inputmode: 'numeric', required: true, 'aria-describedby': 'hw-minutes-error' });
    const due = h('input', { id: 'hw-dueDate', type: 'date', min: lesson.date, 'aria-describedby': 'hw-dueDate-hint hw-dueDate-error' });
    const files = filePicker(lesson.schoolId, 'hw-file');
    const load = h('p', { id: 'hw-load', class: 'hw-load', role: 'status' });
    const confirmBox = h('div', { id: 'hw-confirm', class: 'alert', hidden: true });
    let timer = 0;
    const showLoad = () => { clearTimeout(timer); timer = setTimeout(async () => {
      try {
        const q = new URLSearchParams({ minutes: minutes.value || 0, ...(due.value ? { dueDate: due.value } : {}) });
        const l = await api('GET', '/lessons/' + encodeURIComponent(lesson.id) + '/homework-load?' + q);
        load.textContent = t('hw_load', { date: dayMonth(l.date), cls: l.className, m: l.minutes, limit: l.limitMinutes }) + (l.overload ? ' — ' + t('hw_overload', { g: l.grade }) : '');
        load.classList.toggle('over', l.overload);
      } catch (e) { load.textContent = e.message || ''; load.classList.remove('over'); }
    }, 250); };
    minutes.oninput = showLoad; due.onchange = showLoad;
    showLoad();
    const f = (id, label, input, hint) => h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null, input,
      h('p', { class: 'ferr', id: id + '-error' }));
    const form = h('form', { id: 'hw-form', class: 'card subform', novalidate: true },
      f('hw-text', t('hw_text'), text), h('div', { class: 'two' }, f('hw-minutes', t('hw_minutes'), minutes), f('hw-dueDate', t('hw_due'), due, t('hw_due_hint'))),
      files.node, load, confirmBox, err, save, ok);
    const send = confirmOverload => run(form, save, async () => {
      confirmBox.hidden = true;
      try {
        const x = await api('POST', '/lessons/' + encodeURIComponent(lesson.id) + '/homework', { text: text.value, minutes: +minutes.value || 0,
          ...(due.value ? { dueDate: due.value } : {}), fileIds: files.ids(), confirmOverload });
        const none = document.getElementById('hw-set-none');
        if (none) none.replaceWith(setList);
        setList.append(card(x, true));
        text.value = ''; minutes.value = ''; ok.textContent = t('hw_set'); showLoad();
      } catch (e) {
        if (e.code !== 'homework_overload') throw e;
        // The warning before an overload: the figures, and the choice to save anyway.
        confirmBox.replaceChildren(h('p', null, e.message), h('div', { class: 'row' },
          btn('hw-anyway', t('hw_anyway'), 'danger', () => send(true)), btn('hw-change', t('hw_change'), '', () => { confirmBox.hidden = true; minutes.focus(); })));
        confirmBox.hidden = false;
        document.getElementById('hw-anyway').focus();
      }
    }, err, 'hw');
    form.onsubmit = e => { e.preventDefault(); ok.textContent = ''; send(false); };
    parts.push(form);
  }
  return sec('lesson-hw', t('hw_title'), parts);
}

export default async function homeworkPage({ params: [id] }) {
  const me = await loadMe();
  const x = await api('GET', '/homework/' + encodeURIComponent(id));
  const inSchool = role => me.memberships.some(m => m.role === role && m.schoolId.toLowerCase() === x.schoolId.toLowerCase());
  const isStudent = x.audienceCount == null && inSchool('student');
  const isTeacher = x.teacherId === me.id;
  const parts = [
    h('p', null, h('a', { href: '#/lesson/' + encodeURIComponent(x.lessonId) }, '← ' + x.subjectName + ', ' + x.className)),
    h('p', { class: 'sub', id: 'hw-meta' }, [t('hw_due_at', { when: dayMonth(x.dueDate) }), t('hw_min', { n: x.minutes }), x.teacherName].join(' · ')),
    h('div', { class: 'card' }, h('p', { class: 'hw-text', id: 'hw-body' }, x.text), x.files.length ? h('p', { class: 'hw-files' }, x.files.map(fileLink)) : null)];
  if (isStudent) parts.push(handInForm(x));
  else if (x.submission) parts.push(sec('hw-child', t('hw_child_status'), submissionView(x.submission)));
  if (isTeacher || x.audienceCount != null) parts.push(await handIns(x, isTeacher));
  return page(t('hw_title') + ': ' + x.subjectName, parts);
}

function submissionView(s) {
  return h('div', { class: 'card', id: 'hw-my-submission' }, h('p', null, status(s), ' ', h('span', { class: 'sub' }, fmtDate(s.submittedAt)),
    s.grade ? h('span', { class: 'hw-grade', id: 'hw-my-grade' }, ' ' + t('hw_grade') + ': ', h('strong', null, s.grade)) : null),
    s.text ? h('p', { class: 'hw-text' }, s.text) : null, s.files.length ? h('p', { class: 'hw-files' }, s.files.map(fileLink)) : null,
    s.comment ? h('div', { class: 'hw-comment', id: 'hw-teacher-comment' }, h('strong', null, t('hw_comment') + ': '), s.comment) : null);
}

function handInForm(x) {
  const box = h('div');
  const draw = s => {
    const err = alertBox('handin-error'), ok = statusBox('handin-saved');
    const nodes = [s ? submissionView(s) : null];
    if (!s || s.status !== 'accepted') {
      const save = btn('handin-save', s ? t('hw_send_again') : t('hw_send'), 'primary', null, 'submit');
      const text = h('textarea', { id: 'handin-text', rows: 4, maxlength: 10000, 'aria-describedby': 'handin-text-error' }, s ? s.text : '');
      const files = filePicker(x.schoolId, 'handin-file', s ? s.files : []);
      const form = h('form', { id: 'handin-form', class: 'card subform', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'handin-text' }, t('hw_answer')), text, h('p', { class: 'ferr', id: 'handin-text-error' })),
        files.node, err, save, ok);
      form.onsubmit = e => { e.preventDefault(); run(form, save, async () => {
        const saved = await api('PUT', '/homework/' + encodeURIComponent(x.id) + '/submission', { text: text.value, fileIds: files.ids() });
        draw(saved);
        document.getElementById('handin-saved').textContent = t('hw_sent');
      }, err, 'handin'); };
      nodes.push(form);
    }
    box.replaceChildren(...nodes.filter(Boolean));
  };
  draw(x.submission);
  return sec('hw-handin', t('hw_hand_in'), box);
}

async function handIns(x, isTeacher) {
  const data = await api('GET', '/homework/' + encodeURIComponent(x.id) + '/submissions');
  const row = r => {
    const s = r.submission;
    const li = h('li', { class: 'handin', 'data-student-id': r.studentId }, h('p', null, h('strong', null, r.studentName), ' ', status(s)));
    if (s) {
      li.append(s.text ? h('p', { class: 'hw-text' }, s.text) : '', s.files.length ? h('p', { class: 'hw-files' }, s.files.map(fileLink)) : '');
      if (isTeacher && s.status === 'submitted') {
        const err = alertBox('check-error-' + s.id);
        const comment = h('textarea', { id: 'check-comment-' + s.id, rows: 2, maxlength: 2000, 'aria-label': t('hw_your_comment') + ': ' + r.studentName });
        const grade = h('select', { id: 'check-grade-' + s.id, 'aria-label': t('hw_grade') + ': ' + r.studentName },
          [['', t('hw_no_grade')], ['5', '5'], ['4', '4'], ['3', '3'], ['2', '2'], ['pass', t('hw_pass')], ['fail', t('hw_fail')]]
            .map(([v, l]) => h('option', { value: v }, l)));
        const decide = decision => run(form, null, async () => {
          const saved = await api('POST', '/submissions/' + encodeURIComponent(s.id) + '/check', { decision, comment: comment.value,
            ...(grade.value ? { grade: { value: grade.value } } : {}) });
          li.replaceWith(row({ ...r, submission: saved }));
        }, err, 'check-' + s.id);
        const form = h('form', { class: 'check-form', novalidate: true, onsubmit: e => e.preventDefault() }, comment,
          h('label', { class: 'inline' }, t('hw_grade'), ' ', grade), err,
          h('div', { class: 'row' }, btn('check-return-' + s.id, t('hw_return'), '', () => decide('return')), btn('check-accept-' + s.id, t('hw_accept'), 'primary', () => decide('accept'))));
        li.append(form);
      } else {
        if (s.grade) li.append(h('p', null, t('hw_grade') + ': ', h('strong', null, s.grade)));
        if (s.comment) li.append(h('p', { class: 'hw-comment' }, h('strong', null, t('hw_comment') + ': '), s.comment));
      }
    }
    return li;
  };
  const handed = data.students.filter(r => r.submission).length;
  return sec('hw-handins', t('hw_students') + ' · ' + t('hw_handed', { n: handed, of: data.students.length }),
    h('ul', { id: 'handin-list', class: 'list' }, data.students.map(row)));
}
