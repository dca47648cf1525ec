// #/school/<id>/chats — the chat list; #/chat/<id> — a conversation (two panes on a wide screen,
// list → full-screen conversation on a phone). Bubbles grouped by author and day, avatars, marks
// of confirmed teachers and the administration, a menu per message (reply, react, forward, pin,
// edit in place, report on the message, delete), a mention picker, polls that look like polls,
// files and images, "read" ticks, typing, presence, the first unread message in view; everything
// live through the tab's one socket (js/socket.js), resumed exactly after a drop. Loaded on demand.
import { h, btn, page, alertBox, fail, fmtDate, icon } from '../dom.js';
import { api, ApiError, session, upload, go, mainSchool, shortName } from '../api.js';
import { t, lang, addStrings } from '../i18n.js';
import * as live from '../socket.js';
import { avatar, photoURL } from '../avatars.js';

addStrings({
  ch_title: ['Чаты', 'Chats'],
  ch_empty: ['Чатов пока нет.', 'No chats yet.'],
  ch_none: ['Сообщений пока нет. Напишите первым!', 'No messages yet. Say hello!'],
  ch_unread_n: ['непрочитанных: {n}', 'unread: {n}'],
  ch_to_list: ['Все чаты', 'All chats'],
  ch_earlier: ['Показать раньше', 'Show earlier'],
  ch_text: ['Сообщение', 'Message'],
  ch_send: ['Отправить', 'Send'],
  ch_read_only: ['В этом канале пишут только администраторы.', 'Only administrators post here.'],
  ch_deleted: ['Сообщение удалено', 'Message deleted'],
  ch_edited: ['изм.', 'edited'],
  ch_pinned: ['Закреплённые', 'Pinned'],
  ch_read_by: ['прочитано: {n}', 'read by {n}'], ch_sent: ['отправлено', 'sent'],
  ch_forwarded: ['Переслано от: {name}', 'Forwarded from {name}'],
  ch_actions: ['Действия с сообщением', 'Message actions'],
  ch_reply: ['Ответить', 'Reply'], ch_replying: ['Ответ: {name}', 'Replying to {name}'],
  ch_forward: ['Переслать', 'Forward'], ch_forward_to: ['Куда переслать', 'Forward to'], ch_forwarded_ok: ['Переслано.', 'Forwarded.'],
  ch_pin: ['Закрепить', 'Pin'], ch_unpin: ['Открепить', 'Unpin'],
  ch_edit: ['Изменить', 'Edit'], ch_save: ['Сохранить', 'Save'], ch_cancel: ['Отмена', 'Cancel'],
  ch_delete: ['Удалить', 'Delete'], ch_delete_q: ['Удалить сообщение?', 'Delete the message?'],
  ch_typing: ['{name} печатает…', '{name} is typing…'],
  ch_removed: ['Вас удалили из этого чата.', 'You were removed from this chat.'],
  ch_search: ['Найти чат', 'Find a chat'],
  ch_attach: ['Прикрепить файл', 'Attach a file'], ch_uploading: ['Загрузка файла', 'Uploading'],
  ch_poll: ['Опрос', 'Poll'], ch_poll_new: ['Новый опрос', 'New poll'], ch_poll_q: ['Вопрос', 'Question'], ch_poll_opt: ['Вариант {n}', 'Option {n}'],
  ch_poll_more: ['Ещё вариант', 'Another option'], ch_poll_multi: ['Несколько ответов', 'Multiple answers'],
  ch_poll_anon: ['Анонимный', 'Anonymous'], ch_poll_post: ['Опубликовать опрос', 'Post the poll'],
  ch_vote: ['Голосовать', 'Vote'], ch_poll_close: ['Закрыть опрос', 'Close the poll'], ch_poll_closed: ['Опрос закрыт', 'Poll closed'],
  ch_poll_voters: ['проголосовали: {n}', 'voted: {n}'], ch_poll_kind_anon: ['анонимный опрос', 'anonymous poll'], ch_poll_kind: ['опрос', 'poll'],
  ch_msg_search: ['Поиск по сообщениям', 'Search messages'], ch_find: ['Найти', 'Find'], ch_found_none: ['Ничего не найдено.', 'Nothing found.'],
  ch_online: ['в сети', 'online'], ch_offline: ['не в сети', 'offline'], ch_members_n: ['участников: {n}', 'members: {n}'],
  ch_new: ['Новый чат', 'New chat'], ch_reports: ['Жалобы', 'Reports'], ch_settings: ['Настройки и участники', 'Settings and members'],
  ch_report: ['Пожаловаться', 'Report'], ch_report_why: ['Что не так с сообщением?', 'What is wrong with it?'],
  ch_report_go: ['Отправить жалобу', 'Send the report'], ch_reported: ['Жалоба отправлена модераторам.', 'Reported to the moderators.'],
  ch_muted: ['Модератор запретил вам писать сюда до {t}.', 'A moderator muted you here until {t}.'],
  ch_r_insult: ['оскорбление', 'insult'], ch_r_bullying: ['травля', 'bullying'], ch_r_spam: ['спам', 'spam'],
  ch_r_inappropriate: ['неуместное', 'inappropriate'], ch_r_danger: ['опасность', 'danger'], ch_r_other: ['другое', 'other'],
  ch_k_direct: ['личный чат', 'direct chat'], ch_k_group: ['группа', 'group'], ch_k_channel: ['канал', 'channel'],
  ch_today: ['Сегодня', 'Today'], ch_yesterday: ['Вчера', 'Yesterday'], ch_new_msgs: ['Новые сообщения', 'New messages'],
  ch_pick: ['Выберите чат слева', 'Pick a chat on the left'],
  ch_close: ['Закрыть', 'Close'],
  ch_mark_teacher: ['учитель', 'teacher'], ch_mark_administration: ['администрация', 'administration'],
  ch_mention_all: ['все участники', 'everyone'], ch_mentions: ['Упомянуть', 'Mention'],
  ch_you: ['Вы', 'You'], ch_new_from: ['Новое сообщение от {name}: {text}', 'New message from {name}: {text}'],
  ch_notify_q: ['Сообщать о новых сообщениях, когда вкладка Parta свёрнута?', 'Tell you about new messages while the Parta tab is in the background?'],
  ch_notify_on: ['Включить уведомления', 'Turn on notifications'], ch_notify_later: ['Не сейчас', 'Not now'],
  ch_welcome: ['Добро пожаловать, {name}!', 'Welcome, {name}!'],
  ch_welcome_in: ['Вы в классе {cls} — {school}. Здесь ваши чаты: класс, учителя и школьный канал. Новые сообщения появятся сами.',
    'You are in {cls} — {school}. Your chats are here: the class, the teachers and the school channel. New messages appear by themselves.'],
  ch_welcome_staff: ['Вы в «{cls}» — {school}. Здесь чаты коллег и школьный канал.', 'You are in «{cls}» — {school}. Staff chats and the school channel are here.'],
  ch_welcome_parent: ['Вы — родитель: {child}, {cls}. Здесь чаты класса и учителей.', 'You are a parent: {child}, {cls}. The class and teachers chats are here.'],
  ch_welcome_unverified: ['Администратор школы подтвердит, что вы учитель; до тех пор вы читаете чаты, но не создаёте чаты с учениками.',
    'The school administrator will confirm you are a teacher; until then you read chats but cannot start chats with students.'],
});

const enc = encodeURIComponent;
const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();
const fileSize = n => n < 1024 ? n + ' Б' : n < 1048576 ? Math.round(n / 1024) + ' КБ' : (n / 1048576).toFixed(1) + ' МБ';
const EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🔥', '🙏', '✅'];
const loc = () => (lang() === 'ru' ? 'ru-RU' : 'en-GB');
const wide = () => matchMedia('(min-width: 900px)').matches;

export default async function chats({ params: [id], signal, view }) {
  return view === 'conversation' ? conversation(id, signal) : listPage(id, signal);
}

// ── Avatars and marks ──────────────────────────────────────────────────────────────────────────
// (avatar(): the person's photo, or initials on their colour — js/avatars.js)

const marksBySchool = new Map();   // school id → Promise<Map(user id → 'teacher'|'administration')>
function staffMarks(schoolId) {
  const key = String(schoolId).toLowerCase();
  if (!marksBySchool.has(key)) {
    marksBySchool.set(key, api('GET', '/schools/' + enc(schoolId) + '/staff-marks')
      .then(r => new Map(r.items.map(x => [x.userId.toLowerCase(), x.mark]))).catch(() => new Map()));
  }
  return marksBySchool.get(key);
}
const markOf = (marks, userId) => {
  const m = marks.get(String(userId).toLowerCase());
  return m ? h('span', { class: 'mark mark-' + m, title: t('ch_mark_' + m) }, '✓ ', t('ch_mark_' + m)) : null;
};

// ── Times ──────────────────────────────────────────────────────────────────────────────────────

const dayKey = d => d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate();
function dayLabel(d) {
  const now = new Date(), y = new Date(now); y.setDate(now.getDate() - 1);
  if (dayKey(d) === dayKey(now)) return t('ch_today');
  if (dayKey(d) === dayKey(y)) return t('ch_yesterday');
  return d.toLocaleDateString(loc(), { day: 'numeric', month: 'long', ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) });
}
const timeOf = iso => new Date(iso).toLocaleTimeString(loc(), { hour: '2-digit', minute: '2-digit' });
// In the list: the time today, «вчера», the date this year, the date with a year before.
function listTime(iso) {
  if (!iso) return '';
  const d = new Date(iso), now = new Date();
  if (dayKey(d) === dayKey(now)) return timeOf(iso);
  const l = dayLabel(d);
  return l === t('ch_yesterday') ? l.toLowerCase() : d.toLocaleDateString(loc(), { day: 'numeric', month: 'short' });
}

// ── The chat list ──────────────────────────────────────────────────────────────────────────────

const preview = c => !c.lastMessage ? t('ch_k_' + c.kind)
  : (same(c.lastMessage.authorId, session.me?.id) ? t('ch_you') : c.lastMessage.authorName.split(/\s+/).slice(0, 2).reverse().join(' ').split(' ')[0])
    + ': ' + (c.lastMessage.deleted ? t('ch_deleted') : c.lastMessage.text.slice(0, 90));

const listItem = (c, current) => h('li', { 'data-chat-id': c.id, 'data-unread': c.unread },
  h('a', { id: 'chat-link-' + c.id, class: 'chat-item', href: '#/chat/' + enc(c.id), 'aria-current': current && same(current, c.id) ? 'page' : null },
    avatar(c.title, c.id, '', photoURL(c.peerId, c.peerPhoto)),
    h('span', { class: 'ci-main' },
      h('span', { class: 'ci-top' }, h('strong', { class: 'ci-title' }, c.title), h('span', { class: 'ci-time' }, listTime(c.lastMessage?.createdAt))),
      h('span', { class: 'ci-bottom' }, h('span', { class: 'ci-preview' }, preview(c)),
        c.unread ? h('span', { class: 'pill', 'aria-label': t('ch_unread_n', { n: c.unread }) }, c.unread > 999 ? '999+' : String(c.unread)) : null))));

// A live list of a school's chats, newest activity first: refreshed (debounced) when a chat event
// or a membership change arrives over the tab's socket.
function chatList(schoolId, signal, current) {
  const el = h('ul', { id: 'chats-list', class: 'chat-list' });
  let items = [];
  const order = list => [...list].sort((a, b) => (b.lastMessage?.createdAt || b.createdAt).localeCompare(a.lastMessage?.createdAt || a.createdAt));
  const show = () => {
    el.replaceChildren(...(items.length ? order(items).map(c => listItem(c, current)) : [h('li', { id: 'chats-empty', class: 'empty' }, t('ch_empty'))]));
    el.dispatchEvent(new Event('shown'));
  };
  let timer = 0;
  const refresh = (delay = 250) => { clearTimeout(timer); timer = setTimeout(async () => {
    try { items = (await api('GET', '/schools/' + enc(schoolId) + '/chats')).items; show(); } catch { /* next time */ }
  }, delay); };
  live.on('*chat', d => { if (['message.created', 'message.deleted', 'message.edited', 'chat.members', 'chat.updated', 'message.read'].includes(d.type)) refresh(); }, signal);
  live.on('resumed', () => { el.dataset.live = 'true'; refresh(); }, signal);
  live.on('live', v => { if (!v) delete el.dataset.live; }, signal);
  if (live.isLive()) el.dataset.live = 'true';
  signal?.addEventListener('abort', () => clearTimeout(timer));
  return {
    el, async load() { items = (await api('GET', '/schools/' + enc(schoolId) + '/chats')).items; show(); return items; },
    get items() { return items; },
  };
}

// Filtering the list by a chat's title as one types.
function titleFilter(list) {
  const box = h('input', { id: 'chats-search', type: 'search', 'aria-label': t('ch_search'), placeholder: t('ch_search'), autocomplete: 'off' });
  const apply = () => { const q = box.value.trim().toLowerCase(); for (const li of list.el.children) li.hidden = !!q && !li.textContent.toLowerCase().includes(q); };
  box.addEventListener('input', apply);
  list.el.addEventListener('shown', apply);
  return box;
}

// The permission for notifications is asked here, with the reason, only on a click.
function notifyOffer() {
  if (!('Notification' in window) || Notification.permission !== 'default') return null;
  try { if (localStorage.getItem('parta.notify.later')) return null; } catch { /* storage off */ }
  const box = h('div', { id: 'notify-offer', class: 'card offer' }, h('p', null, t('ch_notify_q')),
    h('p', { class: 'row-actions' },
      btn('notify-on', t('ch_notify_on'), 'primary', async () => { await Notification.requestPermission(); box.remove(); }),
      btn('notify-later', t('ch_notify_later'), 'link', () => { try { localStorage.setItem('parta.notify.later', '1'); } catch { /* */ } box.remove(); })));
  return box;
}

// After joining by a link: where the person now is and what to do next.
function welcome() {
  let j = null;
  try { j = JSON.parse(sessionStorage.getItem('parta.joined') || 'null'); sessionStorage.removeItem('parta.joined'); } catch { /* */ }
  if (!j) return null;
  const text = j.role === 'parent' && j.childName ? t('ch_welcome_parent', { child: j.childName, cls: j.className })
    : ['teacher', 'director', 'deputy'].includes(j.role) ? t('ch_welcome_staff', { cls: j.className, school: j.schoolName || '' })
      : t('ch_welcome_in', { cls: j.className, school: j.schoolName || '' });
  return h('div', { id: 'chats-welcome', class: 'card welcome', role: 'status' },
    h('p', { class: 'lead' }, t('ch_welcome', { name: shortName(session.me?.fullName) })), h('p', null, text),
    j.role === 'teacher' && !j.verified ? h('p', { class: 'hint' }, t('ch_welcome_unverified')) : null);
}

// Full-text search in messages (the chats one reads), on Enter or the button.
function messageSearch(schoolId) {
  const found = h('ul', { id: 'chats-found', class: 'list found' });
  const mq = h('input', { id: 'chats-msg-q', type: 'search', maxlength: 200, 'aria-label': t('ch_msg_search'), placeholder: t('ch_msg_search') });
  const error = alertBox('chats-error');
  const form = h('form', { id: 'chats-msg-search', class: 'search-row', role: 'search', onsubmit: async ev => {
    ev.preventDefault();
    error.textContent = '';
    if (!mq.value.trim()) { found.replaceChildren(); return; }
    try {
      const { items: hits } = await api('GET', '/schools/' + enc(schoolId) + '/search?q=' + enc(mq.value.trim()));
      found.replaceChildren(...(hits.length ? hits.map(x => h('li', { 'data-message-id': x.message.id },
        h('a', { href: '#/chat/' + enc(x.chatId) }, h('strong', null, x.chatTitle)), ' ',
        h('span', { class: 'sub' }, x.message.authorName + ' · ' + fmtDate(x.message.createdAt)), h('p', { class: 'message-text' }, x.message.text)))
        : [h('li', { id: 'chats-found-none', class: 'empty' }, t('ch_found_none'))]));
    } catch (e) { fail(error, e); }
  } }, mq, btn('chats-msg-go', t('ch_find'), '', null, 'submit'));
  return [form, error, found];
}

async function listPage(schoolId, signal) {
  const list = chatList(schoolId, signal, null);
  const items = await list.load();
  const moderates = items.some(c => c.role === 'owner' || c.role === 'admin');
  const actions = h('p', { class: 'row-actions' },
    h('a', { id: 'chats-new', class: 'btn primary', href: '#/school/' + enc(schoolId) + '/chats/new' }, '+ ', t('ch_new')),
    moderates ? h('a', { id: 'chats-reports', class: 'btn', href: '#/school/' + enc(schoolId) + '/reports' }, t('ch_reports')) : null);
  const pane = h('div', { class: 'list-pane' }, welcome(), notifyOffer(), actions, titleFilter(list), list.el, ...messageSearch(schoolId));
  return page(t('ch_title'), h('div', { class: 'messenger' }, pane, h('div', { class: 'conv-pane empty-pane' }, h('p', { class: 'sub' }, t('ch_pick')))));
}

// ── Images ─────────────────────────────────────────────────────────────────────────────────────

// An image in a message: its preview made by the server (at most 640 px), in the space its size
// reserves before it loads (fitted into 256×192); a tap opens the full image over the page.
// Images without a preview (GIF, WebP, one the server could not read) show the file itself.
function imageLink(a) {
  const full = '/api/v1/files/' + a.id;
  const img = h('img', { src: a.thumbWidth ? full + '/thumbnail' : full, alt: a.fileName, loading: 'lazy' });
  if (a.thumbWidth) {
    const k = Math.min(1, 256 / a.thumbWidth, 192 / a.thumbHeight);
    img.width = Math.max(1, Math.round(a.thumbWidth * k));
    img.height = Math.max(1, Math.round(a.thumbHeight * k));
  }
  return h('a', { href: full, target: '_blank', rel: 'noopener', class: 'att-image', 'data-file-id': a.id, 'aria-haspopup': 'dialog',
    onclick: ev => {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;   // a new tab, as asked
      ev.preventDefault();
      viewImage(full, a.fileName, ev.currentTarget);
    } }, img);
}

// The full image over the page: a modal <dialog> (focus stays inside, Esc closes it); a tap
// anywhere or «Закрыть» closes it too, and focus goes back to the image in the conversation.
function viewImage(src, name, opener) {
  document.getElementById('image-viewer')?.remove();
  const close = () => d.close();
  const d = h('dialog', { id: 'image-viewer', class: 'viewer', 'aria-label': name, onclick: close },
    h('img', { id: 'image-viewer-img', src, alt: name }),
    h('button', { type: 'button', id: 'image-viewer-close', class: 'btn viewer-close', onclick: close }, t('ch_close')));
  d.addEventListener('close', () => { d.remove(); opener?.focus(); });
  document.body.append(d);
  d.showModal();
  d.querySelector('#image-viewer-close').focus();
}

// ── A conversation ─────────────────────────────────────────────────────────────────────────────

// Text with http(s) links made clickable (never other schemes); everything else stays plain text.
function richText(text) {
  const out = [], re = /\bhttps?:\/\/[^\s<>"']+/gi;
  let at = 0, m;
  while ((m = re.exec(text))) {
    const url = m[0].replace(/[.,;:!?)]+$/, '');
    out.push(text.slice(at, m.index), h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow ugc' }, url));
    at = m.index + url.length;
    re.lastIndex = at;
  }
  out.push(text.slice(at));
  return out;
}

async function conversation(chatId, signal) {
  const base = '/chats/' + enc(chatId);
  // The marks of the person's school load alongside (one round trip fewer on a slow network).
  const guess = mainSchool(session.me);
  if (guess) staffMarks(guess.schoolId);
  const [chat, first, pins] = await Promise.all([api('GET', base), api('GET', base + '/messages?limit=50'), api('GET', base + '/pins')]);
  const marks = await staffMarks(chat.schoolId);
  const me = session.me?.id;
  const moderator = chat.role === 'owner' || chat.role === 'admin';
  const mayPost = !chat.readOnly || moderator;
  const error = alertBox('chat-error');
  const log = h('ol', { id: 'chat-messages', class: 'messages' });
  const announce = h('div', { id: 'chat-announce', class: 'visually-hidden', 'aria-live': 'polite' });
  const pinBar = h('ul', { id: 'chat-pins', class: 'pins', 'aria-label': t('ch_pinned') });
  const typing = h('p', { id: 'chat-typing', class: 'typing', 'aria-live': 'polite' });
  const shown = new Map();   // seq → <li>, so a message arriving twice (send answer + socket) shows once
  const byId = new Map();    // message id → its latest view
  const names = new Map();   // user id → name (for "typing")
  let oldest = first.items.length ? first.items[0].seq : chat.lastSeq + 1, newest = 0;
  let lastEvent = chat.lastEvent, replyTo = null;
  const firstUnread = chat.lastReadSeq;

  const act = (cls, label, fn) => h('button', { type: 'button', class: 'menu-item ' + cls, onclick: async ev => {
    error.textContent = '';
    ev.currentTarget.closest('details')?.removeAttribute('open');
    try { await fn(); } catch (e) { fail(error, e); }
  } }, label);
  const react = (m, emoji, add) => api('POST', '/messages/' + m.id + '/reactions', { emoji, add }).then(render);

  // A poll: options as rows with their share, a check for one's own choice; vote and close.
  const renderPoll = m => {
    const p = m.poll, total = Math.max(1, p.voters), mine = new Set(p.myVotes || []);
    const name = 'poll-' + p.id;
    const box = h('div', { class: 'poll', 'data-poll-id': p.id },
      h('p', { class: 'poll-q' }, h('strong', null, p.question)),
      h('p', { class: 'sub poll-kind' }, p.anonymous ? t('ch_poll_kind_anon') : t('ch_poll_kind'), p.multiple ? ' · ' + t('ch_poll_multi').toLowerCase() : ''),
      h('fieldset', { class: 'poll-options' }, h('legend', { class: 'visually-hidden' }, p.question),
        p.options.map((o, i) => {
          const share = Math.round(100 * o.votes / total);
          const bar = h('span', { class: 'poll-bar' });
          bar.style.width = share + '%';
          return h('label', { class: 'poll-option' + (mine.has(i) ? ' chosen' : '') }, bar,
            p.closed ? null : h('input', { type: p.multiple ? 'checkbox' : 'radio', name, value: i, checked: mine.has(i) }),
            h('span', { class: 'po-text' }, o.text), h('span', { class: 'po-count' }, p.voters ? share + '% · ' + o.votes : String(o.votes)));
        })),
      h('p', { class: 'sub' }, t('ch_poll_voters', { n: p.voters }), p.closed ? ' · ' + t('ch_poll_closed') : ''));
    if (!p.closed) {
      const row = h('p', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn poll-vote', onclick: async () => {
        error.textContent = '';
        try {
          m.poll = await api('POST', '/polls/' + p.id + '/vote', { options: [...box.querySelectorAll('input:checked')].map(x => Number(x.value)) });
          render(m);
        } catch (e) { fail(error, e); }
      } }, t('ch_vote')));
      if (same(m.authorId, me) || moderator) row.append(h('button', { type: 'button', class: 'btn link poll-close', onclick: async () => {
        try { m.poll = await api('POST', '/polls/' + p.id + '/close'); render(m); } catch (e) { fail(error, e); }
      } }, t('ch_poll_close')));
      box.append(row);
    }
    return box;
  };

  // The menu of one message: quick reactions and the actions this person may take.
  const menu = (m, mine) => {
    const items = h('div', { class: 'menu' },
      h('div', { class: 'menu-emoji' }, EMOJI.map(e => h('button', { type: 'button', 'data-emoji': e, 'aria-label': e, onclick: async ev => {
        ev.currentTarget.closest('details')?.removeAttribute('open');
        try { await react(m, e, true); } catch (err) { fail(error, err); }
      } }, e))),
      mayPost ? act('act-reply', t('ch_reply'), () => setReply(m)) : null,
      act('act-forward', t('ch_forward'), () => forward(m)),
      moderator || chat.kind === 'direct' ? act('act-pin', m.pinned ? t('ch_unpin') : t('ch_pin'),
        async () => { render(await api(m.pinned ? 'DELETE' : 'PUT', '/messages/' + m.id + '/pin')); loadPins(); }) : null,
      mine && !m.poll ? act('act-edit', t('ch_edit'), () => editInPlace(m)) : null,
      mine ? null : act('act-report', t('ch_report'), () => report(m)),
      mine || moderator ? act('act-delete danger', t('ch_delete'), async () => {
        if (confirm(t('ch_delete_q'))) render(await api('DELETE', '/messages/' + m.id));
      }) : null);
    const d = h('details', { class: 'msg-menu' }, h('summary', { 'aria-label': t('ch_actions'), title: t('ch_actions') }, icon('more')), items);
    // Opens downwards in the upper half of the screen, upwards in the lower; one menu at a time.
    d.addEventListener('toggle', () => {
      if (!d.open) return;
      for (const other of log.querySelectorAll('.msg-menu[open]')) if (other !== d) other.removeAttribute('open');
      d.classList.toggle('down', d.getBoundingClientRect().top < innerHeight / 2);
    });
    return d;
  };

  const render = m => {
    const prev = byId.get(m.id);
    if (!m.myReactions && prev) m.myReactions = prev.myReactions;   // frames are shared: keep what the answers told us
    const mine = same(m.authorId, me);
    // A new message of one's own (the send's answer, a frame) has been read by nobody yet.
    if (m.readBy == null) m.readBy = prev ? prev.readBy : (mine ? 0 : null);
    if (m.poll && !m.poll.myVotes && prev && prev.poll) m.poll.myVotes = prev.poll.myVotes;
    byId.set(m.id, m);
    names.set(m.authorId.toLowerCase(), m.authorName);
    const quoted = m.replyTo && byId.get(m.replyTo);
    const ticks = mine && m.readBy != null
      ? h('span', { class: 'read-by' + (m.readBy ? ' seen' : ''), title: m.readBy ? t('ch_read_by', { n: m.readBy }) : t('ch_sent'),
        'aria-label': m.readBy ? t('ch_read_by', { n: m.readBy }) : t('ch_sent') }, m.readBy ? '✓✓' + (chat.kind === 'direct' ? '' : ' ' + m.readBy) : '✓') : null;
    const li = h('li', { 'data-seq': m.seq, 'data-message-id': m.id, 'data-author': String(m.authorId).toLowerCase(), 'data-at': m.createdAt,
      'data-read-by': mine && m.readBy != null ? m.readBy : null,
      class: ['msg', mine ? 'mine' : '', m.mentionsAll || (m.mentions || []).some(x => same(x, me)) ? 'mention-me' : ''].join(' ').trim() },
      mine ? null : avatar(m.authorName, m.authorId, '', photoURL(m.authorId, m.authorPhoto)),
      h('div', { class: 'bubble' },
        mine ? null : h('p', { class: 'author' }, h('strong', null, m.authorName), markOf(marks, m.authorId)),
        m.forwardedFrom ? h('p', { class: 'hint forwarded' }, t('ch_forwarded', { name: m.forwardedFrom })) : null,
        quoted ? h('blockquote', { class: 'reply-quote' }, h('strong', null, quoted.authorName), ' ', quoted.deleted ? t('ch_deleted') : quoted.text.slice(0, 100)) : null,
        m.poll && !m.deleted ? null : h('p', { class: 'message-text' }, m.deleted ? h('em', null, t('ch_deleted')) : richText(m.text)),
        m.deleted || !(m.attachments || []).length ? null : h('div', { class: 'attachments' }, m.attachments.map(a => a.image
          ? imageLink(a)
          : h('a', { href: '/api/v1/files/' + a.id, download: a.fileName, class: 'att-file', 'data-file-id': a.id },
            '📎 ', a.fileName, ' ', h('span', { class: 'sub' }, '(' + fileSize(a.size) + ')')))),
        m.poll && !m.deleted ? renderPoll(m) : null,
        h('span', { class: 'meta' }, m.pinned ? '📌 ' : '', m.editedAt && !m.deleted ? t('ch_edited') + ' ' : '',
          h('time', { datetime: m.createdAt, title: fmtDate(m.createdAt) }, timeOf(m.createdAt)), ticks ? ' ' : '', ticks)),
      m.deleted || !(m.reactions || []).length ? null : h('div', { class: 'reactions' },
        m.reactions.map(r => {
          const on = (m.myReactions || r.by.filter(x => same(x, me)).map(() => r.emoji)).includes(r.emoji);
          return h('button', { type: 'button', class: 'chip' + (on ? ' on' : ''), 'data-emoji': r.emoji, 'aria-pressed': String(on),
            onclick: () => react(m, r.emoji, !on).catch(e => fail(error, e)) }, r.emoji + ' ' + r.count);
        })),
      m.deleted ? null : menu(m, mine));
    longPress(li);
    const old = shown.get(m.seq);
    if (old) old.replaceWith(li);
    shown.set(m.seq, li);
    if (old) relayout();
    return { li, fresh: !old };
  };

  // A long press on a message opens its menu (phones have no hover).
  const longPress = li => {
    let timer = 0;
    li.addEventListener('touchstart', ev => {
      if (ev.target.closest('a, button, input, summary, textarea')) return;
      timer = setTimeout(() => li.querySelector('.msg-menu')?.setAttribute('open', ''), 500);
    }, { passive: true });
    for (const end of ['touchend', 'touchmove', 'touchcancel']) li.addEventListener(end, () => clearTimeout(timer), { passive: true });
  };

  // Day separators, the «new messages» line, and one author's consecutive messages grouped
  // (within five minutes): recomputed over the log after each change.
  const relayout = () => {
    for (const sep of log.querySelectorAll('.day, .unread-sep')) sep.remove();
    let prev = null;
    for (const li of [...log.children]) {
      if (!li.dataset.seq) continue;
      const at = new Date(li.dataset.at);
      const newDay = !prev || dayKey(at) !== dayKey(new Date(prev.dataset.at));
      if (newDay) li.before(h('li', { class: 'day', role: 'separator' }, h('span', null, dayLabel(at))));
      const seq = Number(li.dataset.seq);
      const unreadStart = firstUnread && seq > firstUnread && (!prev || Number(prev.dataset.seq) <= firstUnread) && !li.classList.contains('mine');
      if (unreadStart) li.before(h('li', { id: 'chat-unread-start', class: 'unread-sep', role: 'separator' }, h('span', null, t('ch_new_msgs'))));
      li.classList.toggle('cont', !newDay && !unreadStart && prev && prev.dataset.author === li.dataset.author
        && at - new Date(prev.dataset.at) < 5 * 60000);
      prev = li;
    }
  };

  const nearBottom = () => document.documentElement.scrollHeight - (scrollY + innerHeight) < 160;
  const append = m => {
    const follow = nearBottom();
    const { li, fresh } = render(m);
    if (!fresh) return;
    log.querySelector('.empty')?.remove();
    // Keep the order by number even if a live message overtakes the send's answer.
    const after = [...log.children].find(x => Number(x.dataset.seq) > m.seq);
    log.insertBefore(li, after || null);
    newest = Math.max(newest, m.seq);
    relayout();
    if (opened && (follow || same(m.authorId, me))) li.scrollIntoView({ block: 'end' });
  };
  let opened = false;
  for (const m of first.items) append(m);
  if (!first.items.length) log.append(h('li', { id: 'chat-empty', class: 'empty' }, t('ch_none')));

  const showPins = items => pinBar.replaceChildren(...items.map(m => h('li', { 'data-message-id': m.id },
    '📌 ', h('strong', null, m.authorName), ': ', m.text.slice(0, 140))));
  const loadPins = async () => showPins((await api('GET', base + '/pins')).items);
  showPins(pins.items);

  // Read marks: at most one request every 1.5 s, and only while the page is in view (every read is
  // an event for the chat's other members).
  let readTimer = 0, readUpTo = 0;
  const markRead = () => {
    if (!newest || newest <= readUpTo || readTimer) return;
    readTimer = setTimeout(() => {
      readTimer = 0;
      if (document.visibilityState !== 'visible') return;
      readUpTo = newest;
      api('POST', base + '/read', { seq: newest }).then(() => document.dispatchEvent(new CustomEvent('parta:read', { detail: chatId }))).catch(() => {});
    }, readUpTo ? 1500 : 0);
  };
  markRead();
  document.addEventListener('visibilitychange', markRead);
  signal?.addEventListener('abort', () => document.removeEventListener('visibilitychange', markRead));

  // Earlier pages: on the button, or by themselves when the top of the history scrolls into view
  // (the reader's place on the page is kept).
  let loadingEarlier = false;
  const earlier = btn('chat-earlier', t('ch_earlier'), 'link', async () => {
    if (loadingEarlier || oldest <= 1) return;
    loadingEarlier = true;
    try {
      const older = await api('GET', base + '/messages?limit=50&before=' + oldest);
      const before = document.documentElement.scrollHeight;
      for (const m of older.items.reverse()) { const { li } = render(m); log.prepend(li); }
      relayout();
      window.scrollBy(0, document.documentElement.scrollHeight - before);
      if (older.items.length) oldest = older.items[older.items.length - 1].seq;
      earlier.hidden = oldest <= 1;
    } catch (e) { fail(error, e); } finally { loadingEarlier = false; }
  });
  earlier.hidden = oldest <= 1;
  if ('IntersectionObserver' in window) {
    let scrolled = false;   // not on opening: only once the reader scrolls
    addEventListener('scroll', () => { scrolled = true; }, { passive: true, once: true });
    const watchTop = new IntersectionObserver(entries => { if (scrolled && entries.some(e => e.isIntersecting)) earlier.click(); });
    watchTop.observe(earlier);
    signal?.addEventListener('abort', () => watchTop.disconnect());
  }

  // Live, through the tab's socket: this chat's numbered events from the last one this page has
  // seen, after every reconnect too (or "resync": then the newest messages are fetched again).
  let closed = false, typingTimer = 0;
  const catchUp = async () => {
    for (const m of (await api('GET', base + '/messages?limit=100&after=' + newest)).items) append(m);
    loadPins();
  };
  // Numbered events: `lastEvent` is the last number seen with none missing before it; numbers seen
  // past a gap wait in `ahead`, so a later replay of the gap is taken and nothing is taken twice.
  const ahead = new Set();
  const removed = () => { closed = true; unwatch(); delete log.dataset.live; error.textContent = t('ch_removed'); };
  const onEvent = d => {
    if (closed) return;
    if (d.type === 'resync') { lastEvent = d.seq; ahead.clear(); catchUp().catch(() => {}); return; }
    if (typeof d.seq === 'number') {
      if (d.seq <= lastEvent || ahead.has(d.seq)) return;
      if (d.seq === lastEvent + 1) { lastEvent = d.seq; while (ahead.delete(lastEvent + 1)) lastEvent++; }
      else ahead.add(d.seq);
    }
    const x = d.data || {};
    switch (d.type) {
      case 'message.created':
        append(x); markRead();
        if (!same(x.authorId, me)) announce.textContent = t('ch_new_from', { name: x.authorName, text: (x.text || '').slice(0, 200) });
        break;
      case 'message.edited': case 'message.deleted': render(x); break;
      case 'message.pinned': case 'message.unpinned': render(x); loadPins(); break;
      case 'message.reaction': {
        const m = byId.get(x.messageId);
        if (!m) break;
        m.reactions = x.reactions;
        if (same(x.userId, me)) m.myReactions = x.added ? [...new Set([...(m.myReactions || []), x.emoji])] : (m.myReactions || []).filter(e => e !== x.emoji);
        render(m);
        break;
      }
      case 'poll.updated': {
        const m = byId.get(x.messageId);
        if (!m) break;
        m.poll = { ...x.poll, myVotes: m.poll ? m.poll.myVotes : [] };
        render(m);
        break;
      }
      case 'message.read':
        // Own messages the reader has now reached count one more reader.
        if (same(x.userId, me)) break;
        for (const m of byId.values()) if (same(m.authorId, me) && m.seq > x.from && m.seq <= x.seq && m.readBy != null) { m.readBy++; render(m); }
        break;
      case 'chat.members':
        if ((x.left || []).some(u => same(u, me))) removed();
        break;
      // The chat's title or mode changed, or the reader was muted or made an admin: show it afresh.
      case 'chat.updated': go(location.hash.slice(1), true); break;
      case 'chat.muted': case 'chat.role': if (same(x.userId, me)) go(location.hash.slice(1), true); break;
      case 'typing':
        if (same(d.userId, me)) break;
        typing.textContent = t('ch_typing', { name: names.get(String(d.userId).toLowerCase()) || '…' });
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { typing.textContent = ''; }, 4000);
        break;
    }
  };
  const unwatch = live.watch(chatId, { last: () => lastEvent, event: onEvent, gone: removed }, signal);
  live.on('resumed', () => { if (!closed) log.dataset.live = 'true'; }, signal);
  live.on('live', v => { if (!v) delete log.dataset.live; }, signal);
  if (chat.kind === 'direct') live.on('presence', d => { if (!same(d.userId, me)) showPresence(d.online); }, signal);

  // Sending over the live socket (no HTTP request per message); answered by "sent" or "send.failed"
  // with the clientId. No socket, or no answer in 10 s: the same send over HTTP — the clientId makes
  // the server store it once either way.
  const waiting = new Map();   // clientId → { body, resolve, reject }
  const post = body => new Promise((resolve, reject) => {
    if (!log.dataset.live || !live.send({ type: 'send', chatId, ...body })) { api('POST', base + '/messages', body).then(resolve, reject); return; }
    const timer = setTimeout(() => { waiting.delete(body.clientId); api('POST', base + '/messages', body).then(resolve, reject); }, 10000);
    waiting.set(body.clientId, { body, resolve: m => { clearTimeout(timer); resolve(m); }, reject: e => { clearTimeout(timer); reject(e); } });
  });
  const answered = d => {
    const w = waiting.get(d.clientId);
    if (!w) return;
    waiting.delete(d.clientId);
    if (d.type === 'sent') w.resolve(d.message);
    // The server is restarting: nothing was stored; the same send over HTTP in a moment.
    else if (d.status === 503) setTimeout(() => api('POST', base + '/messages', w.body).then(w.resolve, w.reject), 2000);
    else w.reject(new ApiError(d.status, d.error.code, d.error.message, undefined, d.retryAfter || null));
  };
  live.on('sent', answered, signal);
  live.on('send.failed', answered, signal);

  // A small card under a message (report, forward): one at a time.
  const underMessage = (m, box) => {
    document.querySelector('#chat-messages .under')?.remove();
    shown.get(m.seq)?.append(box);
    box.querySelector('select, textarea, input')?.focus();
  };
  // A card under a message (report, forward): a label, a control, send and cancel; «chat-<id>ed»
  // confirms it in place.
  const card = (id, label, control, goLabel, sendIt, doneText) => {
    const box = h('div', { id: 'chat-' + id, class: 'card under' }, h('label', { for: control.id }, label), control,
      h('p', { class: 'row-actions' },
        btn('chat-' + id + '-go', goLabel, 'primary', async () => {
          try {
            await sendIt();
            box.replaceWith(h('p', { id: 'chat-' + id + 'ed', class: 'ok under', role: 'status' }, doneText));
          } catch (e) { fail(error, e); }
        }),
        btn('chat-' + id + '-cancel', t('ch_cancel'), 'link', () => box.remove())));
    return box;
  };
  const report = m => {
    const reason = h('select', { id: 'chat-report-reason' },
      ['bullying', 'insult', 'inappropriate', 'danger', 'spam', 'other'].map(r => h('option', { value: r }, t('ch_r_' + r))));
    underMessage(m, card('report', t('ch_report_why'), reason, t('ch_report_go'),
      () => api('POST', '/messages/' + m.id + '/report', { reason: reason.value }), t('ch_reported')));
  };
  const forward = async m => {
    const { items } = await api('GET', '/schools/' + enc(chat.schoolId) + '/chats');
    const targets = items.filter(c => !same(c.id, chatId) && (!c.readOnly || c.role === 'owner' || c.role === 'admin'));
    const select = h('select', { id: 'chat-forward-to' }, targets.map(c => h('option', { value: c.id }, c.title)));
    underMessage(m, card('forward', t('ch_forward_to'), select, t('ch_forward'),
      () => api('POST', '/messages/' + m.id + '/forward', { chatId: select.value }), t('ch_forwarded_ok')));
  };
  // Editing in place: the text becomes a field; Enter saves, Escape cancels.
  const editInPlace = m => {
    const li = shown.get(m.seq), text = li?.querySelector('.message-text');
    if (!text) return;
    const area = h('textarea', { id: 'chat-edit-text', class: 'edit-text', rows: Math.min(8, m.text.split('\n').length + 1), maxlength: 4000,
      'aria-label': t('ch_edit') }, m.text);
    const save = async () => {
      const value = area.value.trim();
      if (!value || value === m.text) { render(byId.get(m.id)); return; }
      try { render(await api('PATCH', '/messages/' + m.id, { text: value })); } catch (e) { fail(error, e); }
    };
    const form = h('form', { class: 'edit-form', onsubmit: ev => { ev.preventDefault(); save(); } }, area,
      h('p', { class: 'row-actions' }, btn('chat-edit-save', t('ch_save'), 'primary', null, 'submit'),
        btn('chat-edit-cancel', t('ch_cancel'), 'link', () => render(byId.get(m.id)))));
    area.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); save(); }
      if (ev.key === 'Escape') { ev.preventDefault(); render(byId.get(m.id)); }
    });
    text.replaceWith(form);
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  };

  const replyBox = h('p', { id: 'chat-reply-to', class: 'reply-bar', hidden: true });
  const setReply = m => {
    replyTo = m ? m.id : null;
    replyBox.hidden = !m;
    replyBox.replaceChildren(...(m ? [h('span', null, t('ch_replying', { name: m.authorName }), ': ', m.text.slice(0, 60)),
      h('button', { type: 'button', id: 'chat-reply-cancel', class: 'btn link', 'aria-label': t('ch_cancel'), onclick: () => setReply(null) }, '✕')] : []));
    if (m) document.getElementById('chat-text')?.focus();
  };
  const form = mayPost ? composer() : h('p', { id: 'chat-read-only', class: 'hint composer-note' }, t('ch_read_only'));

  function composer() {
    const input = h('textarea', { id: 'chat-text', name: 'text', rows: 1, maxlength: 4000, required: true, placeholder: t('ch_text'),
      'aria-label': t('ch_text'), autocomplete: 'off', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'chat-mentions' });
    const send = h('button', { type: 'submit', id: 'chat-send', class: 'btn primary send', 'aria-label': t('ch_send'), title: t('ch_send') }, icon('send'));
    // Files go up at once, with progress; the message carries their ids when sent.
    const pending = [];
    const pendingList = h('ul', { id: 'chat-pending', class: 'list' });
    const bar = h('progress', { id: 'chat-upload-progress', max: 1, value: 0, hidden: true, 'aria-label': t('ch_uploading') });
    const file = h('input', { id: 'chat-file', type: 'file', multiple: true, class: 'visually-hidden-file', 'aria-label': t('ch_attach') });
    file.onchange = async () => {
      for (const f of [...file.files]) {
        const body = new FormData();
        body.append('file', f, f.name);
        bar.hidden = false; bar.value = 0;
        try {
          const a = await upload(base + '/files', body, p => { bar.value = p; });
          pending.push(a);
          pendingList.append(h('li', { 'data-file-id': a.id }, '📎 ', a.fileName, ' ', h('span', { class: 'sub' }, '(' + fileSize(a.size) + ')')));
        } catch (e) { fail(error, e); }
      }
      bar.hidden = true; file.value = '';
    };
    const pollPanel = pollCreator();
    const pollOpen = h('button', { type: 'button', id: 'chat-poll-open', class: 'btn icon', 'aria-label': t('ch_poll_new'), title: t('ch_poll_new'),
      'aria-expanded': 'false', 'aria-controls': 'chat-poll', onclick: () => {
        pollPanel.hidden = !pollPanel.hidden;
        pollOpen.setAttribute('aria-expanded', String(!pollPanel.hidden));
        if (!pollPanel.hidden) document.getElementById('chat-poll-q').focus();
      } }, icon('poll'));
    const mentions = mentionPicker(input);
    const f = h('form', { id: 'chat-form', class: 'composer', novalidate: true },
      replyBox, pendingList, bar, pollPanel, mentions.list,
      h('div', { class: 'composer-row' },
        h('label', { class: 'btn icon', for: 'chat-file', title: t('ch_attach') }, icon('clip'), h('span', { class: 'visually-hidden' }, t('ch_attach'))),
        file, pollOpen, input, send));
    let typedAt = 0;
    const grow = () => { input.style.height = 'auto'; input.style.height = Math.min(input.scrollHeight, 160) + 'px'; };
    input.addEventListener('input', () => {
      grow();
      if (Date.now() - typedAt > 3000) { typedAt = Date.now(); live.send({ type: 'typing', chatId }); }
    });
    f.onsubmit = async ev => {
      ev.preventDefault();
      const text = input.value.trim();
      if ((!text && !pending.length) || send.getAttribute('aria-busy')) return;
      error.textContent = '';
      send.setAttribute('aria-busy', 'true');
      const clientId = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
      const named = mentions.named(text);
      try {
        append(await post({ text, clientId, ...(replyTo ? { replyTo } : {}), ...(named.length ? { mentions: named } : {}),
          ...(pending.length ? { attachments: pending.map(a => a.id) } : {}), ...(moderator && /(^|\s)@all\b/.test(text) ? { mentionAll: true } : {}) }));
        input.value = ''; grow();
        pending.length = 0; pendingList.replaceChildren();
        setReply(null);
        input.focus();
      } catch (e) { fail(error, e); } finally { send.removeAttribute('aria-busy'); }
    };
    input.addEventListener('keydown', ev => {
      if (mentions.key(ev)) return;
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); f.requestSubmit(); }
    });
    return f;
  }

  // A poll: question, 2–10 options, multiple / anonymous.
  function pollCreator() {
    const opts = h('div', { id: 'chat-poll-options' });
    const addOption = () => {
      if (opts.children.length >= 10) return;
      const n = opts.children.length + 1;
      opts.append(h('input', { class: 'poll-opt', id: 'chat-poll-opt-' + n, maxlength: 100, 'aria-label': t('ch_poll_opt', { n }), placeholder: t('ch_poll_opt', { n }) }));
    };
    addOption(); addOption();
    const q = h('input', { id: 'chat-poll-q', maxlength: 300, 'aria-label': t('ch_poll_q'), placeholder: t('ch_poll_q') });
    const multi = h('input', { id: 'chat-poll-multi', type: 'checkbox' }), anon = h('input', { id: 'chat-poll-anon', type: 'checkbox' });
    const panel = h('div', { id: 'chat-poll', class: 'card poll-new', hidden: true }, h('p', null, h('strong', null, t('ch_poll_new'))), q, opts,
      h('button', { type: 'button', id: 'chat-poll-more', class: 'btn link', onclick: addOption }, '+ ', t('ch_poll_more')),
      h('label', { class: 'check' }, multi, t('ch_poll_multi')), h('label', { class: 'check' }, anon, t('ch_poll_anon')),
      btn('chat-poll-post', t('ch_poll_post'), 'primary', async () => {
        error.textContent = '';
        try {
          append(await api('POST', base + '/polls', { question: q.value,
            options: [...opts.querySelectorAll('input')].map(x => x.value.trim()).filter(Boolean), multiple: multi.checked, anonymous: anon.checked }));
          panel.hidden = true; q.value = ''; opts.replaceChildren(); addOption(); addOption();
          document.getElementById('chat-poll-open')?.setAttribute('aria-expanded', 'false');
        } catch (e) { fail(error, e); }
      }));
    return panel;
  }

  // «@» and a few letters: the chat's members by name (and «@all» for moderators), picked with the
  // arrows and Enter or Tab, or a tap. Picked people go with the message as mentions.
  function mentionPicker(input) {
    const list = h('ul', { id: 'chat-mentions', class: 'mentions', role: 'listbox', 'aria-label': t('ch_mentions'), hidden: true });
    const picked = new Map();   // name → user id
    let people = null, loading = null, options = [], active = 0, start = -1;
    const load = () => loading || (loading = api('GET', base + '/members')
      .then(r => (people = r.items.filter(p => !same(p.userId, me))), () => { loading = null; return []; }));
    const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); start = -1; };
    const highlight = () => {
      [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
      if (options.length) input.setAttribute('aria-activedescendant', 'mention-opt-' + active);
    };
    const choose = i => {
      const o = options[i];
      if (!o) return;
      const before = input.value.slice(0, start), after = input.value.slice(input.selectionStart);
      const insert = '@' + o.name + ' ';
      input.value = before + insert + after;
      if (o.id) picked.set(o.name, o.id);
      const at = before.length + insert.length;
      input.setSelectionRange(at, at);
      close();
      input.focus();
    };
    input.addEventListener('input', async () => {
      if (!people && /@/.test(input.value)) await load();
      // Read after the wait: what was typed meanwhile decides (an older keystroke must not reopen the list).
      const upTo = input.value.slice(0, input.selectionStart);
      const m = /(^|\s)@([^\s@]{0,30})$/.exec(upTo);
      if (!m) { close(); return; }
      start = upTo.length - m[2].length - 1;
      const q = m[2].toLowerCase();
      const all = people || [];
      options = all.filter(p => p.fullName.toLowerCase().split(/\s+/).some(w => w.startsWith(q)) || p.fullName.toLowerCase().startsWith(q))
        .slice(0, 8).map(p => ({ id: p.userId, name: p.fullName, photo: p.photo }));
      if (moderator && 'all'.startsWith(q)) options.unshift({ id: null, name: 'all', label: '@all — ' + t('ch_mention_all') });
      if (!options.length) { close(); return; }
      active = 0;
      list.replaceChildren(...options.map((o, i) => h('li', { id: 'mention-opt-' + i, role: 'option', class: 'mention-opt',
        onmousedown: ev => { ev.preventDefault(); choose(i); } }, o.id ? avatar(o.name, o.id, 'small', photoURL(o.id, o.photo)) : null,
        o.label || o.name, o.id ? markOf(marks, o.id) : null)));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      highlight();
    });
    input.addEventListener('blur', () => setTimeout(close, 150));
    return {
      list,
      // Keys while the list is open: true when the key was the picker's.
      key(ev) {
        if (list.hidden) return false;
        if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
          ev.preventDefault();
          active = (active + (ev.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length;
          highlight();
          return true;
        }
        if (ev.key === 'Enter' || ev.key === 'Tab') { ev.preventDefault(); choose(active); return true; }
        if (ev.key === 'Escape') { ev.preventDefault(); close(); return true; }
        return false;
      },
      named: text => [...picked].filter(([name]) => text.includes('@' + name)).map(([, id]) => id),
    };
  }

  // Presence of the other person of a direct chat.
  const sub = h('span', { id: 'chat-presence', class: 'sub' }, chat.kind === 'direct' ? '' : chat.memberCount ? t('ch_members_n', { n: chat.memberCount }) : t('ch_k_' + chat.kind));
  function showPresence(online) { sub.textContent = online ? t('ch_online') : t('ch_offline'); sub.dataset.online = online; }
  if (chat.kind === 'direct') api('GET', base + '/online').then(r => showPresence(r.items.some(u => !same(u, me)))).catch(() => {});
  const muted = chat.mutedUntil && new Date(chat.mutedUntil) > new Date()
    ? h('p', { id: 'chat-muted', class: 'hint' }, t('ch_muted', { t: fmtDate(chat.mutedUntil) })) : null;

  // Opening a chat shows the first unread message, or the newest: once the page is in place.
  setTimeout(() => {
    const target = document.getElementById('chat-unread-start');
    if (target) target.scrollIntoView({ block: 'start' }); else log.lastElementChild?.scrollIntoView({ block: 'end' });
    opened = true;
  }, 0);

  const head = h('div', { class: 'conv-head' },
    h('a', { id: 'chat-to-list', class: 'back', href: '#/school/' + enc(chat.schoolId) + '/chats', 'aria-label': t('ch_to_list'), title: t('ch_to_list') }, icon('back')),
    avatar(chat.title, chat.id, '', photoURL(chat.peerId, chat.peerPhoto)),
    h('div', { class: 'conv-title' }, h('h1', { id: 'page-title', tabindex: '-1' }, chat.title), sub),
    chat.audience ? null : h('a', { id: 'chat-settings', class: 'btn icon', href: '#/chat/' + enc(chatId) + '/settings',
      'aria-label': t('ch_settings'), title: t('ch_settings') }, icon('gear')));
  const conv = h('div', { class: 'conv-pane' }, head, pinBar, muted, earlier, log, typing, announce, error, form);
  let aside = null;
  if (wide()) {
    const list = chatList(chat.schoolId, signal, chatId);
    list.load().catch(() => {});
    aside = h('div', { class: 'list-pane', 'aria-label': t('ch_title') }, titleFilter(list), list.el);
  }
  return h('section', { class: 'page conv-page' }, h('div', { class: 'messenger' }, aside, conv));
}
