// DOM building without innerHTML, form fields, errors, formatting.
import { t, lang } from './i18n.js';
import { ApiError, authLost } from './api.js';

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  if (attrs) for (const k in attrs) {
    const v = attrs[k];
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  add(el, kids);
  return el;
}
function add(el, kids) {
  for (const c of kids) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (id, root = document) => root.querySelector('#' + CSS.escape(id));

// A page: <section> with the one <h1> that receives focus on navigation.
export const page = (title, ...kids) => h('section', { class: 'page' }, h('h1', { id: 'page-title', tabindex: '-1' }, title), kids);

// Replace a page's content in place (e.g. a success screen) and move focus to its heading.
export function swap(root, title, ...kids) {
  root.replaceChildren(...page(title, ...kids).childNodes);
  focusTitle(root);
}
export function focusTitle(root = document) {
  const h1 = root.querySelector('h1');
  if (h1) { document.title = h1.textContent + ' — Parta'; h1.focus(); }
}

export const alertBox = id => h('div', { id, class: 'alert', role: 'alert' });
export const statusBox = id => h('div', { id, class: 'ok', role: 'status', tabindex: '-1' });

// A labelled input: id = `${p}-${name}`, its error = `${id}-error`.
// o: {type, req, ac, im, value, hint, max, accept, rows, options:[[value,label]], ph}
export function field(p, name, label, o = {}) {
  const id = p + '-' + name, hid = o.hint ? id + '-hint' : null;
  const a = {
    id, name, required: !!o.req, autocomplete: o.ac || 'off', inputmode: o.im, maxlength: o.max,
    placeholder: o.ph, 'aria-describedby': (hid ? hid + ' ' : '') + id + '-error',
  };
  let input;
  if (o.options) input = h('select', a, o.options.map(([v, l]) => h('option', { value: v, selected: v === o.value }, l)));
  else if (o.rows) input = h('textarea', { ...a, rows: o.rows }, o.value || '');
  else input = h('input', { ...a, type: o.type || 'text', value: o.value, accept: o.accept, spellcheck: o.type ? null : 'false' });
  return h('div', { class: 'field' },
    h('label', { for: id }, label, o.req === false ? h('span', { class: 'opt' }, ' ' + t('optional')) : null),
    hid && h('p', { id: hid, class: 'hint' }, o.hint),
    input,
    h('p', { id: id + '-error', class: 'ferr' }));
}

export function clearErrors(form) {
  for (const e of form.querySelectorAll('.ferr')) e.textContent = '';
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

// Throws a validation error built on the client; falsy messages are ignored.
export function check(fields) {
  const f = {};
  for (const k in fields) if (fields[k]) f[k] = fields[k];
  if (Object.keys(f).length) throw new ApiError(400, 'validation_failed', '', f);
}

export function errMsg(e) {
  if (!(e instanceof ApiError)) return t('e_generic');
  if (e.status === 429 && e.retryAfter) return t('e_rate', { s: e.retryAfter });
  if (e.status === 0) return t('e_network');
  const own = t('e_' + e.code, null, true);
  if (lang() !== 'ru' && own) return own;
  return e.message || own || t('e_generic');
}

// Shows an error: field messages next to their inputs (alias maps server field → input name),
// the rest in the alert box; moves focus to the first invalid input.
export function fail(box, e, form, p, alias = {}) {
  if (e && e.status === 401 && e.code === 'unauthenticated') { authLost(); return; }
  if (!(e instanceof ApiError)) console.error(e);
  let msg = errMsg(e);
  if (form && e && e.fields) {
    const rest = [];
    for (const k in e.fields) {
      const input = $(p + '-' + (alias[k] || k), form);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        $(input.id + '-error', form).textContent = e.fields[k];
      } else rest.push(e.fields[k]);
    }
    msg = rest.length ? rest.join(' ') : t('checkFields');
    const first = form.querySelector('[aria-invalid]');
    if (first) first.focus();
  }
  box.textContent = msg;
}

// Runs a form action once at a time; errors go to `box`. Returns the error, if any.
export async function run(form, btn, fn, box, p, alias) {
  if (form._busy || (btn && btn.getAttribute('aria-disabled'))) return;
  form._busy = true;
  if (btn) btn.setAttribute('aria-busy', 'true');
  clearErrors(form);
  box.textContent = '';
  try { await fn(); } catch (e) { fail(box, e, form, p, alias); return e; } finally {
    form._busy = false;
    if (btn) btn.removeAttribute('aria-busy');
  }
}

// Counts down on a button (resend): disabled until zero.
export function countdown(btn, secs, signal) {
  const idle = btn._idle = btn._idle || btn.textContent;
  clearInterval(btn._cd);
  btn.setAttribute('aria-disabled', 'true');
  let left = secs;
  const tick = () => {
    if (left <= 0 || (signal && signal.aborted)) {
      clearInterval(btn._cd); btn.textContent = idle; btn.removeAttribute('aria-disabled');
      return;
    }
    btn.textContent = t('resendIn', { s: left-- });
  };
  tick();
  btn._cd = setInterval(tick, 1000);
}

const loc = () => (lang() === 'ru' ? 'ru-RU' : 'en-GB');
export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(loc(), { dateStyle: 'medium', timeStyle: 'short' });
}
// A school year by the year it starts in: 2026 → «2026/2027».
export const yearLabel = y => (y ? y + '/' + (y + 1) : '');
export function fmtSize(n) {
  return n < 1024 * 1024 ? Math.ceil(n / 1024) + ' ' + t('kb') : (n / 1048576).toFixed(1) + ' ' + t('mb');
}

// <dl> from [[label, value]]; an empty value shows «—».
export const dl = (id, rows) => h('dl', { id, class: 'props' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v == null || v === '' ? '—' : v)]));

// Client-side password rules (the server checks again): ≥ 8 characters, repeated the same.
export const pwCheck = (pw, pw2, n1 = 'password', n2 = 'password2') =>
  ({ [n1]: pw.length < 8 && t('pwHint'), [n2]: pw !== pw2 && t('pwMismatch') });

// A one-time link that cannot be used: 404 link_not_found, 410 link_used / link_expired.
export function linkProblem(p, title, e, hint) {
  const key = { link_used: 'linkUsed', link_expired: 'linkExpired' }[e.code] || 'linkNotFound';
  return page(title,
    h('div', { id: p + '-invalid', class: 'alert', role: 'alert', 'data-code': e.code }, t(key)),
    h('p', null, hint),
    h('p', null, h('a', { href: '#/signin', class: 'btn' }, t('signIn'))));
}

export const btn = (id, label, cls = '', onclick = null, type = 'button') => h('button', { type, id, class: 'btn ' + cls, onclick }, label);
export const sec = (id, title, ...kids) => h('section', { 'aria-labelledby': id + '-h' }, h('h2', { id: id + '-h' }, title), kids);

// Icons: a few strokes of SVG made here (no image files, no markup strings).
const ICONS = {
  chats: 'M4 5h16v11H9l-5 4z', school: 'M3 10l9-6 9 6M5 10v9h14v-9M10 19v-5h4v5', account: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c1-4 4-6 8-6s7 2 8 6',
  queue: 'M5 4h14v16H5zM8 9h8M8 13h8M8 17h5', marks: 'M6 3h12v18H6zM9 8h6M9 12h6M9 16h3', signin: 'M10 17l5-5-5-5M15 12H3M14 4h6v16h-6',
  clip: 'M20 11l-8.5 8.5a5 5 0 0 1-7-7L13 4a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L15 7', poll: 'M5 20V10M12 20V4M19 20v-7',
  send: 'M4 12l16-8-6 16-3-7z', gear: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM12 2v3M12 19v3M2 12h3M19 12h3M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2',
  back: 'M15 5l-7 7 7 7', calendar: 'M4 6h16v14H4zM4 10h16M8 3v5M16 3v5', day: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8 12l3 3 5-6', more: 'M5 12h.01M12 12h.01M19 12h.01',
};
export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24'); svg.setAttribute('aria-hidden', 'true'); svg.setAttribute('class', 'ico');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', ICONS[name]);
  svg.append(p);
  return svg;
}
