// #/school/<id>/chats — the chat list with unread counts; #/chat/<id> — a conversation: the last
// page at once, earlier pages on demand, sending (a client id per message, so a retry is stored
// once), replies, reactions, pins, forwarding, "read by N", typing, and everything live over the
// WebSocket, resumed exactly after a drop. Loaded on demand. (Creating chats from templates,
// files and polls come with the rest of issue 4.)
import { h, btn, page, alertBox, fail, fmtDate } from '../dom.js';
import { api, ApiError, session, upload, go } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  ch_title: ['Чаты', 'Chats'],
  ch_back: ['← К школе', '← School'],
  ch_empty: ['Чатов пока нет.', 'No chats yet.'],
  ch_none: ['Сообщений пока нет.', 'No messages yet.'],
  ch_unread: ['непрочитанных: {n}', 'unread: {n}'],
  ch_to_list: ['← Все чаты', '← All chats'],
  ch_earlier: ['Показать раньше', 'Show earlier'],
  ch_text: ['Сообщение', 'Message'],
  ch_send: ['Отправить', 'Send'],
  ch_read_only: ['В этом чате пишут только администраторы.', 'Only administrators post here.'],
  ch_deleted: ['Сообщение удалено', 'Message deleted'],
  ch_edited: ['изменено', 'edited'],
  ch_pinned: ['Закреплённые', 'Pinned'],
  ch_read_by: ['прочитано: {n}', 'read by {n}'],
  ch_forwarded: ['Переслано от: {name}', 'Forwarded from {name}'],
  ch_react: ['Реакция', 'React'],
  ch_reply: ['Ответить', 'Reply'], ch_replying: ['Ответ на сообщение: {name}', 'Replying to {name}'],
  ch_forward: ['Переслать', 'Forward'], ch_forward_to: ['Куда переслать', 'Forward to'], ch_forwarded_ok: ['Переслано.', 'Forwarded.'],
  ch_pin: ['Закрепить', 'Pin'], ch_unpin: ['Открепить', 'Unpin'],
  ch_edit: ['Изменить', 'Edit'], ch_delete: ['Удалить', 'Delete'], ch_delete_q: ['Удалить сообщение?', 'Delete the message?'],
  ch_typing: ['{name} печатает…', '{name} is typing…'],
  ch_removed: ['Вас удалили из этого чата.', 'You were removed from this chat.'],
  ch_search: ['Поиск по чатам', 'Search chats'],
  ch_attach: ['Прикрепить файл', 'Attach a file'], ch_uploading: ['Загрузка файла', 'Uploading'],
  ch_poll: ['Опрос', 'Poll'], ch_poll_q: ['Вопрос', 'Question'], ch_poll_opt: ['Вариант {n}', 'Option {n}'],
  ch_poll_more: ['Ещё вариант', 'Another option'], ch_poll_multi: ['Несколько ответов', 'Multiple answers'],
  ch_poll_anon: ['Анонимный', 'Anonymous'], ch_poll_post: ['Опубликовать опрос', 'Post the poll'],
  ch_vote: ['Голосовать', 'Vote'], ch_poll_close: ['Закрыть опрос', 'Close the poll'], ch_poll_closed: ['Опрос закрыт', 'Poll closed'],
  ch_poll_voters: ['проголосовали: {n}', 'voted: {n}'],
  ch_msg_search: ['Поиск по сообщениям', 'Search messages'], ch_find: ['Найти', 'Find'], ch_found_none: ['Ничего не найдено.', 'Nothing found.'],
  ch_online: ['в сети', 'online'], ch_offline: ['не в сети', 'offline'],
  ch_new: ['Новый чат', 'New chat'], ch_reports: ['Жалобы', 'Reports'], ch_settings: ['Настройки и участники', 'Settings and members'],
  ch_report: ['Пожаловаться', 'Report'], ch_report_go: ['Отправить жалобу', 'Send the report'], ch_reported: ['Жалоба отправлена модераторам.', 'Reported to the moderators.'],
  ch_muted: ['Модератор запретил вам писать сюда до {t}.', 'A moderator muted you here until {t}.'],
  ch_r_insult: ['оскорбление', 'insult'], ch_r_bullying: ['травля', 'bullying'], ch_r_spam: ['спам', 'spam'],
  ch_r_inappropriate: ['неуместное', 'inappropriate'], ch_r_danger: ['опасность', 'danger'], ch_r_other: ['другое', 'other'],
  ch_k_direct: ['личный', 'direct'], ch_k_group: ['группа', 'group'], ch_k_channel: ['канал', 'channel'],
});

export default async function chats({ params: [id], signal }) {
  return location.hash.startsWith('#/chat/') ? conversation(id, signal) : list(id, signal);
}

const listItem = c => h('li', { 'data-chat-id': c.id, 'data-unread': c.unread },
  h('a', { id: 'chat-link-' + c.id, href: '#/chat/' + encodeURIComponent(c.id) }, h('strong', null, c.title)), ' ',
  h('span', { class: 'sub' }, [t('ch_k_' + c.kind), c.unread ? t('ch_unread', { n: c.unread }) : '',
    c.lastMessage ? c.lastMessage.authorName + ': ' + (c.lastMessage.deleted ? t('ch_deleted') : c.lastMessage.text.slice(0, 80)) : '']
    .filter(Boolean).join(' · ')));

async function list(schoolId, signal) {
  const { items } = await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/chats');
  const search = h('input', { id: 'chats-search', type: 'search', 'aria-label': t('ch_search'), placeholder: t('ch_search'),
    oninput: () => { const q = search.value.trim().toLowerCase(); for (const li of listEl.children) li.hidden = !!q && !li.textContent.toLowerCase().includes(q); } });
  const listEl = h('ul', { id: 'chats-list', class: 'list' }, items.length ? items.map(listItem)
      : h('li', { id: 'chats-empty', class: 'empty' }, t('ch_empty')));
  // Live: new messages, new chats and membership changes refresh the list (unread counts, order).
  let ws = null, closed = false, timer = 0;
  const refresh = () => { clearTimeout(timer); timer = setTimeout(async () => {
    try {
      const fresh = (await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/chats')).items;
      listEl.replaceChildren(...(fresh.length ? fresh.map(listItem) : [h('li', { id: 'chats-empty', class: 'empty' }, t('ch_empty'))]));
      search.dispatchEvent(new Event('input'));
    } catch { /* next time */ }
  }, 250); };
  const connect = () => {
    if (closed) return;
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws');
    ws.onmessage = ev => {
      let d; try { d = JSON.parse(ev.data); } catch { return; }
      if (['message.created', 'message.deleted', 'chat.members', 'chat.updated', 'message.read'].includes(d.type)) refresh();
      if (d.type === 'hello') listEl.dataset.live = 'true';
    };
    ws.onclose = ev => { delete listEl.dataset.live; if (!closed && ev.code !== 4401 && ev.code !== 4429) setTimeout(() => { refresh(); connect(); }, 1000); };
  };
  connect();
  // Leaving the page (navigation, a closed tab, the back-forward cache) closes the socket.
  const stop = () => { closed = true; ws && ws.close(); };
  if (signal) signal.addEventListener('abort', stop);
  addEventListener('pagehide', stop, { once: true });
  // Search in messages (full text, the chats one reads), on Enter or the button.
  const found = h('ul', { id: 'chats-found', class: 'list' });
  const mq = h('input', { id: 'chats-msg-q', type: 'search', maxlength: 200, 'aria-label': t('ch_msg_search'), placeholder: t('ch_msg_search') });
  const error = alertBox('chats-error');
  const findMessages = async ev => {
    ev.preventDefault();
    error.textContent = '';
    if (!mq.value.trim()) { found.replaceChildren(); return; }
    try {
      const { items: hits } = await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/search?q=' + encodeURIComponent(mq.value.trim()));
      found.replaceChildren(...(hits.length ? hits.map(x => h('li', { 'data-message-id': x.message.id },
        h('a', { href: '#/chat/' + encodeURIComponent(x.chatId) }, h('strong', null, x.chatTitle)), ' ',
        h('span', { class: 'sub' }, x.message.authorName + ' · ' + fmtDate(x.message.createdAt)), h('p', { class: 'message-text' }, x.message.text)))
        : [h('li', { id: 'chats-found-none', class: 'empty' }, t('ch_found_none'))]));
    } catch (e) { fail(error, e); }
  };
  const msgSearch = h('form', { id: 'chats-msg-search', class: 'row-actions', role: 'search', onsubmit: findMessages }, mq,
    btn('chats-msg-go', t('ch_find'), '', null, 'submit'));
  const moderates = items.some(c => c.role === 'owner' || c.role === 'admin');
  return page(t('ch_title'),
    h('p', { class: 'row-actions' }, h('a', { id: 'chats-back', href: '#/school/' + encodeURIComponent(schoolId) }, t('ch_back')),
      h('a', { id: 'chats-new', class: 'btn primary', href: '#/school/' + encodeURIComponent(schoolId) + '/chats/new' }, t('ch_new')),
      moderates ? h('a', { id: 'chats-reports', class: 'btn', href: '#/school/' + encodeURIComponent(schoolId) + '/reports' }, t('ch_reports')) : null),
    msgSearch, error, found, search, listEl);
}

const fileSize = n => n < 1024 ? n + ' Б' : n < 1048576 ? Math.round(n / 1024) + ' КБ' : (n / 1048576).toFixed(1) + ' МБ';
const EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🔥', '🙏', '✅'];
const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();

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
  const base = '/chats/' + encodeURIComponent(chatId);
  const [chat, first, pins] = await Promise.all([api('GET', base), api('GET', base + '/messages?limit=50'), api('GET', base + '/pins')]);
  const me = session.me?.id;
  const moderator = chat.role === 'owner' || chat.role === 'admin';
  const mayPost = !chat.readOnly || moderator;
  const error = alertBox('chat-error');
  const log = h('ol', { id: 'chat-messages', class: 'list', 'aria-live': 'polite' });
  const pinBar = h('ul', { id: 'chat-pins', class: 'list pins', 'aria-label': t('ch_pinned') });
  const typing = h('p', { id: 'chat-typing', class: 'hint', 'aria-live': 'polite' });
  const shown = new Map();   // seq → <li>, so a message arriving twice (send answer + socket) shows once
  const byId = new Map();    // message id → its latest view
  const names = new Map();   // user id → name (for "typing")
  let oldest = first.items.length ? first.items[0].seq : chat.lastSeq + 1, newest = 0;
  let lastEvent = chat.lastEvent, replyTo = null;

  const act = (cls, label, fn) => h('button', { type: 'button', class: 'link ' + cls, onclick: async () => {
    error.textContent = '';
    try { await fn(); } catch (e) { fail(error, e); }
  } }, label);
  const react = (m, emoji, add) => act('', '', async () => render(await api('POST', '/messages/' + m.id + '/reactions', { emoji, add })));

  // A poll: choices (radio or checkbox), bars with counts, vote and close.
  // Widths through the CSSOM: the page's CSP forbids style attributes.
  const bar = share => { const el = h('span', { class: 'poll-bar' }); el.style.width = Math.round(100 * share) + '%'; return el; };
  const renderPoll = m => {
    const p = m.poll, total = Math.max(1, p.voters), mine = new Set(p.myVotes || []);
    const name = 'poll-' + p.id;
    const box = h('fieldset', { class: 'poll', 'data-poll-id': p.id }, h('legend', null, '📊 ', p.question),
      p.options.map((o, i) => h('label', { class: 'poll-option' },
        p.closed ? null : h('input', { type: p.multiple ? 'checkbox' : 'radio', name, value: i, checked: mine.has(i) }), ' ', o.text,
        bar(o.votes / total),
        h('span', { class: 'sub poll-count' }, ' ' + o.votes))),
      h('p', { class: 'sub' }, t('ch_poll_voters', { n: p.voters }), p.closed ? ' · ' + t('ch_poll_closed') : ''));
    if (!p.closed) {
      box.append(act('poll-vote', t('ch_vote'), async () => {
        const options = [...box.querySelectorAll('input:checked')].map(x => Number(x.value));
        m.poll = await api('POST', '/polls/' + p.id + '/vote', { options });
        render(m);
      }));
      if (same(m.authorId, me) || moderator) box.append(' ', act('poll-close', t('ch_poll_close'), async () => {
        m.poll = await api('POST', '/polls/' + p.id + '/close');
        render(m);
      }));
    }
    return box;
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
    const li = h('li', { 'data-seq': m.seq, 'data-message-id': m.id,
      class: [mine ? 'mine' : '', m.mentionsAll || (m.mentions || []).some(x => same(x, me)) ? 'mention-me' : ''].join(' ').trim() || null },
      h('strong', null, m.authorName), ' ',
      h('span', { class: 'sub' }, fmtDate(m.createdAt), m.editedAt && !m.deleted ? ' · ' + t('ch_edited') : '',
        m.pinned ? ' · 📌' : '', mine && m.readBy != null ? h('span', { class: 'read-by' }, ' · ' + t('ch_read_by', { n: m.readBy })) : ''),
      m.forwardedFrom ? h('p', { class: 'hint forwarded' }, t('ch_forwarded', { name: m.forwardedFrom })) : null,
      m.replyTo && byId.get(m.replyTo) ? h('blockquote', { class: 'reply-quote' }, byId.get(m.replyTo).authorName + ': ' + byId.get(m.replyTo).text.slice(0, 100)) : null,
      h('p', { class: 'message-text' }, m.deleted ? h('em', null, t('ch_deleted')) : richText(m.text)),
      m.deleted || !(m.attachments || []).length ? null : h('div', { class: 'attachments' }, m.attachments.map(a => a.image
        ? h('a', { href: '/api/v1/files/' + a.id, target: '_blank', rel: 'noopener', class: 'att-image', 'data-file-id': a.id },
          h('img', { src: '/api/v1/files/' + a.id, alt: a.fileName, loading: 'lazy' }))
        : h('a', { href: '/api/v1/files/' + a.id, download: a.fileName, class: 'att-file', 'data-file-id': a.id },
          '📎 ', a.fileName, ' ', h('span', { class: 'sub' }, '(' + fileSize(a.size) + ')')))),
      m.poll && !m.deleted ? renderPoll(m) : null,
      m.deleted ? null : h('div', { class: 'reactions' },
        (m.reactions || []).map(r => {
          const on = (m.myReactions || r.by.map(x => x.toLowerCase()).filter(x => same(x, me)).map(() => r.emoji)).includes(r.emoji);
          const b = react(m, r.emoji, !on);
          b.className = 'chip' + (on ? ' on' : ''); b.dataset.emoji = r.emoji; b.setAttribute('aria-pressed', on);
          b.textContent = r.emoji + ' ' + r.count;
          return b;
        }),
        h('details', { class: 'react-add' }, h('summary', { 'aria-label': t('ch_react') }, '☺+'),
          EMOJI.map(e => { const b = react(m, e, true); b.dataset.emoji = e; b.textContent = e; return b; })),
        h('span', { class: 'msg-actions' },
          mayPost ? act('act-reply', t('ch_reply'), () => setReply(m)) : null,
          act('act-forward', t('ch_forward'), () => forward(m)),
          moderator || chat.kind === 'direct' ? act('act-pin', m.pinned ? t('ch_unpin') : t('ch_pin'),
            async () => { render(await api(m.pinned ? 'DELETE' : 'PUT', '/messages/' + m.id + '/pin')); loadPins(); }) : null,
          mine ? act('act-edit', t('ch_edit'), async () => {
            const text = prompt(t('ch_edit'), m.text);
            if (text && text.trim() && text !== m.text) render(await api('PATCH', '/messages/' + m.id, { text }));
          }) : null,
          mine ? null : act('act-report', t('ch_report'), () => report(m)),
          mine || moderator ? act('act-delete', t('ch_delete'), async () => {
            if (confirm(t('ch_delete_q'))) render(await api('DELETE', '/messages/' + m.id));
          }) : null)));
    const old = shown.get(m.seq);
    if (old) old.replaceWith(li);
    shown.set(m.seq, li);
    return { li, fresh: !old };
  };
  const append = m => {
    const { li, fresh } = render(m);
    if (!fresh) return;
    log.querySelector('.empty')?.remove();
    // Keep the order by number even if a live message overtakes the send's answer.
    const after = [...log.children].find(x => Number(x.dataset.seq) > m.seq);
    log.insertBefore(li, after || null);
    newest = Math.max(newest, m.seq);
  };
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
      api('POST', base + '/read', { seq: newest }).catch(() => {});
    }, readUpTo ? 1500 : 0);
  };
  markRead();
  document.addEventListener('visibilitychange', markRead);
  if (signal) signal.addEventListener('abort', () => document.removeEventListener('visibilitychange', markRead));

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
      window.scrollBy(0, document.documentElement.scrollHeight - before);
      if (older.items.length) oldest = older.items[older.items.length - 1].seq;
      earlier.hidden = oldest <= 1;
    } catch (e) { fail(error, e); } finally { loadingEarlier = false; }
  });
  earlier.hidden = oldest <= 1;
  if ('IntersectionObserver' in window) {
    let scrolled = false;   // not on opening: only once the reader scrolls
    addEventListener('scroll', () => { scrolled = true; }, { passive: true, once: true });
    const watch = new IntersectionObserver(entries => { if (scrolled && entries.some(e => e.isIntersecting)) earlier.click(); });
    watch.observe(earlier);
    if (signal) signal.addEventListener('abort', () => watch.disconnect());
  }

  // Live: the socket authenticates with the session cookie and resumes from the last event number
  // this page has seen of the chat, so after a drop it gets exactly what it missed (or "resync":
  // then the newest messages are fetched again).
  let ws = null, closed = false, typingTimer = 0;
  const catchUp = async () => {
    for (const m of (await api('GET', base + '/messages?limit=100&after=' + newest)).items) append(m);
    loadPins();
  };
  // Numbered events: `lastEvent` is the last number seen with none missing before it; numbers seen
  // past a gap wait in `ahead`, so a later replay of the gap is taken and nothing is taken twice.
  const ahead = new Set();
  const onEvent = d => {
    if (d.type === 'resync') { lastEvent = d.seq; ahead.clear(); catchUp().catch(() => {}); return; }
    if (typeof d.seq === 'number') {
      if (d.seq <= lastEvent || ahead.has(d.seq)) return;
      if (d.seq === lastEvent + 1) { lastEvent = d.seq; while (ahead.delete(lastEvent + 1)) lastEvent++; }
      else ahead.add(d.seq);
    }
    const x = d.data || {};
    switch (d.type) {
      case 'message.created': append(x); markRead(); break;
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
        if ((x.left || []).some(u => same(u, me))) { closed = true; ws && ws.close(); error.textContent = t('ch_removed'); }
        break;
      // The chat's title or mode changed, or the reader was muted or made an admin: show it afresh.
      case 'chat.updated': go(location.hash.slice(1), true); break;
      case 'chat.muted': case 'chat.role': if (same(x.userId, me)) go(location.hash.slice(1), true); break;
      case 'typing':
        typing.textContent = t('ch_typing', { name: names.get(String(d.userId).toLowerCase()) || '…' });
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { typing.textContent = ''; }, 4000);
        break;
      case 'presence': if (!same(d.userId, me)) showPresence(d.online); break;
    }
  };
  // Sending over the live socket (no HTTP request per message); answered by "sent" or "send.failed"
  // with the clientId. No socket, or no answer in 10 s: the same send over HTTP — the clientId makes
  // the server store it once either way.
  const waiting = new Map();   // clientId → { resolve, reject }
  const post = body => {
    if (!ws || ws.readyState !== 1 || !log.dataset.live) return api('POST', base + '/messages', body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { waiting.delete(body.clientId); api('POST', base + '/messages', body).then(resolve, reject); }, 10000);
      waiting.set(body.clientId, { body, resolve: m => { clearTimeout(timer); resolve(m); }, reject: e => { clearTimeout(timer); reject(e); } });
      ws.send(JSON.stringify({ type: 'send', chatId, ...body }));
    });
  };
  const answered = d => {
    const w = waiting.get(d.clientId);
    if (!w) return;
    waiting.delete(d.clientId);
    if (d.type === 'sent') w.resolve(d.message);
    // The server is restarting: nothing was stored; the same send over HTTP in a moment.
    else if (d.status === 503) setTimeout(() => api('POST', base + '/messages', w.body).then(w.resolve, w.reject), 2000);
    else w.reject(new ApiError(d.status, d.error.code, d.error.message, undefined, d.retryAfter || null));
  };
  const connect = () => {
    if (closed) return;
    // resume=1: the server holds this chat's live events until the resume below is answered, so the
    // replay and what came meanwhile arrive once and in order.
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws?resume=1');
    ws.onmessage = ev => {
      let d; try { d = JSON.parse(ev.data); } catch { return; }
      if (d.type === 'sent' || d.type === 'send.failed') answered(d);
      else if (d.type === 'hello') ws.send(JSON.stringify({ type: 'resume', chats: { [chatId]: lastEvent } }));
      else if (d.type === 'resumed') {
        if ((d.gone || []).some(x => same(x, chatId))) { closed = true; ws.close(); error.textContent = t('ch_removed'); }
        else log.dataset.live = 'true';   // live from here (tests wait for it)
      } else if (d.type === 'presence' && chat.kind === 'direct') onEvent(d);
      else if (d.chatId && same(d.chatId, chatId)) onEvent(d);
    };
    // 4401: signed out; 4429: a newer tab or device took this socket's place.
    ws.onclose = ev => { delete log.dataset.live; if (!closed && ev.code !== 4401 && ev.code !== 4429) setTimeout(connect, 1000); };
  };
  connect();
  // Leaving the page (navigation, a closed tab, the back-forward cache) closes the socket.
  const stop = () => { closed = true; ws && ws.close(); };
  if (signal) signal.addEventListener('abort', stop);
  addEventListener('pagehide', stop, { once: true });

  const report = m => {
    const reason = h('select', { id: 'chat-report-reason', 'aria-label': t('ch_report') },
      ['bullying', 'insult', 'inappropriate', 'danger', 'spam', 'other'].map(r => h('option', { value: r }, t('ch_r_' + r))));
    const box = h('div', { id: 'chat-report', class: 'card' }, h('label', { for: 'chat-report-reason' }, t('ch_report')), reason,
      btn('chat-report-go', t('ch_report_go'), 'primary', async () => {
        try { await api('POST', '/messages/' + m.id + '/report', { reason: reason.value }); box.replaceWith(h('p', { id: 'chat-reported', class: 'ok', role: 'status' }, t('ch_reported'))); }
        catch (e) { fail(error, e); }
      }));
    document.getElementById('chat-report')?.remove();
    document.getElementById('chat-reported')?.remove();
    log.after(box);
  };

  const forward = async m => {
    const { items } = await api('GET', '/schools/' + encodeURIComponent(chat.schoolId) + '/chats');
    const targets = items.filter(c => !same(c.id, chatId) && (!c.readOnly || c.role === 'owner' || c.role === 'admin'));
    const select = h('select', { id: 'chat-forward-to', 'aria-label': t('ch_forward_to') }, targets.map(c => h('option', { value: c.id }, c.title)));
    const box = h('div', { id: 'chat-forward', class: 'card' }, h('label', { for: 'chat-forward-to' }, t('ch_forward_to')), select,
      btn('chat-forward-go', t('ch_forward'), 'primary', async () => {
        try { await api('POST', '/messages/' + m.id + '/forward', { chatId: select.value }); box.replaceWith(h('p', { id: 'chat-forwarded', class: 'ok', role: 'status' }, t('ch_forwarded_ok'))); }
        catch (e) { fail(error, e); }
      }));
    document.getElementById('chat-forward')?.remove();
    document.getElementById('chat-forwarded')?.remove();
    log.after(box);
  };

  let form = h('p', { id: 'chat-read-only', class: 'hint' }, t('ch_read_only'));
  const replyBox = h('p', { id: 'chat-reply-to', class: 'hint', hidden: true });
  const setReply = m => {
    replyTo = m ? m.id : null;
    replyBox.hidden = !m;
    replyBox.replaceChildren(...(m ? [t('ch_replying', { name: m.authorName }), ' ', act('chat-reply-cancel', '✕', () => setReply(null))] : []));
    if (m) document.getElementById('chat-text')?.focus();
  };
  if (mayPost) {
    const input = h('textarea', { id: 'chat-text', name: 'text', rows: 2, maxlength: 4000, required: true });
    const send = btn('chat-send', t('ch_send'), 'primary', null, 'submit');
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
    // A poll: question, 2–10 options, multiple / anonymous.
    const pollOpts = h('div', { id: 'chat-poll-options' });
    const addOption = () => {
      if (pollOpts.children.length >= 10) return;
      const n = pollOpts.children.length + 1;
      pollOpts.append(h('input', { class: 'poll-opt', id: 'chat-poll-opt-' + n, maxlength: 100, 'aria-label': t('ch_poll_opt', { n }), placeholder: t('ch_poll_opt', { n }) }));
    };
    addOption(); addOption();
    const pollQ = h('input', { id: 'chat-poll-q', maxlength: 300, 'aria-label': t('ch_poll_q'), placeholder: t('ch_poll_q') });
    const multi = h('input', { id: 'chat-poll-multi', type: 'checkbox' }), anon = h('input', { id: 'chat-poll-anon', type: 'checkbox' });
    const pollBox = h('details', { id: 'chat-poll' }, h('summary', null, t('ch_poll')), pollQ, pollOpts,
      h('button', { type: 'button', id: 'chat-poll-more', class: 'link', onclick: addOption }, t('ch_poll_more')),
      h('label', { class: 'check' }, multi, t('ch_poll_multi')), h('label', { class: 'check' }, anon, t('ch_poll_anon')),
      btn('chat-poll-post', t('ch_poll_post'), 'primary', async () => {
        error.textContent = '';
        try {
          append(await api('POST', base + '/polls', { question: pollQ.value,
            options: [...pollOpts.querySelectorAll('input')].map(x => x.value.trim()).filter(Boolean), multiple: multi.checked, anonymous: anon.checked }));
          pollBox.open = false; pollQ.value = ''; pollOpts.replaceChildren(); addOption(); addOption();
        } catch (e) { fail(error, e); }
      }));
    form = h('form', { id: 'chat-form', novalidate: true },
      replyBox, h('div', { class: 'field' }, h('label', { for: 'chat-text' }, t('ch_text')), input), pendingList, bar,
      h('p', { class: 'row-actions' }, h('label', { class: 'btn', for: 'chat-file' }, t('ch_attach')), file, send), pollBox);
    let typedAt = 0;
    input.addEventListener('input', () => {
      if (Date.now() - typedAt > 3000 && ws && ws.readyState === 1) { typedAt = Date.now(); ws.send(JSON.stringify({ type: 'typing', chatId })); }
    });
    form.onsubmit = async ev => {
      ev.preventDefault();
      const text = input.value.trim();
      if ((!text && !pending.length) || send.getAttribute('aria-busy')) return;
      error.textContent = '';
      send.setAttribute('aria-busy', 'true');
      const clientId = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
      try {
        append(await post({ text, clientId, ...(replyTo ? { replyTo } : {}),
          ...(pending.length ? { attachments: pending.map(a => a.id) } : {}), ...(moderator && /(^|\s)@all\b/.test(text) ? { mentionAll: true } : {}) }));
        input.value = '';
        pending.length = 0; pendingList.replaceChildren();
        setReply(null);
        input.focus();
      } catch (e) { fail(error, e); } finally { send.removeAttribute('aria-busy'); }
    };
    input.addEventListener('keydown', ev => { if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); } });
  }
  // Presence of the other person of a direct chat.
  const presence = h('span', { id: 'chat-presence', class: 'sub' });
  function showPresence(online) { presence.textContent = online ? t('ch_online') : t('ch_offline'); presence.dataset.online = online; }
  if (chat.kind === 'direct') api('GET', base + '/online').then(r => showPresence(r.items.some(u => !same(u, me)))).catch(() => {});
  const muted = chat.mutedUntil && new Date(chat.mutedUntil) > new Date()
    ? h('p', { id: 'chat-muted', class: 'hint' }, t('ch_muted', { t: fmtDate(chat.mutedUntil) })) : null;
  // Opening a chat shows its newest messages: scroll to them once the page is in place.
  setTimeout(() => log.lastElementChild?.scrollIntoView({ block: 'end' }), 0);
  return page(chat.title,
    h('p', { class: 'row-actions' }, h('a', { id: 'chat-to-list', href: '#/school/' + encodeURIComponent(chat.schoolId) + '/chats' }, t('ch_to_list')),
      chat.kind === 'direct' ? presence : null,
      chat.audience ? null : h('a', { id: 'chat-settings', href: '#/chat/' + encodeURIComponent(chatId) + '/settings' }, t('ch_settings'))),
    pinBar, muted, earlier, log, typing, error, form);
}
