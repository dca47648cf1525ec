// A `grade.changed` notice (issue 14 item 10): the student and their parents are told at once that
// a grade or a term mark was set, changed or removed — a line at the top of the screen that says it
// (role=status) and opens the lesson or the sheet, and a browser notification while the tab is
// hidden (when allowed). Open pages hear it as the `parta:grade` event. Loaded on the first notice.
import { h } from '../dom.js';

let box = null, timer = 0;

export default function gradeNotice(d) {
  const g = d || {};
  const who = g.studentName ? g.studentName.split(/\s+/).slice(1, 2)[0] || g.studentName : '';
  const what = (g.subjectName || '') + ': ' + (g.value ? 'новая отметка «' + g.text + '»' : g.text || '') + (g.workKind ? ' (' + g.workKind + ')' : '');
  const text = (who ? who + ' — ' : '') + what;
  document.dispatchEvent(new CustomEvent('parta:grade', { detail: g }));
  if (!box) {
    if (!document.getElementById('grades-css')) document.head.append(h('link', { id: 'grades-css', rel: 'stylesheet', href: new URL('../../css/grades.css', import.meta.url).href }));
    box = h('div', { id: 'grade-notice', class: 'grade-notice', role: 'status' });
    document.body.append(box);
  }
  const href = g.lessonId ? '#/lesson/' + encodeURIComponent(g.lessonId) : null;
  box.replaceChildren(href ? h('a', { href, onclick: () => { box.hidden = true; } }, text) : text,
    h('button', { type: 'button', class: 'btn link', 'aria-label': 'Закрыть', onclick: () => { box.hidden = true; } }, '×'));
  box.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => { box.hidden = true; }, 10000);
  if (document.visibilityState !== 'visible' && 'Notification' in window && Notification.permission === 'granted') {
    try {
      const n = new Notification('Parta', { body: text, tag: 'grade-' + (g.lessonId || g.subjectId), lang: 'ru' });
      n.onclick = () => { focus(); if (href) location.hash = href; n.close(); };
    } catch { /* some browsers allow notifications only from a service worker */ }
  }
}
