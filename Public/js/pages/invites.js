// #/school/<id>/invites — invite links (§2.1): make one for a class and a role, copy it, see how many
// joined, revoke one or every unused one. Loaded on demand.
import { h, btn, sec, page, field, alertBox, statusBox, run, fail, fmtDate } from '../dom.js';
import { api } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  inv_title: ['Ссылки-приглашения', 'Invite links'],
  inv_back: ['← К профилю школы', '← School profile'],
  inv_new: ['Новая ссылка', 'New link'],
  inv_class: ['Класс', 'Class'],
  inv_role: ['Кого приглашаем', 'Who is invited'],
  inv_days: ['Срок действия, дней', 'Valid for, days'],
  inv_days_hint: ['Пусто — бессрочно', 'Empty: no expiry'],
  inv_max: ['Сколько человек может присоединиться', 'How many people may join'],
  inv_max_hint: ['Пусто — без ограничения', 'Empty: no limit'],
  inv_create: ['Создать ссылку', 'Create link'],
  inv_created: ['Ссылка создана: скопируйте её и отправьте.', 'Link created: copy and send it.'],
  inv_list: ['Ссылки', 'Links'],
  inv_show_all: ['Показывать отозванные и истёкшие', 'Show revoked and expired'],
  inv_revoke: ['Отозвать', 'Revoke'],
  inv_revoke_unused: ['Аннулировать все неиспользованные', 'Revoke all unused'],
  inv_revoked_n: ['Отозвано ссылок: {n}', 'Links revoked: {n}'],
  inv_revoked_one: ['Ссылка отозвана.', 'Link revoked.'],
  inv_copy: ['Копировать', 'Copy'],
  inv_copied: ['Скопировано', 'Copied'],
  inv_link_label: ['Ссылка для «{cls}», {role}', 'Link for «{cls}», {role}'],
  inv_uses: ['присоединилось: {n}', 'joined: {n}'],
  inv_uses_max: ['присоединилось: {n} из {max}', 'joined: {n} of {max}'],
  inv_until: ['до {d}', 'until {d}'],
  inv_by: ['создал(а): {name}', 'by {name}'],
  inv_approval: ['Присоединение — после одобрения (заявка)', 'Joining needs approval (a request)'],
  inv_needs_approval: ['с одобрением', 'with approval'],
  inv_qr: ['QR-код', 'QR code'],
  inv_qr_png: ['Скачать QR', 'Download the QR'], inv_share: ['Поделиться', 'Share'], inv_print: ['Распечатать', 'Print'],
  inv_sheet: ['Лист для родительского собрания', 'Sheet for a parents’ meeting'], inv_sheet_class: ['Класс для листа', 'Class of the sheet'],
  inv_sheet_print: ['Распечатать лист', 'Print the sheet'], inv_sheet_none: ['У этого класса нет действующих ссылок.', 'This class has no active links.'],
  inv_sheet_how: ['Наведите камеру телефона на код и откройте ссылку — Parta попросит имя и телефон, код придёт в SMS.',
    'Point the phone camera at the code and open the link: Parta asks for a name and a phone, the code comes by SMS.'],
  inv_sheet_for: ['{role} · {cls}', '{role} · {cls}'],
  inv_qr_title: ['QR-код ссылки для «{cls}», {role}', 'QR code of the link for «{cls}», {role}'],
  inv_empty: ['Активных ссылок нет.', 'No active links.'],
  st_active: ['действует', 'active'], st_expired: ['истекла', 'expired'], st_revoked: ['отозвана', 'revoked'], st_used_up: ['исчерпана', 'used up'],
  r_student: ['ученики', 'students'], r_parent: ['родители', 'parents'], r_teacher: ['учителя', 'teachers'],
  r_director: ['директор', 'director'], r_deputy: ['заместители директора', 'deputy directors'],
});

const ROLES = { staff_room: ['teacher', 'deputy', 'director'], regular: ['student', 'parent'] };

export default async function invites({ params: [schoolId] }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const [school, { items: classes }] = await Promise.all([api('GET', base), api('GET', base + '/classes')]);
  let showAll = false;
  const message = statusBox('invites-message'), error = alertBox('invites-error');
  const list = h('ul', { id: 'invites-list', class: 'list' });

  async function refresh() {
    const { items } = await api('GET', base + '/invites' + (showAll ? '?state=all' : ''));
    list.replaceChildren(...(items.length ? items.map(row) : [h('li', { id: 'invites-empty', class: 'empty' }, t('inv_empty'))]));
  }

  function linkBox(inv, idp) {
    const input = h('input', { id: idp + inv.id, type: 'text', readonly: true, value: inv.url, class: 'link-url',
      'aria-label': t('inv_link_label', { cls: inv.className, role: t('r_' + inv.role) }) });
    const copy = btn('invite-copy-' + inv.id, t('inv_copy'), '', async () => {
      input.select();
      try { await navigator.clipboard.writeText(inv.url); } catch { document.execCommand && document.execCommand('copy'); }
      copy.textContent = t('inv_copied');
    });
    // The QR code (for a parents' meeting screen or a printed notice) is drawn on demand.
    // Large, downloadable as a picture and printable on its own sheet.
    const qr = h('div', { id: 'invite-qr-' + idp + inv.id, class: 'qr', hidden: true });
    const title = t('inv_qr_title', { cls: inv.className, role: t('r_' + inv.role) });
    const showQr = btn('invite-qr-btn-' + idp + inv.id, t('inv_qr'), '', async () => {
      if (!qr.firstChild) {
        const { qrSvg } = await import('../qr.js');
        const svg = qrSvg(inv.url, { size: 288, title });
        qr.append(svg, h('p', { class: 'row-actions' },
          btn('invite-qr-png-' + idp + inv.id, t('inv_qr_png'), '', () => downloadPng(svg, 'parta-' + inv.className + '-' + inv.role + '.png')),
          btn('invite-qr-print-' + idp + inv.id, t('inv_print'), '', () => printSheet([inv]))));
      }
      qr.hidden = !qr.hidden;
      showQr.setAttribute('aria-expanded', String(!qr.hidden));
    });
    showQr.setAttribute('aria-expanded', 'false');
    // The phone's share sheet (messengers, SMS) where the browser has one.
    const share = navigator.share ? btn('invite-share-' + idp + inv.id, t('inv_share'), '', () =>
      navigator.share({ title: 'Parta', text: title, url: inv.url }).catch(() => {})) : null;
    return h('div', null, h('div', { class: 'row' }, input, copy, share, showQr), qr);
  }

  function row(inv) {
    const uses = inv.maxUses ? t('inv_uses_max', { n: inv.uses, max: inv.maxUses }) : t('inv_uses', { n: inv.uses });
    const bits = [t('r_' + inv.role), uses, t('st_' + inv.state)];
    if (inv.needsApproval) bits.push(t('inv_needs_approval'));
    if (inv.expiresAt) bits.push(t('inv_until', { d: fmtDate(inv.expiresAt) }));
    bits.push(t('inv_by', { name: inv.createdBy }));
    return h('li', { 'data-invite-id': inv.id, 'data-state': inv.state, 'data-uses': inv.uses },
      h('strong', null, inv.className), ' ', h('span', { class: 'sub' }, bits.join(' · ')),
      inv.state === 'active' ? [linkBox(inv, 'invite-url-'),
        h('div', { class: 'row-actions' }, btn('invite-revoke-' + inv.id, t('inv_revoke'), '', async () => {
          error.textContent = '';
          try { await api('POST', '/invites/' + encodeURIComponent(inv.id) + '/revoke'); await refresh(); say(t('inv_revoked_one')); }
          catch (e) { fail(error, e); }
        }))] : null);
  }
  const say = text => { message.textContent = text; message.focus(); };

  // The form: class → the roles that class takes.
  // Administrators invite to any class; a homeroom teacher to their own classes (students and parents).
  const own = school.permissions.manageInvites ? null : new Set(school.permissions.homeroomClassIds);
  const active = classes.filter(c => !c.archived && (!own || own.has(c.id)));
  const err = alertBox('invite-new-error'), created = h('div', { id: 'invite-created' });
  const submit = btn('invite-new-submit', t('inv_create'), 'primary', null, 'submit');
  const form = h('form', { id: 'invite-new-form', novalidate: true },
    field('invite-new', 'classId', t('inv_class'), { options: active.map(c => [c.id, c.name]) }),
    field('invite-new', 'role', t('inv_role'), { options: [] }),
    field('invite-new', 'expiresInDays', t('inv_days'), { type: 'number', req: false, hint: t('inv_days_hint'), im: 'numeric' }),
    field('invite-new', 'maxUses', t('inv_max'), { type: 'number', req: false, hint: t('inv_max_hint'), im: 'numeric' }),
    h('p', null, h('label', { for: 'invite-new-needsApproval', class: 'check' },
      h('input', { id: 'invite-new-needsApproval', name: 'needsApproval', type: 'checkbox' }), ' ', t('inv_approval'))),
    err, submit, created);
  const roles = () => {
    const c = active.find(x => x.id === form.elements.classId.value);
    form.elements.role.replaceChildren(...(own ? ROLES.regular : ROLES[c ? c.kind : 'regular'] || []).map(r => h('option', { value: r }, t('r_' + r))));
  };
  form.elements.classId.onchange = roles;
  roles();
  const num = name => { const v = form.elements[name].value.trim(); return v === '' ? undefined : Number(v); };
  form.onsubmit = ev => {
    ev.preventDefault();
    run(form, submit, async () => {
      const inv = await api('POST', '/classes/' + encodeURIComponent(form.elements.classId.value) + '/invites',
        { role: form.elements.role.value, expiresInDays: num('expiresInDays'), maxUses: num('maxUses'), needsApproval: form.elements.needsApproval.checked });
      created.replaceChildren(h('p', { id: 'invite-created-text', class: 'ok', role: 'status' }, t('inv_created')), linkBox(inv, 'invite-created-url-'));
      // The limits belonged to that link: the next one starts without them (a parent link had got «из 35»).
      form.elements.maxUses.value = ''; form.elements.expiresInDays.value = ''; form.elements.needsApproval.checked = false;
      await refresh();
    }, err, 'invite-new');
  };

  const revokeUnused = btn('invites-revoke-unused', t('inv_revoke_unused'), '', async () => {
    error.textContent = '';
    try { const { revoked } = await api('POST', base + '/invites/revoke-unused'); await refresh(); say(t('inv_revoked_n', { n: revoked })); }
    catch (e) { fail(error, e); }
  });
  const toggle = h('input', { id: 'invites-show-all', type: 'checkbox', onchange: async ev => {
    showAll = ev.target.checked;
    try { await refresh(); } catch (e) { fail(error, e); }
  } });
  // A sheet for a parents' meeting: every active link of one class, each with a large QR code
  // and how to use it, printed one card per link.
  const sheetClass = h('select', { id: 'invites-sheet-class' }, active.filter(c => c.kind !== 'staff_room').map(c => h('option', { value: c.id }, c.name)));
  const sheet = sec('invites-sheet', t('inv_sheet'), h('div', { class: 'field' }, h('label', { for: 'invites-sheet-class' }, t('inv_sheet_class')), sheetClass),
    btn('invites-sheet-print', t('inv_sheet_print'), '', async () => {
      error.textContent = '';
      try {
        const { items } = await api('GET', base + '/invites');
        const links = items.filter(i => i.classId === sheetClass.value && i.state === 'active');
        if (!links.length) { error.textContent = t('inv_sheet_none'); return; }
        await printSheet(links);
      } catch (e) { fail(error, e); }
    }));
  await refresh();
  return page(t('inv_title'), h('p', { class: 'sub' }, school.shortName || school.name),
    h('p', null, h('a', { id: 'invites-back', href: '#/school/' + encodeURIComponent(school.id) }, t('inv_back'))),
    sec('invite-new', t('inv_new'), form), message, error,
    sec('invites', t('inv_list'), h('p', null, h('label', { for: 'invites-show-all', class: 'check' }, toggle, ' ', t('inv_show_all'))),
      own ? null : h('p', null, revokeUnused), list), sheetClass.options.length ? sheet : null);
}

// The printed sheet: a card per link (class, role, a large QR code, the link, how to use it).
async function printSheet(links) {
  const { qrSvg } = await import('../qr.js');
  document.getElementById('print-sheet')?.remove();
  const cards = h('div', { id: 'print-sheet', class: 'print-sheet' }, links.map(inv => h('section', { class: 'print-card', 'data-invite-id': inv.id },
    h('h2', null, t('inv_sheet_for', { role: t('r_' + inv.role), cls: inv.className })),
    qrSvg(inv.url, { size: 320, title: t('inv_qr_title', { cls: inv.className, role: t('r_' + inv.role) }) }),
    h('p', { class: 'print-url' }, inv.url), h('p', null, t('inv_sheet_how')))));
  document.body.append(cards);
  document.body.classList.add('printing');
  addEventListener('afterprint', () => { document.body.classList.remove('printing'); cards.remove(); }, { once: true });
  print();
}

// The QR code as a PNG file (drawn through a canvas: phones and print shops take pictures).
function downloadPng(svg, name) {
  // A whole number of pixels per module (about 1,000 px in all): every module the same size, as readers expect.
  const modules = svg.viewBox.baseVal.width, img = new Image(), px = modules * Math.ceil(1000 / modules);
  img.onload = () => {
    const canvas = h('canvas', { width: px, height: px });
    const c = canvas.getContext('2d');
    c.imageSmoothingEnabled = false;
    c.drawImage(img, 0, 0, px, px);
    canvas.toBlob(blob => {
      const a = h('a', { href: URL.createObjectURL(blob), download: name.replace(/[\\/:*?"<>|]+/g, '_') });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, 'image/png');
  };
  img.src = 'data:image/svg+xml,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
}
