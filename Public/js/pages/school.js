// #/school/<id> — the school's home: for its administrators a dashboard (first steps with their
// progress, what waits for them, live), then classes, channels, the profile and its edit form.
import { h, btn, sec, page, field, alertBox, statusBox, run, dl, yearLabel } from '../dom.js';
import { api } from '../api.js';
import { t, lang } from '../i18n.js';

const FIELDS = ['name', 'shortName', 'address', 'region', 'inn', 'phone', 'email', 'website', 'directorName', 'timezone'];
// Russia's time zones: IANA id, UTC offset, Russian name (English shows the IANA city).
const ZONES = [['Europe/Kaliningrad', 2, 'Калининград'], ['Europe/Moscow', 3, 'Москва'], ['Europe/Samara', 4, 'Самара'],
  ['Asia/Yekaterinburg', 5, 'Екатеринбург'], ['Asia/Omsk', 6, 'Омск'], ['Asia/Novosibirsk', 7, 'Новосибирск'],
  ['Asia/Krasnoyarsk', 7, 'Красноярск'], ['Asia/Irkutsk', 8, 'Иркутск'], ['Asia/Yakutsk', 9, 'Якутск'],
  ['Asia/Vladivostok', 10, 'Владивосток'], ['Asia/Magadan', 11, 'Магадан'], ['Asia/Kamchatka', 12, 'Камчатка']];

export default async function school({ params: [id] }) {
  const path = '/schools/' + encodeURIComponent(id);
  let s;
  try { s = await api('GET', path); } catch (e) {
    if (e.status === 404 || e.status === 403) return page(t('schoolNotFound'), h('p', { id: 'school-not-found', class: 'alert' }, t('schoolNotFoundText')));
    throw e;
  }
  const profile = h('div');
  const title = page(s.canEdit ? s.shortName || s.name : s.name);
  const h1 = title.firstChild;
  const showProfile = () => {
    h1.textContent = s.canEdit ? s.shortName || s.name : s.name;
    profile.replaceChildren(dl('school-profile', [
      [t('shortName'), s.shortName], [t('address'), s.address], [t('region'), s.region], [t('inn'), s.inn],
      [t('phone'), s.phone], [t('email'), s.email], [t('website'), s.website], [t('director'), s.directorName],
      [t('timezone'), zoneLabel(s.timezone)],
    ]));
  };
  showProfile();

  const p = s.permissions, homeroom = new Set(p.homeroomClassIds || []);
  // The administrators' dashboard comes on demand (nobody else needs its code).
  const kids = [s.canEdit ? await (await import('./dashboard.js')).default(id, s, p) : null, profile,
    sec('school-classes', t('classes'),
      h('ul', { id: 'school-classes', class: 'list' }, (s.classes || []).map(c => h('li', { 'data-class-id': c.id, 'data-kind': c.kind },
        // The class page (roster, homeroom teacher) opens for the administration and the class's homeroom teacher.
        p.viewMembers || homeroom.has(c.id)
          ? h('a', { id: 'school-class-' + c.id, href: '#/class/' + encodeURIComponent(c.id) }, h('strong', null, c.name))
          : h('strong', null, c.name), ' ', h('span', { class: 'sub' },
          c.kind === 'staff_room' ? t('staffRoom') : t('gradeN', { g: c.grade ?? '—' }), ' · ', yearLabel(c.academicYear),
          homeroom.has(c.id) ? ' · ' + t('myHomeroom') : '')))),
      h('p', { class: 'row-actions' }, [['chats', 1, 'chatsNav'], ['classes', p.manageStructure, 'manageClasses'], ['timetable', p.manageTimetable, 'navSchedule'], ['grading', p.manageTimetable, 'grading'], ['invites', p.manageInvites || homeroom.size > 0, 'manageInvites'],
        ['members', p.viewMembers, 'manageMembers'], ['requests', p.decideJoinRequests, 'joinRequests'],
        ['import', p.manageMembers, 'rosterImport'], ['audit', p.manageMembers, 'auditLog']].map(([to, may, label]) => may &&
        h('a', { id: 'school-manage-' + to, class: 'btn', href: '#/school/' + encodeURIComponent(id) + '/' + to }, t(label))))),
    sec('school-channels', t('channels'),
      h('ul', { id: 'school-channels', class: 'list' }, (s.channels || []).map(c => h('li', { 'data-channel-id': c.id },
        h('strong', null, c.title), c.audience ? [' ', h('span', { class: 'sub' }, t('aud_' + c.audience))] : ''))))];

  if (s.canEdit) {
    const err = alertBox('school-error'), saved = statusBox('school-saved');
    const save = btn('school-save', t('save'), 'primary', null, 'submit');
    const zones = ZONES.map(z => [z[0], zoneLabel(z[0])]);
    if (s.timezone && !ZONES.some(z => z[0] === s.timezone)) zones.unshift([s.timezone, s.timezone]);
    const f = (n, l, o) => field('school-edit', n, l, { value: s[n], ...o });
    const form = h('form', { id: 'school-form', novalidate: true },
      f('name', t('schoolFullName'), { req: true }),
      f('shortName', t('shortName'), { req: true }),
      f('address', t('address'), { req: true, ac: 'street-address' }),
      f('region', t('region'), { req: true }),
      f('inn', t('inn'), { req: true, im: 'numeric', max: 10 }),
      f('phone', t('phone'), { type: 'tel', req: false }),
      f('email', t('email'), { type: 'email', req: false }),
      f('website', t('website'), { req: false, im: 'url', ph: 'https://' }),
      f('directorName', t('director'), { req: false }),
      f('timezone', t('timezone'), { options: zones }),
      err, save, saved);
    form.oninput = () => { saved.textContent = ''; };
    form.onsubmit = ev => {
      ev.preventDefault();
      run(form, save, async () => {
        const patch = {};
        for (const n of FIELDS) {
          const v = form.elements[n].value.trim();
          if (v !== (s[n] ?? '')) patch[n] = v;
        }
        if (!Object.keys(patch).length) { saved.textContent = t('noChanges'); return; }
        s = await api('PATCH', path, patch);
        for (const n of FIELDS) form.elements[n].value = s[n] ?? '';
        showProfile();
        saved.textContent = t('saved');
        saved.focus();
      }, err, 'school-edit');
    };
    kids.push(sec('school-edit', t('editProfile'), form));
  }
  title.append(...kids);
  return title;
}

function zoneLabel(id) {
  const z = ZONES.find(x => x[0] === id);
  return z ? `${lang() === 'ru' ? z[2] : id.split('/')[1]} (UTC+${z[1]})` : id;
}

