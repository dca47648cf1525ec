// Boot, hash router, the shell: an app bar and bottom navigation on phones, a sidebar on wide
// screens, live badges, the unread count in the tab's title and icon, notifications while hidden.
import { h, btn, page, focusTitle, errMsg, icon } from './dom.js';
import { api, loadMe, onMe, session, shell, homeOf, mainSchool, shortName, go, authLost, signOut } from './api.js';
import * as live from './socket.js';
import { t, lang, setLang } from './i18n.js';
import signin from './pages/signin.js';
import school from './pages/school.js';
import account from './pages/account.js';

async function home() {
  const me = await loadMe(true);
  const to = homeOf(me);
  if (to) { go(to, true); return null; }
  return page(t('hello', { name: shortName(me.fullName) }),
    h('p', { id: 'home-no-school' }, t('noSchool')),
    h('p', null, h('a', { href: '#/account', class: 'btn' }, t('accountTitle'))));
}

// Pages outside the shell load on first use, with their stylesheet; `view` names which screen of
// a module the route shows (the module does not look at the address again).
const lazy = (name, view) => async ctx => {
  ctx.view = view;
  if (!document.getElementById('pages-css')) document.head.append(h('link', { id: 'pages-css', rel: 'stylesheet', href: new URL('../css/pages.css', import.meta.url).href }));
  return (await import('./pages/' + name + '.js')).default(ctx);
};

const routes = [
  [/^\/?$/, home],
  [/^\/signin$/, signin],
  [/^\/setup\/([^/]+)$/, lazy('setup')],
  [/^\/apply$/, lazy('apply')],
  [/^\/applications$/, lazy('queue')],
  [/^\/activate\/([^/]+)$/, lazy('activate')],
  [/^\/school\/([^/]+)$/, school],
  [/^\/school\/([^/]+)\/classes$/, lazy('classes')],
  [/^\/school\/([^/]+)\/invites$/, lazy('invites')],
  [/^\/school\/([^/]+)\/members$/, lazy('members')],
  [/^\/school\/([^/]+)\/requests$/, lazy('requests')],
  [/^\/school\/([^/]+)\/audit$/, lazy('audit')],
  [/^\/school\/([^/]+)\/import$/, lazy('import')],
  [/^\/school\/([^/]+)\/chats$/, lazy('chats', 'list')],
  [/^\/school\/([^/]+)\/timetable$/, lazy('timetable', 'overview')],
  [/^\/school\/([^/]+)\/timetable\/([^/]+)$/, lazy('timetable', 'class')],
  [/^\/day$/, lazy('day')],
  [/^\/schedule$/, lazy('schedule', 'week')],
  [/^\/marks$/, lazy('marks')],
  [/^\/lesson\/([^/]+)$/, lazy('schedule', 'lesson')],
  [/^\/homework\/([^/]+)$/, lazy('homework')],
  [/^\/chat\/([^/]+)$/, lazy('chats', 'conversation')],
  [/^\/school\/([^/]+)\/chats\/new$/, lazy('chatadmin', 'newChat')],
  [/^\/school\/([^/]+)\/reports$/, lazy('chatadmin', 'reports')],
  [/^\/chat\/([^/]+)\/settings$/, lazy('chatadmin', 'settings')],
  [/^\/chat-join\/([^/]+)$/, lazy('chatadmin', 'joinByLink')],
  [/^\/class\/([^/]+)$/, lazy('class')],
  [/^\/class\/([^/]+)\/cards$/, lazy('cards')],
  [/^\/class\/([^/]+)\/grades$/, lazy('grades')],
  [/^\/school\/([^/]+)\/grading$/, lazy('grades', 'grading')],
  [/^\/join\/([^/]+)$/, lazy('join')],
  [/^\/child$/, lazy('child')],
  [/^\/account$/, account],
];

let seq = 0, ctl = null;
async function route(keepFocus) {
  const [path, qs] = (location.hash.slice(1) || '/').split('?');
  const n = ++seq;
  if (ctl) ctl.abort();
  ctl = new AbortController();
  let node;
  try {
    let fn = null, params = [];
    for (const [re, f] of routes) {
      const m = re.exec(path);
      if (m) { fn = f; params = m.slice(1).map(decodeURIComponent); break; }
    }
    node = fn ? await fn({ params, q: new URLSearchParams(qs || ''), signal: ctl.signal })
      : page(t('notFound'), h('p', null, h('a', { href: '#/' }, t('toHome'))));
  } catch (e) {
    if (n !== seq) return;
    if (e.status === 401 && e.code === 'unauthenticated') { authLost(); return; }
    node = page(t('error'), h('p', { id: 'page-error', class: 'alert', role: 'alert' }, errMsg(e)),
      btn('page-retry', t('retry'), '', () => route()));
  }
  if (n !== seq || !node) return;
  const main = document.getElementById('main');
  main.replaceChildren(node);
  markNav();
  if (keepFocus) document.title = main.querySelector('h1').textContent + ' — Parta';
  else { focusTitle(main); scrollTo(0, 0); }
}

function markNav() {
  const cur = location.hash || '#/';
  for (const a of document.querySelectorAll('#app-nav a')) {
    const href = a.getAttribute('href');
    // «Чаты» stays marked inside a conversation; «Школа» on the school's own pages.
    const on = cur === href || cur.startsWith(href + '?') || (a.dataset.also && new RegExp(a.dataset.also).test(cur));
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  document.body.classList.toggle('in-chat', /^#\/chat\/[^/]+$/.test(cur));
}

function header() {
  const me = session.me;
  const links = [];
  if (me) {
    if (me.isOperator) links.push(['nav-applications', '#/applications', t('navApplications'), 'queue', 'applications']);
    const s = mainSchool(me);
    if (s) {
      const base = '#/school/' + encodeURIComponent(s.schoolId);
      links.push(['nav-chats', base + '/chats', t('navChats'), 'chats', 'chats', '^#/chat/']);
      if (me.memberships.some(m => m.role === 'teacher')) links.push(['nav-day', '#/day', t('navDay'), 'day']);
      links.push(['nav-schedule', '#/schedule', t('navSchedule'), 'calendar', null, '^#/(schedule|lesson/|homework/)']);
      // Students and parents: their marks a tap away (a teacher's are in the grade sheets).
      if (!me.memberships.some(m => m.role === 'teacher') && me.memberships.some(m => ['student', 'parent'].includes(m.role))) {
        links.push(['nav-marks', '#/marks', t('navMarks'), 'marks', null, '^#/(marks|class/[^/]+/grades)']);
      }
      links.push(['nav-school', base, t('navSchool'), 'school', 'school',
        '^' + base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '/(?!chats)']);
    }
    links.push(['nav-account', '#/account', t('navAccount'), 'account']);
  } else if (me === null) links.push(['nav-signin', '#/signin', t('signIn'), 'signin']);
  const other = lang() === 'ru' ? 'en' : 'ru';
  document.getElementById('skip').textContent = t('skip');
  document.getElementById('app-header').replaceChildren(
    h('a', { href: '#/', id: 'nav-home', class: 'brand' }, 'Parta'),
    h('div', { class: 'who' },
      me ? h('span', { id: 'header-user', title: me.fullName }, shortName(me.fullName)) : '',
      h('button', { type: 'button', id: 'lang-switch', class: 'btn link', lang: other, 'aria-label': t('langSwitchLabel') },
        other === 'en' ? 'EN' : 'RU'),
      me ? btn('signout', t('signOut'), 'link', signOut) : ''));
  document.getElementById('app-nav').replaceChildren(h('ul', null, links.map(([id, href, text, ic, badge, also]) =>
    h('li', null, h('a', { id, href, 'data-also': also || null }, icon(ic), h('span', { class: 'nav-label' }, text),
      badge ? h('span', { class: 'nav-badge', id: id + '-badge', 'data-badge': badge, hidden: true }) : null)))));
  document.getElementById('app-nav').hidden = !links.length;
  document.getElementById('app-nav').setAttribute('aria-label', t('mainMenu'));
  document.body.classList.toggle('has-nav', links.length > 1);
  document.getElementById('lang-switch').onclick = async () => {
    setLang(other);
    header();
    document.getElementById('lang-switch').focus();
    await route(true);
  };
  markNav();
  showBadges();
}

// Live badges: what waits for the person (GET /me/badges), refreshed when the socket says
// something moved; the unread count also goes to the tab's title and its icon.
let badgeTimer = 0;
function refreshBadges(delay = 300) {
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    if (!session.me) return;
    try { shell.badges = await api('GET', '/me/badges'); } catch { return; }
    unreadIds = new Set(shell.badges.schools.flatMap(x => x.unreadChatIds.map(id => id.toLowerCase())));
    showBadges();
  }, delay);
}
// The unread chats are kept here as messages arrive and chats are read (a post in a school-wide
// channel must not send every reader's tab back to the server); the server's count is read again
// when the socket resumes, the tab comes back or a badge notice arrives.
let unreadIds = new Set();
function unreadChanged(chatId, unread) {
  const id = String(chatId).toLowerCase();
  if (unreadIds.has(id) === unread) return;
  if (unread) unreadIds.add(id); else unreadIds.delete(id);
  showBadges();
}
function showBadges() {
  const me = session.me, s = me && mainSchool(me), badges = shell.badges;
  const mine = badges && s ? badges.schools.find(x => x.schoolId.toLowerCase() === s.schoolId.toLowerCase()) : null;
  const counts = {
    chats: badges ? unreadIds.size : 0,
    school: mine ? mine.joinRequests + mine.teachersToConfirm + mine.reports : 0,
    applications: badges ? badges.applications : 0,
  };
  for (const el of document.querySelectorAll('#app-nav [data-badge]')) {
    const n = counts[el.dataset.badge] || 0;
    el.hidden = !n;
    el.textContent = n > 99 ? '99+' : String(n);
  }
  unreadInTitle(counts.chats);
  document.dispatchEvent(new CustomEvent('parta:badges', { detail: badges }));
}

let unread = 0;
function unreadInTitle(n) {
  unread = n;
  const base = document.title.replace(/^\(\d+\+?\) /, '');
  document.title = n ? '(' + (n > 99 ? '99+' : n) + ') ' + base : base;
  favicon(n);
}
// The tab's icon with a red dot and the count (an SVG made here: no image files to fetch).
function favicon(n) {
  let link = document.querySelector('link[rel=icon]');
  if (!link._plain) link._plain = link.getAttribute('href');
  if (!n) { link.setAttribute('href', link._plain); return; }
  const label = n > 9 ? '9+' : String(n);
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f5fbf"/>'
    + '<path d="M10 24V8h7a5 5 0 0 1 0 10h-7" fill="none" stroke="#fff" stroke-width="3.5"/><circle cx="23" cy="9" r="9" fill="#d93025"/>'
    + '<text x="23" y="13" font-size="12" font-family="Arial,sans-serif" font-weight="700" text-anchor="middle" fill="#fff">' + label + '</text></svg>';
  link.setAttribute('href', 'data:image/svg+xml,' + encodeURIComponent(svg));
}
// Page titles change on navigation: keep the count in front.
new MutationObserver(() => { if (unread && !/^\(\d/.test(document.title)) unreadInTitle(unread); })
  .observe(document.querySelector('title'), { childList: true });

// A browser notification for someone else's new message while the tab is hidden (permission is
// asked on the chat list, where it is explained — never on first load).
function notifyHidden(d) {
  if (document.visibilityState === 'visible' || !('Notification' in window) || Notification.permission !== 'granted') return;
  const m = d.data || {};
  try {
    const n = new Notification(m.authorName || 'Parta', { body: (m.text || '').slice(0, 140), tag: 'chat-' + d.chatId, lang: 'ru' });
    n.onclick = () => { focus(); go('/chat/' + d.chatId); n.close(); };
  } catch { /* some browsers allow notifications only from a service worker */ }
}

function boot() {
  document.documentElement.lang = lang();
  document.getElementById('skip').onclick = ev => { ev.preventDefault(); focusTitle(document.getElementById('main')); };
  onMe(me => {
    header();
    if (me) { live.start(); refreshBadges(0); } else { live.stop(); shell.badges = null; showBadges(); }
  });
  live.on('*chat', d => {
    if (d.type === 'chat.members') refreshBadges(1000);
    if (d.type === 'message.created') {
      const mine = session.me && String(d.data?.authorId).toLowerCase() === session.me.id.toLowerCase();
      const reading = location.hash.toLowerCase() === '#/chat/' + String(d.chatId).toLowerCase() && document.visibilityState === 'visible';
      if (mine) return;
      if (!reading) unreadChanged(d.chatId, true);
      notifyHidden(d);
    }
  });
  for (const type of ['badges.changed', 'report.created', 'resumed']) live.on(type, () => refreshBadges());
  live.on('grade.changed', d => import('./pages/gradenotice.js').then(m => m.default(d.data)));
  live.on('signedout', () => authLost());
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') refreshBadges(); });
  document.addEventListener('parta:read', ev => unreadChanged(ev.detail, false));
  header();
  addEventListener('hashchange', () => route());
  loadMe().catch(() => {});
  route();
}
boot();
