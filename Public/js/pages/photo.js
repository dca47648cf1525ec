// The profile photo on #/account: the current one (or the initials), a new one chosen with a
// preview and saved with progress, removing it. Loaded on demand (with pages.css), not in the shell.
import { h, btn, sec, alertBox, statusBox, fail } from '../dom.js';
import { api, upload, setMe, session } from '../api.js';
import { t, addStrings } from '../i18n.js';
import { avatar, photoURL } from '../avatars.js';

addStrings({
  ph_title: ['Фото профиля', 'Profile photo'],
  ph_hint: ['Фото видят люди вашей школы и ваших чатов. JPEG или PNG до 10 МБ. Сервер хранит только маленькие квадратные копии — без данных о том, где и когда сделан снимок.',
    'People of your school and your chats see it. JPEG or PNG up to 10 MB. The server keeps only small square copies — without where and when the picture was taken.'],
  ph_pick: ['Выбрать фото', 'Choose a photo'], ph_change: ['Сменить фото', 'Change the photo'],
  ph_save: ['Сохранить фото', 'Save the photo'], ph_cancel: ['Отмена', 'Cancel'], ph_remove: ['Удалить фото', 'Remove the photo'],
  ph_saved: ['Фото сохранено.', 'Photo saved.'], ph_removed: ['Фото удалено.', 'Photo removed.'],
  ph_type: ['Выберите изображение JPEG или PNG.', 'Choose a JPEG or PNG image.'], ph_size: ['Файл больше 10 МБ.', 'The file is over 10 MB.'],
  ph_current: ['Ваше фото', 'Your photo'], ph_preview: ['Выбранное фото (ещё не сохранено)', 'The chosen photo (not saved yet)'],
  ph_uploading: ['Загрузка фото', 'Uploading the photo'],
});

export function photoSection(me) {
  if (!document.getElementById('pages-css')) {
    document.head.append(h('link', { id: 'pages-css', rel: 'stylesheet', href: new URL('../../css/pages.css', import.meta.url).href }));
  }
  const err = alertBox('photo-error'), ok = statusBox('photo-saved');
  const shown = h('div', { id: 'photo-current' });
  const file = h('input', { id: 'photo-file', type: 'file', accept: 'image/jpeg,image/png', class: 'visually-hidden-file' });
  const pick = h('label', { for: 'photo-file', class: 'btn' });
  const bar = h('progress', { id: 'photo-progress', max: 1, value: 0, hidden: true, 'aria-label': t('ph_uploading') });
  const save = btn('photo-save', t('ph_save'), 'primary');
  const cancel = btn('photo-cancel', t('ph_cancel'), 'link');
  const remove = btn('photo-remove', t('ph_remove'), 'danger');
  let chosen = null;   // { file, url (a data: URL — the CSP allows no blob: images) }
  const show = () => {
    const u = session.me || me;
    shown.replaceChildren(chosen ? h('img', { id: 'photo-preview', class: 'avatar large photo', src: chosen.url, alt: t('ph_preview') })
      : u.photo ? h('img', { id: 'photo-image', class: 'avatar large photo', src: photoURL(u.id, u.photo, 256), alt: t('ph_current'), width: 128, height: 128 })
        : avatar(u.fullName, u.id, 'large'));
    pick.textContent = t(u.photo ? 'ph_change' : 'ph_pick');
    save.hidden = cancel.hidden = !chosen;
    remove.hidden = !!chosen || !u.photo;
  };
  const done = (text, focus) => { chosen = null; file.value = ''; show(); ok.textContent = text; (focus || ok).focus(); };
  file.onchange = () => {
    err.textContent = ''; ok.textContent = '';
    const f = file.files[0];
    if (!f) return;
    const problem = !/^image\/(jpeg|png)$/.test(f.type) ? 'ph_type' : f.size > 10 * 1024 * 1024 ? 'ph_size' : null;
    if (problem) { err.textContent = t(problem); file.value = ''; return; }
    const reader = new FileReader();
    reader.onload = () => { chosen = { file: f, url: reader.result }; show(); save.focus(); };
    reader.readAsDataURL(f);
  };
  save.onclick = async () => {
    if (!chosen || save.getAttribute('aria-busy')) return;
    err.textContent = '';
    const body = new FormData();
    body.append('file', chosen.file, chosen.file.name);
    bar.hidden = false; bar.value = 0;
    save.setAttribute('aria-busy', 'true');
    try {
      setMe(await upload('/me/photo', body, p => { bar.value = p; }, 'PUT'));
      done(t('ph_saved'));
    } catch (e) { fail(err, e); } finally { bar.hidden = true; save.removeAttribute('aria-busy'); }
  };
  cancel.onclick = () => { chosen = null; file.value = ''; show(); pick.focus(); };
  remove.onclick = async () => {
    err.textContent = '';
    try { setMe(await api('DELETE', '/me/photo')); done(t('ph_removed')); } catch (e) { fail(err, e); }
  };
  show();
  return sec('photo', t('ph_title'),
    h('div', { class: 'photo-row' }, shown,
      h('div', null, h('p', { class: 'hint' }, t('ph_hint')), h('p', { class: 'row-actions' }, pick, file, save, cancel, remove), bar)),
    err, ok);
}
