// #/school/<id>/chats — the chat list with unread counts; #/chat/<id> — a conversation: the last
// page at once, earlier pages on demand, sending (a client id per message, so a retry is stored
// once), and new messages live over the WebSocket. Loaded on demand. (Creating chats from
// templates, reactions, files and polls come with the rest of issue 4.)
import { h, btn, page, alertBox, fail, fmtDate } from '../dom.js';
import { api, session } from '../api.js';
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
  ch_k_direct: ['личный', 'direct'], ch_k_group: ['группа', 'group'], ch_k_channel: ['канал', 'channel'],
});

export default async function chats({ params: [id], signal }) {
  return location.hash.startsWith('#/chat/') ? conversation(id, signal) : list(id);
}

async function list(schoolId) {
  const { items } = await api('GET', '/schools/' + encodeURIComponent(schoolId) + '/chats');
  return page(t('ch_title'),
    h('p', null, h('a', { id: 'chats-back', href: '#/school/' + encodeURIComponent(schoolId) }, t('ch_back'))),
    h('ul', { id: 'chats-list', class: 'list' }, items.length ? items.map(c => h('li', { 'data-chat-id': c.id, 'data-unread': c.unread },
      h('a', { id: 'chat-link-' + c.id, href: '#/chat/' + encodeURIComponent(c.id) }, h('strong', null, c.title)), ' ',
      h('span', { class: 'sub' }, [t('ch_k_' + c.kind), c.unread ? t('ch_unread', { n: c.unread }) : '',
        c.lastMessage ? c.lastMessage.authorName + ': ' + (c.lastMessage.deleted ? t('ch_deleted') : c.lastMessage.text.slice(0, 80)) : '']
        .filter(Boolean).join(' · '))))
      : h('li', { id: 'chats-empty', class: 'empty' }, t('ch_empty'))));
}

async function conversation(chatId, signal) {
  const base = '/chats/' + encodeURIComponent(chatId);
  const [chat, first] = await Promise.all([api('GET', base), api('GET', base + '/messages?limit=50')]);
  const error = alertBox('chat-error');
  const log = h('ol', { id: 'chat-messages', class: 'list', 'aria-live': 'polite' });
  const shown = new Map();   // seq → <li>, so a message arriving twice (send answer + socket) shows once
  let oldest = first.items.length ? first.items[0].seq : chat.lastSeq + 1, newest = 0;

  const render = m => {
    const li = h('li', { 'data-seq': m.seq, 'data-message-id': m.id, class: m.authorId === session.me?.id ? 'mine' : null },
      h('strong', null, m.authorName), ' ', h('span', { class: 'sub' }, fmtDate(m.createdAt), m.editedAt && !m.deleted ? ' · ' + t('ch_edited') : ''),
      h('p', { class: 'message-text' }, m.deleted ? h('em', null, t('ch_deleted')) : m.text));
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

  const markRead = () => newest && api('POST', base + '/read', { seq: newest }).catch(() => {});
  markRead();

  const earlier = btn('chat-earlier', t('ch_earlier'), 'link', async () => {
    try {
      const older = await api('GET', base + '/messages?limit=50&before=' + oldest);
      for (const m of older.items.reverse()) { const { li } = render(m); log.prepend(li); }
      if (older.items.length) oldest = older.items[older.items.length - 1].seq;
      earlier.hidden = oldest <= 1;
    } catch (e) { fail(error, e); }
  });
  earlier.hidden = oldest <= 1;

  // Live: the socket authenticates with the session cookie; after a drop it reconnects and fetches
  // what came after the newest message shown.
  let ws = null, closed = false;
  const connect = () => {
    if (closed) return;
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws');
    ws.onmessage = ev => {
      let d; try { d = JSON.parse(ev.data); } catch { return; }
      if (d.chatId !== chatId || !d.message) return;
      if (d.type === 'message.created') { append(d.message); markRead(); } else render(d.message);
    };
    ws.onopen = async () => {
      try { for (const m of (await api('GET', base + '/messages?limit=100&after=' + newest)).items) append(m); } catch { /* next time */ }
    };
    ws.onclose = ev => { if (!closed && ev.code !== 4401) setTimeout(connect, 1000); };
  };
  connect();
  if (signal) signal.addEventListener('abort', () => { closed = true; ws && ws.close(); });

  let form = h('p', { id: 'chat-read-only', class: 'hint' }, t('ch_read_only'));
  const mayPost = !chat.readOnly || chat.role === 'owner' || chat.role === 'admin';
  if (mayPost) {
    const input = h('textarea', { id: 'chat-text', name: 'text', rows: 2, maxlength: 4000, required: true });
    const send = btn('chat-send', t('ch_send'), 'primary', null, 'submit');
    form = h('form', { id: 'chat-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'chat-text' }, t('ch_text')), input), send);
    form.onsubmit = async ev => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text || send.getAttribute('aria-busy')) return;
      error.textContent = '';
      send.setAttribute('aria-busy', 'true');
      const clientId = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
      try {
        append(await api('POST', base + '/messages', { text, clientId }));
        input.value = '';
        input.focus();
      } catch (e) { fail(error, e); } finally { send.removeAttribute('aria-busy'); }
    };
    input.addEventListener('keydown', ev => { if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); } });
  }
  return page(chat.title,
    h('p', null, h('a', { id: 'chat-to-list', href: '#/school/' + encodeURIComponent(chat.schoolId) + '/chats' }, t('ch_to_list'))),
    earlier, log, error, form);
}
