// The one live connection of a tab (issue 13): opened while someone is signed in, reconnected with
// exponential backoff and jitter, resumed exactly (each watched chat from the last event number its
// page has seen). Pages subscribe to frame types with `on` and watch chats with `watch`; nothing
// else in the client opens a WebSocket.

const subscribers = new Map();   // frame type → Set of handlers ('*chat' gets every chat event)
const watched = new Map();       // chat id (lower case) → { last(), event(frame), gone() }
let ws = null, wanted = false, live = false, attempt = 0, retryTimer = 0;

function emit(type, frame) {
  for (const fn of subscribers.get(type) || []) {
    try { fn(frame); } catch (e) { console.error(e); }
  }
}

/** Calls `fn(frame)` for every frame of `type`; returns the unsubscribe function. Besides the
 *  server's types: 'live' (true/false as the socket comes and goes) and '*chat' (every chat event). */
export function on(type, fn, signal) {
  if (!subscribers.has(type)) subscribers.set(type, new Set());
  subscribers.get(type).add(fn);
  const off = () => subscribers.get(type)?.delete(fn);
  if (signal) signal.addEventListener('abort', off);
  return off;
}

const resumeFrame = ids => JSON.stringify({ type: 'resume', chats: Object.fromEntries(ids.map(id => [id, watched.get(id).last()])) });

/** A page follows a chat: `event(frame)` gets its numbered events from `last()` on, after every
 *  reconnect too; `gone()` when the person no longer reads it. Returns the unwatch function. */
export function watch(chatId, handlers, signal) {
  const id = String(chatId).toLowerCase();
  watched.set(id, handlers);
  if (live) ws.send(resumeFrame([id]));
  const off = () => { if (watched.get(id) === handlers) watched.delete(id); };
  if (signal) signal.addEventListener('abort', off);
  return off;
}

/** Sends a frame if the socket is live; false otherwise (the caller falls back to HTTP). */
export function send(frame) {
  if (!live || ws.readyState !== 1) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

export const isLive = () => live;

function setLive(v) {
  if (live === v) return;
  live = v;
  emit('live', v);
}

function connect() {
  clearTimeout(retryTimer);
  if (!wanted || ws) return;
  // resume=1: the server holds live events until the first resume is answered, so a replay and
  // what came meanwhile arrive once and in order.
  const socket = ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws?resume=1');
  socket.onmessage = ev => {
    let d; try { d = JSON.parse(ev.data); } catch { return; }
    if (d.type === 'hello') { socket.send(resumeFrame([...watched.keys()])); return; }
    if (d.type === 'resumed') {
      attempt = 0;
      for (const id of d.gone || []) watched.get(String(id).toLowerCase())?.gone?.();
      setLive(true);
      emit('resumed', d);
      return;
    }
    if (d.chatId && typeof d.type === 'string' && d.type !== 'sent' && d.type !== 'send.failed') {
      watched.get(String(d.chatId).toLowerCase())?.event(d);
      emit('*chat', d);
      return;
    }
    emit(d.type, d);
  };
  socket.onclose = ev => {
    if (ws === socket) ws = null;
    setLive(false);
    // 4401: the session ended; 4429: a newer tab or device took this socket's place.
    if (ev.code === 4401) { wanted = false; emit('signedout', ev); return; }
    if (!wanted) return;
    // 0.5 s, 1 s, 2 s … up to 30 s, each somewhere between half and all of it (a school's phones
    // coming back after a network blip do not all knock at once).
    const base = Math.min(30000, 500 * 2 ** attempt++);
    const delay = (ev.code === 4429 ? 30000 : base) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(connect, delay);
  };
}

/** Opens the socket (signed in). Coming back online or to the tab reconnects at once. */
export function start() {
  if (wanted) return;
  wanted = true;
  attempt = 0;
  connect();
}

/** Closes it (signed out). */
export function stop() {
  wanted = false;
  clearTimeout(retryTimer);
  if (ws) { const s = ws; ws = null; s.close(); }
  setLive(false);
}

addEventListener('online', () => { attempt = 0; if (wanted && !ws) connect(); });
// Leaving the page (navigation, a closed tab, the back-forward cache) closes the socket, so the
// person does not stay "online" in a page nobody sees; coming back from the cache reopens it.
let suspended = false;
addEventListener('pagehide', () => {
  if (!wanted) return;
  suspended = true;
  wanted = false;
  clearTimeout(retryTimer);
  if (ws) { const s = ws; ws = null; s.close(); }
});
addEventListener('pageshow', ev => { if (ev.persisted && suspended) { suspended = false; start(); } });
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && wanted && !ws) { attempt = 0; connect(); }
});
