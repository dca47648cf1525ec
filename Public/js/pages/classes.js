// #/school/<id>/classes — the school's classes (§2.1): create one or a parallel, rename, archive, restore.
// Loaded on demand (not part of the shell).
import { h, btn, sec, page, field, alertBox, statusBox, run, fail, yearLabel } from '../dom.js';
import { api } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  pr_title: ['Новый учебный год', 'New school year'],
  pr_show: ['Показать, что изменится', 'Show what will change'],
  pr_hint: ['Каждый класс {from} переходит на год старше в {to}; 11-е классы выпускаются и уходят в архив.',
    'Every class of {from} moves one grade up into {to}; 11th grades graduate and are archived.'],
  pr_step: ['{from} → {to} (учеников: {n})', '{from} → {to} ({n} students)'],
  pr_grad: ['{from} — выпуск (учеников: {n})', '{from} graduates ({n} students)'],
  pr_conflict: ['Сначала разберитесь с классами, которые уже есть в новом году: {list}.', 'First resolve the classes that already exist in the new year: {list}.'],
  pr_none: ['Переводить некого: нет действующих классов.', 'Nothing to promote: no active classes.'],
  pr_go: ['Перевести все классы', 'Promote every class'],
  pr_confirm: ['Перевести все классы {from} на следующий учебный год? Это действие нельзя отменить.', 'Promote every class of {from} to the next year? This cannot be undone.'],
  pr_done: ['Классы переведены в {to}.', 'Classes promoted to {to}.'],
  cl_title: ['Классы школы', 'School classes'],
  cl_back: ['← К профилю школы', '← School profile'],
  cl_add: ['Добавить классы', 'Add classes'],
  cl_names: ['Класс или параллель', 'Class or parallel'],
  cl_names_hint: ['Например: 5Б, 5А–5Г или 5А, 5В, 6Б', 'For example: 5Б, 5А–5Г or 5А, 5В, 6Б'],
  cl_year: ['Учебный год', 'School year'],
  cl_create: ['Создать', 'Create'],
  cl_created: ['Созданы: {names}', 'Created: {names}'],
  cl_list: ['Список классов', 'Classes'],
  cl_show_archived: ['Показывать архивные', 'Show archived'],
  cl_students: ['учеников: {n}', 'students: {n}'],
  cl_archived: ['в архиве', 'archived'],
  cl_rename: ['Переименовать', 'Rename'],
  cl_new_name: ['Новое название класса {name}', 'New name of class {name}'],
  cl_save: ['Сохранить', 'Save'],
  cl_cancel: ['Отмена', 'Cancel'],
  cl_archive: ['В архив', 'Archive'],
  cl_restore: ['Вернуть из архива', 'Restore'],
  cl_renamed: ['Класс {old} теперь {name}.', 'Class {old} is now {name}.'],
  cl_archived_msg: ['Класс {name} перенесён в архив.', 'Class {name} archived.'],
  cl_restored_msg: ['Класс {name} возвращён из архива.', 'Class {name} restored.'],
  cl_empty: ['Классов пока нет: добавьте первые выше.', 'No classes yet: add the first ones above.'],
  cl_staff_room: ['учительская', 'staff room'],
});

// The school year starts on 1 September.
const currentYear = () => { const d = new Date(); return d.getMonth() >= 8 ? d.getFullYear() : d.getFullYear() - 1; };

export default async function classes({ params: [schoolId] }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const school = await api('GET', base);
  const mayChange = school.permissions.manageStructure;
  let showArchived = false;

  const message = statusBox('classes-message'), error = alertBox('classes-error');
  const list = h('ul', { id: 'classes-list', class: 'list' });

  async function refresh() {
    const { items } = await api('GET', base + '/classes' + (showArchived ? '?includeArchived=true' : ''));
    list.replaceChildren(...(items.length > 1 ? items : items.concat([null])).map(c => c ? row(c) : h('li', { id: 'classes-empty', class: 'empty' }, t('cl_empty'))));
  }

  // One class: name, details, and for administrators rename / archive / restore.
  function row(c) {
    const staff = c.kind === 'staff_room';
    const li = h('li', { 'data-class-id': c.id, 'data-archived': String(c.archived), 'data-kind': c.kind });
    const details = [staff ? t('cl_staff_room') : t('cl_students', { n: c.studentCount }), yearLabel(c.academicYear)];
    if (c.archived) details.push(t('cl_archived'));
    const show = () => {
      const actions = !mayChange || staff ? [] : c.archived
        ? [btn('class-restore-' + c.id, t('cl_restore'), '', () => act(c, { archived: false }, 'cl_restored_msg'))]
        : [btn('class-rename-' + c.id, t('cl_rename'), '', edit), btn('class-archive-' + c.id, t('cl_archive'), '', () => act(c, { archived: true }, 'cl_archived_msg'))];
      li.replaceChildren(h('strong', { class: 'class-name' }, c.name), ' ', h('span', { class: 'sub' }, details.join(' · ')),
        actions.length ? h('div', { class: 'row-actions' }, actions) : null);
    };
    const edit = () => {
      const box = alertBox('class-rename-error-' + c.id);
      const save = btn('class-save-' + c.id, t('cl_save'), 'primary', null, 'submit');
      const form = h('form', { id: 'class-form-' + c.id, novalidate: true },
        field('class', 'name-' + c.id, t('cl_new_name', { name: c.name }), { value: c.name, req: true, max: 20 }),
        box, save, btn('class-cancel-' + c.id, t('cl_cancel'), '', show));
      form.onsubmit = ev => {
        ev.preventDefault();
        run(form, save, async () => {
          const updated = await api('PATCH', '/classes/' + encodeURIComponent(c.id), { name: form.elements['name-' + c.id].value.trim() });
          await refresh();
          say(t('cl_renamed', { old: c.name, name: updated.name }));
        }, box, 'class', { name: 'name-' + c.id });
      };
      li.replaceChildren(form);
      form.elements['name-' + c.id].focus();
    };
    show();
    return li;
  }

  async function act(c, patch, done) {
    error.textContent = '';
    try {
      const updated = await api('PATCH', '/classes/' + encodeURIComponent(c.id), patch);
      await refresh();
      say(t(done, { name: updated.name }));
    } catch (e) { fail(error, e); }
  }
  const say = text => { message.textContent = text; message.focus(); };

  const kids = [h('p', null, h('a', { id: 'classes-back', href: '#/school/' + encodeURIComponent(school.id) }, t('cl_back')))];
  if (mayChange) {
    const addError = alertBox('classes-add-error');
    const submit = btn('classes-add-submit', t('cl_create'), 'primary', null, 'submit');
    const y = currentYear();
    const form = h('form', { id: 'classes-add-form', novalidate: true },
      field('classes-add', 'names', t('cl_names'), { req: true, hint: t('cl_names_hint'), max: 200 }),
      field('classes-add', 'academicYear', t('cl_year'), { options: [[String(y), yearLabel(y)], [String(y + 1), yearLabel(y + 1)]], value: String(y) }),
      addError, submit);
    form.onsubmit = ev => {
      ev.preventDefault();
      message.textContent = '';   // an old «Созданы…» must not stand beside a new error
      run(form, submit, async () => {
        const { items } = await api('POST', base + '/classes', {
          names: form.elements.names.value.trim(), academicYear: Number(form.elements.academicYear.value) });
        form.elements.names.value = '';
        await refresh();
        say(t('cl_created', { names: items.map(c => c.name).join(', ') }));
      }, addError, 'classes-add');
    };
    kids.push(sec('classes-add', t('cl_add'), form));
    kids.push(promotion(base, refresh, say));
  }
  const toggle = h('input', { id: 'classes-show-archived', type: 'checkbox', onchange: async ev => {
    showArchived = ev.target.checked;
    try { await refresh(); } catch (e) { fail(error, e); }
  } });
  kids.push(message, error, sec('classes', t('cl_list'),
    h('p', null, h('label', { for: 'classes-show-archived', class: 'check' }, toggle, ' ', t('cl_show_archived'))), list));
  await refresh();
  const view = page(t('cl_title'), h('p', { class: 'sub' }, school.shortName || school.name), kids);
  return view;
}

// The new school year: first the plan (nothing changes), then one confirmed action.
function promotion(base, refresh, say) {
  const box = h('div', { id: 'promotion-plan' }), err = alertBox('promotion-error');
  const show = btn('promotion-show', t('pr_show'), '', async () => {
    err.textContent = '';
    try {
      const plan = await api('GET', base + '/promotion');
      if (!plan.classes.length) { box.replaceChildren(h('p', { class: 'empty' }, t('pr_none'))); return; }
      const from = yearLabel(plan.fromYear), to = yearLabel(plan.fromYear + 1);
      const go = btn('promotion-go', t('pr_go'), 'danger', async () => {
        if (!confirm(t('pr_confirm', { from }))) return;
        try { await api('POST', base + '/promotion', { fromYear: plan.fromYear }); box.replaceChildren(); await refresh(); say(t('pr_done', { to })); }
        catch (e) { fail(err, e); }
      });
      box.replaceChildren(h('p', { class: 'hint' }, t('pr_hint', { from, to })),
        h('ul', { id: 'promotion-steps', class: 'list' }, plan.classes.map(c => h('li', { 'data-class-id': c.classId },
          c.to ? t('pr_step', { from: c.from, to: c.to, n: c.students }) : t('pr_grad', { from: c.from, n: c.students })))),
        plan.conflicts.length ? h('p', { class: 'alert' }, t('pr_conflict', { list: plan.conflicts.join(', ') })) : go);
    } catch (e) { fail(err, e); }
  });
  return sec('promotion', t('pr_title'), show, err, box);
}
