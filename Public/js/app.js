// Boot, hash router, header.
import { h, btn, page, focusTitle, errMsg } from './dom.js';
import { loadMe, onMe, session, homeOf, go, authLost, signOut } from './api.js';
import { t, lang, setLang } from './i18n.js';
import signin from './pages/signin.js';
import setup from './pages/setup.js';
import apply from './pages/apply.js';
import queue from './pages/queue.js';
import activate from './pages/activate.js';
import school from './pages/school.js';
import account from './pages/account.js';

async function home() {
  const me = await loadMe(true);
  const to = homeOf(me);
  if (to) { go(to, true); return null; }
  return page(t('hello', { name: me.fullName }),
    h('p', { id: 'home-no-school' }, t('noSchool')),
    h('p', null, h('a', { href: '#/account', class: 'btn' }, t('accountTitle'))));
}

// Pages outside the shell load on first use, with their stylesheet.
const lazy = name => async ctx => {
  if (!document.getElementById('pages-css')) document.head.append(h('link', { id: 'pages-css', rel: 'stylesheet', href: '/css/pages.css' }));
  return (await import('./pages/' + name + '.js')).default(ctx);
};

const routes = [
  [/^\/?$/, home],
  [/^\/signin$/, signin],
  [/^\/setup\/([^/]+)$/, setup],
  [/^\/apply$/, apply],
  [/^\/applications$/, queue],
  [/^\/activate\/([^/]+)$/, activate],
  [/^\/school\/([^/]+)$/, school],
  [/^\/school\/([^/]+)\/classes$/, lazy('classes')],
  [/^\/school\/([^/]+)\/invites$/, lazy('invites')],
  [/^\/school\/([^/]+)\/members$/, lazy('members')],
  [/^\/school\/([^/]+)\/requests$/, lazy('requests')],
  [/^\/school\/([^/]+)\/audit$/, lazy('audit')],
  [/^\/school\/([^/]+)\/import$/, lazy('import')],
  [/^\/school\/([^/]+)\/chats$/, lazy('chats')],
  [/^\/chat\/([^/]+)$/, lazy('chats')],
  [/^\/school\/([^/]+)\/(?:chats\/new|reports)$/, lazy('chatadmin')],
  [/^\/chat\/([^/]+)\/settings$/, lazy('chatadmin')],
  [/^\/chat-join\/([^/]+)$/, lazy('chatadmin')],
  [/^\/class\/([^/]+)$/, lazy('class')],
  [/^\/class\/([^/]+)\/cards$/, lazy('cards')],
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
  for (const a of document.querySelectorAll('#app-header nav a')) {
    const href = a.getAttribute('href');
    if (cur === href || cur.startsWith(href + '?')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function header() {
  const me = session.me;
  const links = [];
  if (me) {
    if (me.isOperator) links.push(['nav-applications', '#/applications', t('navApplications')]);
    const m = me.memberships || [];
    const s = m.find(x => x.role === 'admin') || m[0];
    if (s) links.push(['nav-school', '#/school/' + encodeURIComponent(s.schoolId), s.schoolName || t('mySchool')]);
    links.push(['nav-account', '#/account', t('accountTitle')]);
  } else if (me === null) links.push(['nav-signin', '#/signin', t('signIn')]);
  const other = lang() === 'ru' ? 'en' : 'ru';
  document.getElementById('skip').textContent = t('skip');
  document.getElementById('app-header').replaceChildren(
    h('a', { href: '#/', id: 'nav-home', class: 'brand' }, 'Parta'),
    h('nav', { 'aria-label': t('mainMenu') }, h('ul', null, links.map(([id, href, text]) => h('li', null, h('a', { id, href }, text))))),
    h('div', { class: 'who' },
      me ? h('span', { id: 'header-user' }, me.fullName) : '',
      h('button', { type: 'button', id: 'lang-switch', class: 'btn link', lang: other, 'aria-label': t('langSwitchLabel') },
        other === 'en' ? 'English' : 'Русский'),
      me ? btn('signout', t('signOut'), 'link', signOut) : ''));
  document.getElementById('lang-switch').onclick = async () => {
    setLang(other);
    header();
    document.getElementById('lang-switch').focus();
    await route(true);
  };
  markNav();
}

function boot() {
  document.documentElement.lang = lang();
  document.getElementById('skip').onclick = ev => { ev.preventDefault(); focusTitle(document.getElementById('main')); };
  onMe(header);
  header();
  addEventListener('hashchange', () => route());
  loadMe().catch(() => {});
  route();
}
boot();
