// HTTP access to /api/v1, the signed-in person, navigation helpers.
// The session token lives only in the HttpOnly cookie; nothing is stored here.

export class ApiError extends Error {
  constructor(status, code, message, fields, retryAfter) {
    super(message);
    Object.assign(this, { status, code, fields, retryAfter });
  }
}
const toError = (status, d, ra) => {
  const e = (d && d.error) || {};
  return new ApiError(status, e.code || 'http_' + status, e.message || '', e.fields, parseInt(ra, 10) || null);
};
const parse = s => { try { return JSON.parse(s); } catch { return null; } };

// The loading bar appears only when some request takes longer than 150 ms.
let pending = 0, timer = 0;
function track(d) {
  pending += d;
  const on = v => document.getElementById('loading').classList.toggle('on', v);
  if (pending && !timer) timer = setTimeout(() => on(pending > 0), 150);
  if (!pending) { clearTimeout(timer); timer = 0; on(false); }
}

export async function api(method, path, body) {
  const o = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    o.headers['Content-Type'] = 'application/json';
    o.body = JSON.stringify(body);
  }
  track(1);
  try {
    const r = await fetch('/api/v1' + path, o).catch(() => { throw new ApiError(0, 'network', ''); });
    const d = parse(await r.text());
    if (!r.ok) throw toError(r.status, d, r.headers.get('Retry-After'));
    return d;
  } finally { track(-1); }
}

// multipart upload with progress (fetch has no upload progress). Same-origin XHR sends the cookie.
export function upload(path, form, onProgress, method = 'POST') {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, '/api/v1' + path);
    x.setRequestHeader('Accept', 'application/json');
    x.upload.onprogress = e => e.lengthComputable && onProgress(e.loaded / e.total);
    x.upload.onload = () => onProgress(1);
    x.onload = () => {
      const d = parse(x.responseText);
      if (x.status < 300) resolve(d); else reject(toError(x.status, d, x.getResponseHeader('Retry-After')));
    };
    x.onerror = x.onabort = () => reject(new ApiError(0, 'network', ''));
    x.send(form);
  });
}

// The signed-in person: undefined = not asked yet, null = signed out.
export const session = { me: undefined };
// What the shell knows for every page: `badges` = the last GET /me/badges (document event 'parta:badges' on change).
export const shell = { badges: null };
const listeners = [];
let inflight = null;
export const onMe = f => listeners.push(f);
export function setMe(u) { session.me = u; listeners.forEach(f => f(u)); return u; }

export function loadMe(force) {
  if (session.me !== undefined && !force) return Promise.resolve(session.me);
  return inflight = inflight || api('GET', '/me').then(setMe, e => {
    if (e.status === 401) return setMe(null);
    throw e;
  }).finally(() => { inflight = null; });
}

export function go(path, replace) {
  const hash = '#' + path;
  if (replace) history.replaceState(null, '', hash);
  else if (location.hash !== hash) return void (location.hash = hash);
  dispatchEvent(new HashChangeEvent('hashchange'));
}

let returnTo = null;
export function takeReturn() { const r = returnTo; returnTo = null; return r; }
// The session is gone (401 unauthenticated): remember where we were and sign in again.
export function authLost() {
  const cur = location.hash.slice(1);
  if (!/^\/(signin|setup|activate|apply)?$/.test(cur.split('/').slice(0, 2).join('/'))) returnTo = cur;
  setMe(null);
  go('/signin', true);
}

export async function signOut() {
  await api('POST', '/auth/signout').catch(() => {});
  setMe(null);
  go('/signin');
}

// The school the navigation points at: where the person administers, else their first.
export function mainSchool(u) {
  const m = (u && u.memberships) || [];
  return m.find(x => x.role === 'admin') || m[0] || null;
}

// Where a person lands (issue 13: each on what they came for): the operator on the queue, an
// administrator on the school's dashboard, everyone else on their chats.
export function homeOf(u) {
  if (!u) return '/signin';
  if (u.isOperator) return '/applications';
  const s = mainSchool(u);
  if (!s) return null;
  return '/school/' + encodeURIComponent(s.schoolId) + (s.role === 'admin' ? '' : '/chats');
}

// «Петров Пётр Петрович» → «Пётр Петрович» (how Russian speakers address a person politely);
// two words (a child's «Соколов Миша») → the given name.
export function shortName(full = '') {
  const w = full.trim().split(/\s+/);
  return w.length >= 3 ? w.slice(1, 3).join(' ') : w.length === 2 ? w[1] : full;
}
