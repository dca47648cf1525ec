// #/school/<id>/import — the roster import (§2.1, §2.6): pick a CSV, see every bad row before anything
// is written (the preview), then import all rows in one go; the upload shows its progress. Also the
// roster export. Loaded on demand.
import { h, btn, sec, page, alertBox, statusBox, fail } from '../dom.js';
import { api, upload } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  im_title: ['Загрузка списков учеников', 'Roster import'],
  im_back: ['← К школе', '← School'],
  im_format: ['Файл CSV (в Excel: «Сохранить как» → «CSV UTF-8» или «CSV (разделители — запятые)»; кодировка UTF-8 или Windows-1251). Первая строка — заголовки: «Класс», «Ученик» и по желанию «Телефон ученика», «Email ученика», «Родитель», «Телефон родителя», «Email родителя» (и для второго родителя: «Родитель 2», «Телефон родителя 2», «Email родителя 2»). Разделитель — точка с запятой или запятая.',
    'A CSV file (in Excel: Save as → CSV UTF-8 or CSV (Comma delimited); UTF-8 or Windows-1251). The first row holds the headers: «Класс», «Ученик» and optionally «Телефон ученика», «Email ученика», «Родитель», «Телефон родителя», «Email родителя» (and «Родитель 2», «Телефон родителя 2», «Email родителя 2» for a second parent). Separated by semicolons or commas.'],
  im_file: ['Файл со списком', 'Roster file'],
  im_check: ['Проверить файл', 'Check the file'],
  im_uploading: ['Загрузка файла…', 'Uploading…'],
  im_rows: ['Строк: {n}. Новых учеников: {s}, новых родителей: {p}.', 'Rows: {n}. New students: {s}, new parents: {p}.'],
  im_by_class: ['По классам: {list}', 'By class: {list}'],
  im_errors: ['Ошибки ({n}): исправьте файл и проверьте снова — пока они есть, ничего не загрузится.',
    'Errors ({n}): fix the file and check again — nothing is imported while there are any.'],
  im_line: ['Строка', 'Line'], im_field: ['Поле', 'Field'], im_problem: ['Что не так', 'Problem'],
  f_class: ['класс', 'class'], f_student: ['ученик', 'student'], f_parent: ['родитель', 'parent'],
  im_ok: ['Ошибок нет: можно загружать.', 'No errors: ready to import.'],
  im_run: ['Загрузить в школу', 'Import'],
  im_done: ['Готово: загружено строк — {n}. Новых учеников: {s}, новых родителей: {p}.', 'Done: {n} rows imported. New students: {s}, new parents: {p}.'],
  im_export: ['Скачать текущий список (CSV)', 'Download the current roster (CSV)'],
});

export default async function importPage({ params: [schoolId] }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const school = await api('GET', base);
  const error = alertBox('import-error'), message = statusBox('import-message');
  const input = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv,text/plain', 'aria-describedby': 'import-format' });
  const bar = h('progress', { id: 'import-progress', max: 1, value: 0, hidden: true, 'aria-label': t('im_uploading') });
  const report = h('div', { id: 'import-report' });
  const check = btn('import-check', t('im_check'), 'primary', null, 'submit');
  const runBtn = btn('import-run', t('im_run'), 'primary');
  runBtn.hidden = true;

  // The file goes up as text/csv with upload progress (large files take a moment on a slow line).
  const send = async path => {
    const file = input.files[0];
    bar.hidden = false; bar.value = 0;
    try { return await upload(path, new Blob([file], { type: 'text/csv' }), p => { bar.value = p; }); } finally { bar.hidden = true; }
  };

  const show = r => {
    const summary = [h('p', { id: 'import-summary' }, t('im_rows', { n: r.rows, s: r.newStudents, p: r.newParents })),
      r.classes.length ? h('p', { class: 'sub' }, t('im_by_class', { list: r.classes.map(c => c.name + ': ' + c.students).join(', ') })) : null];
    if (r.errors.length) {
      report.replaceChildren(...summary, h('p', { id: 'import-has-errors', class: 'alert', role: 'alert' }, t('im_errors', { n: r.errors.length })),
        h('div', { class: 'table-wrap' }, h('table', { id: 'import-errors' },
          h('thead', null, h('tr', null, [t('im_line'), t('im_field'), t('im_problem')].map(x => h('th', { scope: 'col' }, x)))),
          h('tbody', null, r.errors.map(e => h('tr', { 'data-error': 'true', 'data-line': e.line },
            h('td', null, e.line), h('td', null, t('f_' + e.field)), h('td', null, e.message)))))));
      runBtn.hidden = true;
    } else {
      report.replaceChildren(...summary, h('p', { id: 'import-ready', class: 'ok' }, t('im_ok')));
      runBtn.hidden = false;
    }
  };

  const form = h('form', { id: 'import-form', novalidate: true },
    h('p', { id: 'import-format', class: 'hint' }, t('im_format')),
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('im_file')), input),
    check, bar, error, message, report, runBtn);
  input.onchange = () => { report.replaceChildren(); runBtn.hidden = true; message.textContent = ''; };
  form.onsubmit = async ev => {
    ev.preventDefault();
    error.textContent = ''; message.textContent = '';
    if (!input.files.length) { input.focus(); return; }
    check.setAttribute('aria-busy', 'true');
    try { show(await send(base + '/roster/preview')); } catch (e) { fail(error, e); } finally { check.removeAttribute('aria-busy'); }
  };
  runBtn.onclick = async () => {
    error.textContent = '';
    runBtn.setAttribute('aria-busy', 'true');
    try {
      const r = await send(base + '/roster/import');
      report.replaceChildren();
      runBtn.hidden = true;
      message.textContent = t('im_done', { n: r.rows, s: r.newStudents, p: r.newParents });
      message.focus();
    } catch (e) { fail(error, e); } finally { runBtn.removeAttribute('aria-busy'); }
  };

  return page(t('im_title'), h('p', { class: 'sub' }, school.shortName || school.name),
    h('p', null, h('a', { id: 'import-back', href: '#/school/' + encodeURIComponent(schoolId) }, t('im_back'))),
    form,
    sec('import-export', t('im_export'), h('a', { id: 'import-export-link', class: 'btn', href: '/api/v1' + base + '/roster.csv', download: 'roster.csv' }, t('im_export'))));
}
