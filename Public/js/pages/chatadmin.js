// #/school/<id>/chats/new — making a chat: from a template in one action (§2.2, §2.3), or a direct
// chat, group or channel with people found by name (safe mode decides whom one finds);
// #/chat/<id>/settings — members, chat admins, mutes, removal, read-only mode, title;
// #/school/<id>/reports — the reports queue for moderators. Loaded on demand.
import { h, btn, page, sec, alertBox, fail, fmtDate } from '../dom.js';
import { api, go, session } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  cn_title: ['Новый чат', 'New chat'],
  role_admin: ['администратор', 'administrator'], role_director: ['директор', 'director'], role_deputy: ['заместитель', 'deputy'],
  role_teacher: ['учитель', 'teacher'], role_student: ['ученик', 'student'], role_parent: ['родитель', 'parent'],
  ch_to_list: ['← Все чаты', '← All chats'],
  cn_templates: ['Из шаблона — одним действием', 'From a template, in one action'],
  cn_bound: ['состав следует за классом или ролью', 'members follow the class or role'],
  cn_open: ['Открыть', 'Open'], cn_make: ['Создать', 'Create'],
  cn_subject: ['Предмет', 'Subject'], cn_class: ['Класс', 'Class'],
  cn_own: ['Свой чат', 'Your own chat'],
  cn_kind: ['Вид', 'Kind'], cn_direct: ['Личный', 'Direct'], cn_group: ['Группа', 'Group'], cn_channel: ['Канал', 'Channel'],
  cn_name: ['Название', 'Title'],
  cn_find: ['Найти по имени', 'Find by name'], cn_picked: ['Выбраны: {n}', 'Picked: {n}'], cn_none: ['Никого не найдено.', 'Nobody found.'],
  cn_add: ['Добавить', 'Add'], cn_remove_pick: ['Убрать', 'Remove'],
  cs_title: ['Настройки чата', 'Chat settings'], cs_members: ['Участники', 'Members'],
  cs_read_only: ['Пишут только администраторы чата', 'Only the chat admins post'], cs_save: ['Сохранить', 'Save'], cs_saved: ['Сохранено.', 'Saved.'],
  cs_make_admin: ['Сделать администратором', 'Make admin'], cs_make_member: ['Снять администратора', 'Remove admin'],
  cs_mute: ['Запретить писать на 1 час', 'Mute for 1 hour'], cs_unmute: ['Разрешить писать', 'Unmute'],
  cs_remove: ['Удалить из чата', 'Remove from chat'], cs_leave: ['Выйти из чата', 'Leave the chat'],
  cs_muted: ['не пишет до {t}', 'muted until {t}'], cs_roster: ['(по составу)', '(by roster)'],
  cs_role_owner: ['владелец', 'owner'], cs_role_admin: ['администратор', 'admin'], cs_role_member: ['участник', 'member'],
  cs_back: ['← К чату', '← To the chat'],
  ci_title: ['Ссылки-приглашения', 'Invite links'], ci_make: ['Создать ссылку', 'Create a link'],
  ci_hours: ['Действует', 'Valid for'], ci_h24: ['сутки', '1 day'], ci_h168: ['неделю', '1 week'], ci_h720: ['30 дней', '30 days'],
  ci_max: ['Сколько человек (пусто — без ограничения)', 'How many people (empty: no limit)'],
  ci_uses: ['вступило: {n}', 'joined: {n}'], ci_until: ['до {t}', 'until {t}'], ci_inactive: ['не действует', 'inactive'],
  ci_revoke: ['Отозвать', 'Revoke'], ci_link: ['Ссылка', 'Link'],
  cj_title: ['Приглашение в чат', 'Chat invitation'], cj_members: ['участников: {n}', 'members: {n}'],
  cj_join: ['Вступить', 'Join'], cj_removed: ['Вас удалили из этого чата. Вернуть вас может его администратор.', 'You were removed from this chat. Its administrator can add you back.'], cj_open: ['Открыть чат', 'Open the chat'],
  rp_title: ['Жалобы', 'Reports'], rp_empty: ['Открытых жалоб нет.', 'No open reports.'],
  rp_original: ['Текст в момент жалобы', 'Text when reported'], rp_now: ['Сейчас', 'Now'], rp_deleted: ['удалено', 'deleted'],
  rp_by: ['Пожаловался: {who} · автор: {author} · чат: {chat}', 'Reported by {who} · author: {author} · chat: {chat}'],
  rp_someone: ['Участник чата', 'A member of the chat'],
  rp_see_reporters: ['Модераторы чатов видят, кто пожаловался (администраторы видят всегда)', 'Chat moderators see who reported (administrators always do)'],
  rp_resolved: ['Рассмотренные', 'Resolved'], rp_resolved_by: ['{who}: {r}', '{who}: {r}'],
  rp_dismiss: ['Отклонить', 'Dismiss'], rp_delete: ['Удалить сообщение', 'Delete the message'],
  rp_mute: ['Запретить писать на сутки', 'Mute for a day'], rp_kick: ['Удалить автора из чата', 'Remove the author'],
  rp_done: ['Рассмотрено: {r}', 'Resolved: {r}'],
  rp_reason_insult: ['оскорбление', 'insult'], rp_reason_bullying: ['травля', 'bullying'], rp_reason_spam: ['спам', 'spam'],
  rp_reason_inappropriate: ['неуместное', 'inappropriate'], rp_reason_danger: ['опасность', 'danger'], rp_reason_other: ['другое', 'other'],
});

export default async function chatadmin({ params: [id], view }) {
  return ({ joinByLink, settings, reports, newChat })[view](id);
}

// A people finder: search as one types; picking adds to a list shown under it.
function picker(schoolId, prefix, { role, single } = {}) {
  const picked = new Map();
  const results = h('ul', { id: prefix + '-results', class: 'list' });
  const chosen = h('ul', { id: prefix + '-picked', class: 'list' });
  const count = h('p', { id: prefix + '-count', class: 'hint' });
  const showPicked = () => {
    count.textContent = t('cn_picked', { n: picked.size });
    chosen.replaceChildren(...[...picked].map(([id, name]) => h('li', { 'data-user-id': id }, name, ' ',
      h('button', { type: 'button', class: 'link', onclick: () => { picked.delete(id); showPicked(); } }, t('cn_remove_pick')))));
  };
  let timer = 0, seq = 0;
  const input = h('input', { id: prefix + '-q', type: 'search', autocomplete: 'off', 'aria-label': t('cn_find'), placeholder: t('cn_find'),
    oninput: () => { clearTimeout(timer); timer = setTimeout(search, 200); } });
  async function search() {
    const mine = ++seq;
    const q = new URLSearchParams({ q: input.value.trim() });
    if (role) q.set('role', role);
    try {
      const { items } = await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/directory?' + q);
      if (mine !== seq) return;
      results.replaceChildren(...(items.length ? items.map(p => h('li', { 'data-user-id': p.userId },
        h('strong', null, p.fullName), ' ', h('span', { class: 'sub' }, [p.roles.map(r => t('role_' + r)).join(', '), p.classes.join(', ')].filter(Boolean).join(' · ')), ' ',
        h('button', { type: 'button', class: 'link pick', onclick: () => { if (single) picked.clear(); picked.set(p.userId, p.fullName); showPicked(); } }, t('cn_add'))))
        : [h('li', { class: 'empty' }, t('cn_none'))]));
    } catch { /* keep the last results */ }
  }
  showPicked();
  search();
  return { el: h('div', { class: 'picker' }, input, results, count, chosen), ids: () => [...picked.keys()] };
}

async function newChat(schoolId) {
  const error = alertBox('cn-error');
  const [{ items: templates }, { items: classes }, s] = await Promise.all([
    api('GET', '/schools/' + encodeURIComponent(schoolId) + '/chat-templates'),
    api('GET', '/schools/' + encodeURIComponent(schoolId) + '/classes'),
    api('GET', '/schools/' + encodeURIComponent(schoolId)),
  ]);
  // The subjects one teaches in each class: a subject chat is theirs to make (issue 14). Asked
  // only by those who may make one (a student's request would be refused).
  const { items: assigned } = templates.some(tp => tp.needsSubject)
    ? await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/assignments').catch(() => ({ items: [] })) : { items: [] };
  const make = async body => {
    error.textContent = '';
    try { const chat = await api('POST', '/schools/' + encodeURIComponent(schoolId) + '/chat-templates', body); go('/chat/' + chat.id); }
    catch (e) { fail(error, e); }
  };
  const regular = classes.filter(c => c.kind === 'regular');
  const list = h('ul', { id: 'cn-templates', class: 'list' }, templates.map((tp, i) => {
    const key = tp.template + (tp.classId ? '-' + tp.classId : '');
    const li = h('li', { 'data-template': tp.template, 'data-class-id': tp.classId || null }, h('strong', null, tp.title), ' ',
      tp.bound ? h('span', { class: 'sub' }, t('cn_bound')) : null);
    if (tp.existingChatId) {
      li.append(' ', h('a', { class: 'btn', href: '#/chat/' + encodeURIComponent(tp.existingChatId) }, t('cn_open')));
    } else if (tp.needsSubject) {
      const subject = h('input', { id: 'cn-subject-' + i, name: 'subject', maxlength: 60, 'aria-label': t('cn_subject'), placeholder: t('cn_subject'),
        list: 'cn-subjects-' + i });
      const taught = h('datalist', { id: 'cn-subjects-' + i });
      const cls = h('select', { id: 'cn-class-' + i, 'aria-label': t('cn_class') }, regular.map(c => h('option', { value: c.id }, c.name)));
      const fill = () => {
        const names = [...new Set(assigned.filter(a => a.classId === cls.value).map(a => a.subjectName))];
        taught.replaceChildren(...names.map(n => h('option', { value: n })));
        if (names.length === 1 && !subject.value) subject.value = names[0];
      };
      cls.onchange = fill;
      fill();
      li.append(h('div', { class: 'row-actions' }, cls, subject, taught,
        btn('cn-make-' + i, t('cn_make'), 'primary', () => make({ template: tp.template, classId: cls.value, subject: subject.value }))));
    } else if (tp.picks) {
      const p = picker(schoolId, 'cn-pick-' + i, { role: tp.picks });
      li.append(h('details', null, h('summary', null, t('cn_make')), p.el,
        btn('cn-make-' + i, t('cn_make'), 'primary', () => make({ template: tp.template, classId: tp.classId || undefined, memberIds: p.ids() }))));
    } else {
      li.append(' ', btn('cn-make-' + i, t('cn_make'), 'primary', () => make({ template: tp.template, classId: tp.classId || undefined })));
    }
    li.dataset.key = key;
    return li;
  }));

  // Your own chat: direct (one person), a group, or (administrators) a channel.
  const isAdmin = (s.permissions || {}).manageStructure;
  const kind = h('select', { id: 'cn-kind', 'aria-label': t('cn_kind') },
    [['direct', t('cn_direct')], ['group', t('cn_group')], ...(isAdmin ? [['channel', t('cn_channel')]] : [])].map(([v, l]) => h('option', { value: v }, l)));
  const title = h('input', { id: 'cn-title', maxlength: 120, 'aria-label': t('cn_name'), placeholder: t('cn_name'), hidden: true });
  let p = picker(schoolId, 'cn-people', { single: true });
  const holder = h('div', null, p.el);
  kind.onchange = () => {
    title.hidden = kind.value === 'direct';
    p = picker(schoolId, 'cn-people', { single: kind.value === 'direct' });
    holder.replaceChildren(p.el);
  };
  const create = btn('cn-create', t('cn_make'), 'primary', async () => {
    error.textContent = '';
    try {
      const chat = await api('POST', '/schools/' + encodeURIComponent(schoolId) + '/chats',
        { kind: kind.value, memberIds: p.ids(), ...(kind.value === 'direct' ? {} : { title: title.value }) });
      go('/chat/' + chat.id);
    } catch (e) { fail(error, e); }
  });
  return page(t('cn_title'),
    h('p', null, h('a', { id: 'cn-back', href: '#/school/' + encodeURIComponent(schoolId) + '/chats' }, t('ch_to_list'))),
    error,
    templates.length ? [h('h2', null, t('cn_templates')), list] : null,
    h('h2', null, t('cn_own')), h('div', { class: 'row-actions' }, kind, title), holder, create);
}

async function settings(chatId) {
  const base = '/chats/' + encodeURIComponent(chatId);
  const [chat, { items: members }] = await Promise.all([api('GET', base), api('GET', base + '/members')]);
  const error = alertBox('cs-error');
  const me = session.me?.id || '';
  const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();
  const moderator = chat.role === 'owner' || chat.role === 'admin';
  const owner = chat.role === 'owner';
  const reload = () => go('/chat/' + chatId + '/settings', true);
  const act = (cls, label, fn) => h('button', { type: 'button', class: 'link ' + cls, onclick: async () => {
    error.textContent = '';
    try { await fn(); reload(); } catch (e) { fail(error, e); }
  } }, label);

  const rows = members.map(m => h('li', { 'data-user-id': m.userId },
    h('strong', null, m.fullName), ' ', h('span', { class: 'sub' }, t('cs_role_' + m.role)), ' ',
    owner && m.role !== 'owner' ? act('cs-role', m.role === 'admin' ? t('cs_make_member') : t('cs_make_admin'),
      () => api('PUT', base + '/members/' + m.userId + '/role', { role: m.role === 'admin' ? 'member' : 'admin' })) : null,
    moderator && m.role === 'member' ? act('cs-mute', t('cs_mute'), () => api('PUT', base + '/members/' + m.userId + '/mute', { minutes: 60 })) : null,
    moderator && m.role === 'member' ? act('cs-unmute', t('cs_unmute'), () => api('DELETE', base + '/members/' + m.userId + '/mute')) : null,
    moderator && m.role !== 'owner' && !same(m.userId, me) ? act('cs-remove', t('cs_remove'), () => api('DELETE', base + '/members/' + m.userId)) : null));

  let form = null;
  if (moderator && chat.kind !== 'direct' && !chat.audience) {
    const name = h('input', { id: 'cs-name', value: chat.title, maxlength: 120 });
    const ro = h('input', { id: 'cs-read-only', type: 'checkbox', checked: chat.readOnly, disabled: chat.kind === 'channel' });
    const saved = h('p', { id: 'cs-saved', class: 'ok', role: 'status', hidden: true }, t('cs_saved'));
    form = h('div', { id: 'cs-form' },
      h('div', { class: 'field' }, h('label', { for: 'cs-name' }, t('cn_name')), name),
      h('label', { class: 'check' }, ro, t('cs_read_only')),
      btn('cs-save', t('cs_save'), 'primary', async () => {
        error.textContent = '';
        try { await api('PATCH', base, { title: name.value, readOnly: ro.checked }); saved.hidden = false; } catch (e) { fail(error, e); }
      }), saved);
  }
  let adder = null;
  if (moderator && chat.kind !== 'direct' && !chat.audience) {
    const p = picker(chat.schoolId, 'cs-add');
    adder = h('details', { id: 'cs-adder' }, h('summary', null, t('cn_add')), p.el,
      btn('cs-add-go', t('cn_add'), 'primary', async () => {
        error.textContent = '';
        try { await api('POST', base + '/members', { userIds: p.ids() }); reload(); } catch (e) { fail(error, e); }
      }));
  }
  // Invite links (moderators of groups and channels).
  let links = null;
  if (moderator && chat.kind !== 'direct' && !chat.audience) {
    const { items: invites } = await api('GET', base + '/invites').catch(() => ({ items: [] }));
    const hours = h('select', { id: 'ci-hours', 'aria-label': t('ci_hours') }, [['24', 'ci_h24'], ['168', 'ci_h168'], ['720', 'ci_h720']]
      .map(([v, l]) => h('option', { value: v, selected: v === '168' }, t(l))));
    const max = h('input', { id: 'ci-max', type: 'number', min: 1, max: 2000, inputmode: 'numeric', 'aria-label': t('ci_max'), placeholder: t('ci_max') });
    links = h('section', { id: 'ci' }, h('h2', null, t('ci_title')),
      h('p', { class: 'row-actions' }, hours, max, btn('ci-make', t('ci_make'), 'primary', async () => {
        error.textContent = '';
        try { await api('POST', base + '/invites', { expiresInHours: Number(hours.value), ...(max.value ? { maxUses: Number(max.value) } : {}) }); reload(); }
        catch (e) { fail(error, e); }
      })),
      h('ul', { id: 'ci-list', class: 'list' }, invites.map(i => h('li', { 'data-invite-id': i.id, 'data-active': i.active },
        h('input', { class: 'ci-url', readonly: true, value: i.url, 'aria-label': t('ci_link'), onfocus: ev => ev.target.select() }), ' ',
        h('span', { class: 'sub' }, [i.active ? t('ci_until', { t: fmtDate(i.expiresAt) }) : t('ci_inactive'),
          t('ci_uses', { n: i.uses }) + (i.maxUses ? ' / ' + i.maxUses : '')].join(' · ')), ' ',
        i.active ? act('ci-revoke', t('ci_revoke'), () => api('DELETE', '/chat-invites/' + i.id)) : null))));
  }
  const leave = chat.kind !== 'direct' && !chat.audience && !owner
    ? btn('cs-leave', t('cs_leave'), 'link', async () => {
      try { await api('DELETE', base + '/members/' + me); go('/school/' + chat.schoolId + '/chats'); } catch (e) { fail(error, e); }
    }) : null;
  return page(t('cs_title') + ' — ' + chat.title,
    h('p', null, h('a', { id: 'cs-back', href: '#/chat/' + encodeURIComponent(chatId) }, t('cs_back'))),
    error, form, h('h2', null, t('cs_members'), chat.rosterBound ? ' ' + t('cs_roster') : ''),
    h('ul', { id: 'cs-members', class: 'list' }, rows), adder, links, leave);
}

async function joinByLink(token) {
  const error = alertBox('cj-error');
  let preview;
  try { preview = await api('GET', '/chat-join/' + encodeURIComponent(token)); }
  catch (e) { const box = alertBox('cj-error'); fail(box, e); return page(t('cj_title'), box); }
  const go1 = preview.member
    ? h('a', { id: 'cj-open', class: 'btn primary', href: '#/chat/' + encodeURIComponent(preview.chatId) }, t('cj_open'))
    : preview.removed ? h('p', { id: 'cj-removed', class: 'alert' }, t('cj_removed'))
    : btn('cj-join', t('cj_join'), 'primary', async () => {
      try { const chat = await api('POST', '/chat-join/' + encodeURIComponent(token)); go('/chat/' + chat.id); } catch (e) { fail(error, e); }
    });
  return page(t('cj_title'), h('p', null, h('strong', { id: 'cj-chat' }, preview.title)),
    h('p', { class: 'sub' }, t('cj_members', { n: preview.memberCount })), error, go1);
}

async function reports(schoolId) {
  const { items } = await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/reports?status=open');
  const error = alertBox('rp-error');
  const reason = r => { const [code, ...rest] = r.split(': '); return [t('rp_reason_' + code), rest.join(': ')].filter(Boolean).join(': '); };
  const list = h('ul', { id: 'rp-list', class: 'list' }, items.length ? items.map(r => {
    const li = h('li', { 'data-report-id': r.id },
      h('p', null, h('strong', null, reason(r.reason)), ' · ', h('span', { class: 'sub' }, fmtDate(r.createdAt))),
      // The reporter's name comes only to those the school lets see it (administrators always).
      h('p', { class: 'sub' }, t('rp_by', { who: r.reporterName || t('rp_someone'), author: r.authorName, chat: r.chatTitle })),
      h('p', null, t('rp_original'), ': ', h('q', { class: 'rp-original' }, r.originalText)),
      r.currentText !== r.originalText || r.messageDeleted
        ? h('p', { class: 'sub' }, t('rp_now'), ': ', r.messageDeleted ? t('rp_deleted') : r.currentText) : null);
    const actions = h('p', { class: 'row-actions' }, [['dismiss', 'rp_dismiss'], ['delete', 'rp_delete'], ['mute', 'rp_mute'], ['remove', 'rp_kick']].map(([a, label]) =>
      h('button', { type: 'button', class: 'btn rp-' + a, onclick: async () => {
        error.textContent = '';
        try {
          const done = await api('POST', '/reports/' + r.id + '/resolve', { action: a, ...(a === 'mute' ? { minutes: 1440 } : {}) });
          actions.replaceWith(h('p', { class: 'ok rp-done', role: 'status' }, t('rp_done', { r: t('rp_' + (a === 'remove' ? 'kick' : a)) })));
          li.dataset.status = done.status;
        } catch (e) { fail(error, e); }
      } }, t(label))));
    li.append(actions);
    return li;
  }) : h('li', { id: 'rp-empty', class: 'empty' }, t('rp_empty')));
  // Resolutions and who made them: administrators see them (the server sends the resolver to them only).
  const done = (await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/reports?status=resolved')).items.filter(r => r.resolvedByName);
  const resolved = done.length ? sec('rp-resolved', t('rp_resolved'), h('ul', { id: 'rp-resolved-list', class: 'list' }, done.slice(0, 50).map(r =>
    h('li', { 'data-report-id': r.id }, h('p', null, h('strong', null, reason(r.reason)), ' · ', h('span', { class: 'sub' }, fmtDate(r.resolvedAt))),
      h('p', { class: 'sub' }, t('rp_by', { who: r.reporterName || t('rp_someone'), author: r.authorName, chat: r.chatTitle })),
      h('p', { class: 'rp-resolver' }, t('rp_resolved_by', { who: r.resolvedByName, r: t('rp_' + ({ remove: 'kick' }[r.resolution] || r.resolution)) })))))) : null;
  // The school's setting, for its administrators: whether chat moderators see who reported.
  const school = await api('GET', '/schools/' + encodeURIComponent(schoolId));
  const setting = school.canEdit ? h('p', null, h('label', { for: 'rp-see-reporters', class: 'check' },
    h('input', { type: 'checkbox', id: 'rp-see-reporters', checked: !!school.moderatorsSeeReporters, onchange: async ev => {
      error.textContent = '';
      try { await api('PATCH', '/schools/' + encodeURIComponent(schoolId), { moderatorsSeeReporters: ev.target.checked }); }
      catch (e) { ev.target.checked = !ev.target.checked; fail(error, e); }
    } }), ' ', t('rp_see_reporters'))) : null;
  return page(t('rp_title'),
    h('p', null, h('a', { id: 'rp-back', href: '#/school/' + encodeURIComponent(schoolId) + '/chats' }, t('ch_to_list'))),
    setting, error, list, resolved);
}
