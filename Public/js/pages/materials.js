// The lesson page's «Материалы» (issue 14 item 5): links (opened in a new tab) and files (downloaded)
// for whoever reads the lesson; its teacher (or a keeper of the timetable — the server says who:
// `canEditMaterials`) adds a link, uploads files and removes items. The list is saved whole
// (PUT /lessons/<id>/materials) after each change. Loaded by `lesson()` in schedule.js.
import { h, btn, alertBox, statusBox, run, fmtSize } from '../dom.js';
import { api, upload, ApiError } from '../api.js';
import { t, addStrings } from '../i18n.js';
import { dayCss } from './day.js';

addStrings({
  mt_title: ['Материалы', 'Materials'], mt_none: ['Материалов к уроку пока нет.', 'No materials yet.'],
  mt_url: ['Ссылка', 'Link'], mt_url_hint: ['Адрес сайта, видео или документа: https://…', 'A site, video or document: https://…'],
  mt_link_title: ['Название', 'Title'], mt_link_title_hint: ['Пусто — будет адрес сайта.', 'Empty: the site’s address.'],
  mt_add_link: ['Добавить ссылку', 'Add the link'], mt_add_files: ['Загрузить файлы', 'Upload files'],
  mt_remove: ['Убрать', 'Remove'], mt_remove_label: ['Убрать: {title}', 'Remove: {title}'], mt_saved: ['Материалы сохранены.', 'Materials saved.'],
  mt_link: ['ссылка', 'link'], mt_new_tab: ['откроется в новой вкладке', 'opens in a new tab'], mt_need_url: ['Вставьте адрес ссылки.', 'Paste the link’s address.'],
  mt_add_h: ['Добавить материал', 'Add a material'], mt_too_big: ['Файл больше 20 МБ.', 'The file is over 20 MB.'],
});

const MAX_FILE = 20 * 1024 * 1024;
const input = m => m.kind === 'link' ? { kind: 'link', url: m.url, title: m.title } : { kind: 'file', fileId: m.file.id, title: m.title };
const ext = name => { const m = /\.([A-Za-z0-9]{1,4})$/.exec(name || ''); return m ? m[1].toUpperCase() : '…'; };
const host = url => { try { return new URL(url).host; } catch { return url; } };

export async function lessonMaterials(lesson) {
  const editable = !!lesson.canEditMaterials;
  let items = lesson.materials || [];
  if (!items.length && !editable) return null;
  await dayCss();
  const list = h('ul', { id: 'mat-list', class: 'mat-list' });
  const none = h('p', { id: 'mat-none', class: 'empty' }, t('mt_none'));
  const err = alertBox('mat-error'), ok = statusBox('mat-saved');

  const row = (m, i) => {
    const a = m.kind === 'link'
      ? h('a', { href: m.url, target: '_blank', rel: 'noopener noreferrer', class: 'mat-link' },
        h('span', { class: 'mat-ico', 'aria-hidden': 'true' }, '↗'),
        h('span', { class: 'mat-text' }, h('span', { class: 'mat-title' }, m.title),
          h('span', { class: 'sub' }, host(m.url), h('span', { class: 'visually-hidden' }, ' (' + t('mt_new_tab') + ')'))))
      : h('a', { href: '/api/v1/journal-files/' + encodeURIComponent(m.file.id), download: m.file.fileName, class: 'mat-file' },
        h('span', { class: 'mat-ico', 'aria-hidden': 'true' }, ext(m.file.fileName)),
        h('span', { class: 'mat-text' }, h('span', { class: 'mat-title' }, m.title),
          h('span', { class: 'sub' }, (m.title !== m.file.fileName ? m.file.fileName + ' · ' : '') + fmtSize(m.file.size))));
    return h('li', { 'data-material-id': m.id, 'data-kind': m.kind }, a,
      editable ? h('button', { type: 'button', class: 'btn link mat-remove', id: 'mat-remove-' + i, 'aria-label': t('mt_remove_label', { title: m.title }),
        onclick: () => save(items.filter(x => x !== m).map(input), document.getElementById('mat-remove-' + i)) }, t('mt_remove')) : null);
  };
  const show = () => {
    list.replaceChildren(...items.map(row));
    list.hidden = !items.length;
    none.hidden = !!items.length;
  };

  const parts = [list, none];
  let form = null;
  // Saves the whole list; a problem with the item just added is shown at its input.
  async function save(next, button, added) {
    ok.textContent = '';
    return run(form || list, button, async () => {
      try {
        items = (await api('PUT', '/lessons/' + encodeURIComponent(lesson.id) + '/materials', { items: next })).items;
      } catch (e) {
        if (e instanceof ApiError && e.fields) {
          const own = {}, last = 'items[' + (next.length - 1) + '].';
          for (const k in e.fields) own[added && k.startsWith(last) ? k.slice(last.length) : k] = e.fields[k];
          e.fields = own;
        }
        throw e;
      }
      show();
      ok.textContent = t('mt_saved');
    }, err, 'mat');
  }

  if (editable) {
    const url = h('input', { id: 'mat-url', name: 'url', type: 'url', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', maxlength: 2000,
      placeholder: 'https://', 'aria-describedby': 'mat-url-hint mat-url-error' });
    const title = h('input', { id: 'mat-title', name: 'title', maxlength: 200, autocomplete: 'off', 'aria-describedby': 'mat-title-hint mat-title-error' });
    const f = (id, label, el, hint) => h('div', { class: 'field' }, h('label', { for: id }, label), h('p', { class: 'hint', id: id + '-hint' }, hint), el,
      h('p', { class: 'ferr', id: id + '-error' }));
    const add = btn('mat-add-link', t('mt_add_link'), 'primary', null, 'submit');
    const file = h('input', { id: 'mat-file', type: 'file', multiple: true, class: 'visually-hidden-file' });
    const progress = h('progress', { id: 'mat-progress', max: 1, value: 0, hidden: true });
    form = h('form', { id: 'mat-form', class: 'card subform mat-add', novalidate: true, 'aria-labelledby': 'mat-add-h' },
      h('h3', { id: 'mat-add-h' }, t('mt_add_h')),
      f('mat-url', t('mt_url'), url, t('mt_url_hint')), f('mat-title', t('mt_link_title'), title, t('mt_link_title_hint')),
      h('div', { class: 'row' }, add, h('label', { class: 'btn', for: 'mat-file' }, t('mt_add_files')), file), progress);
    form.onsubmit = async e => {
      e.preventDefault();
      let v = url.value.trim();
      if (!v) {
        url.setAttribute('aria-invalid', 'true');
        document.getElementById('mat-url-error').textContent = t('mt_need_url');
        url.focus();
        return;
      }
      // «school.ru/page» typed on a phone: an address without a scheme is a web address.
      if (!/^[a-z][a-z0-9+.-]*:/i.test(v)) v = 'https://' + v;
      const failed = await save(items.map(input).concat({ kind: 'link', url: v, ...(title.value.trim() ? { title: title.value } : {}) }), add, true);
      if (!failed) { url.value = ''; title.value = ''; }
    };
    file.onchange = async () => {
      err.textContent = ''; ok.textContent = '';
      const picked = [...file.files];
      file.value = '';
      const uploaded = [];
      for (const x of picked) {
        if (x.size > MAX_FILE) { err.textContent = x.name + ': ' + t('mt_too_big'); continue; }
        const body = new FormData();
        body.append('file', x, x.name);
        progress.hidden = false; progress.value = 0;
        try { uploaded.push(await upload('/schools/' + encodeURIComponent(lesson.schoolId) + '/journal-files', body, p => { progress.value = p; })); }
        catch (e) { err.textContent = x.name + ': ' + (e.message || t('e_generic')); }
      }
      progress.hidden = true;
      if (uploaded.length) await save(items.map(input).concat(uploaded.map(u => ({ kind: 'file', fileId: u.id }))), null);
    };
    parts.push(form);
  }
  parts.push(err, ok);
  show();
  return h('section', { id: 'lesson-materials', 'aria-labelledby': 'mat-h' }, h('h2', { id: 'mat-h' }, t('mt_title')), parts);
}
