// #/applications?status=pending|approved|rejected&page=N — the operator's queue.
import { h, btn, page, field, alertBox, statusBox, run, check, fmtDate, fmtSize, dl, errMsg } from '../dom.js';
import { api, loadMe, authLost } from '../api.js';
import { t, addStrings } from '../i18n.js';
import * as live from '../socket.js';
import { appNumber } from './apply.js';

addStrings({
  order: ['Приказ', 'Order'],
  queueTitle: ['Заявки школ', 'School applications'],
  operatorOnly: ['Этот раздел доступен только оператору.', 'Only the operator can see this section.'],
  byStatus: ['Статус заявок', 'Application status'],
  pages: ['Страницы', 'Pages'],
  st1_pending: ['Ожидает решения', 'Awaiting decision'],
  st1_approved: ['Одобрена', 'Approved'],
  st1_rejected: ['Отклонена', 'Rejected'],
  total: ['Всего: {n}', 'Total: {n}'],
  noApplications: ['Заявок нет.', 'No applications.'],
  prev: ['Назад', 'Previous'],
  next: ['Дальше', 'Next'],
  pageOf: ['Страница {p} из {n}', 'Page {p} of {n}'],
  submitted: ['Подана', 'Submitted'],
  download: ['Скачать', 'Download'],
  rejectConfirm: ['Отклонить заявку', 'Reject application'],
  rejectReason: ['Причина отказа', 'Reason for rejection'],
  approvedMsg: ['Заявка «{name}» одобрена, администратору отправлена ссылка.', '“{name}” approved; the administrator was sent a link.'],
  rejectedMsg: ['Заявка «{name}» отклонена.', '“{name}” rejected.'],
  openSchool: ['Открыть школу', 'Open the school'],
});

const STATUSES = ['pending', 'approved', 'rejected'];
const PER = 20;

export default async function queue({ q, signal }) {
  const me = await loadMe();
  if (!me) { authLost(); return null; }
  if (!me.isOperator) return page(t('queueTitle'), h('p', { id: 'queue-forbidden', class: 'alert' }, t('operatorOnly')));

  const status = STATUSES.includes(q.get('status')) ? q.get('status') : 'pending';
  const pageNo = Math.max(1, parseInt(q.get('page'), 10) || 1);
  const href = (s, p) => '#/applications?status=' + s + (p > 1 ? '&page=' + p : '');
  const msg = statusBox('queue-message');
  const list = h('ul', { id: 'queue-list', class: 'cards', 'aria-labelledby': 'page-title' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('pages') });
  const total = h('p', { id: 'queue-total', class: 'note' });
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('byStatus') },
    STATUSES.map(s => h('a', { href: href(s, 1), id: 'queue-tab-' + s, 'aria-current': s === status ? 'page' : null }, t('st_' + s))));

  async function load() {
    const d = await api('GET', `/school-applications?status=${status}&page=${pageNo}&perPage=${PER}`);
    const pages = Math.max(1, Math.ceil(d.total / (d.perPage || PER)));
    total.textContent = t('total', { n: d.total });
    list.replaceChildren(...d.items.map(item));
    if (!d.items.length) list.append(h('li', { id: 'queue-empty', class: 'empty' }, t('noApplications')));
    pager.replaceChildren(
      pageNo > 1 ? h('a', { href: href(status, pageNo - 1), id: 'queue-prev', class: 'btn' }, '← ' + t('prev')) : '',
      h('span', { id: 'queue-page' }, t('pageOf', { p: pageNo, n: pages })),
      pageNo < pages ? h('a', { href: href(status, pageNo + 1), id: 'queue-next', class: 'btn' }, t('next') + ' →') : '');
  }

  async function decided(a, text) {
    msg.replaceChildren(text);
    if (a.schoolId) msg.append(' ', h('a', { href: '#/school/' + encodeURIComponent(a.schoolId) }, t('openSchool')));
    try { await load(); } catch (e) { msg.textContent = errMsg(e); }
    msg.focus();
  }

  function item(a) {
    const id = a.id, err = alertBox('app-error-' + id);
    const file = a.orderFile || {};
    const card = h('li', { class: 'card', 'data-app-id': id, 'data-status': a.status });
    const actions = h('div', { class: 'row' });
    const conflict = e => e && e.code === 'already_decided' && decided({}, errMsg(e));
    if (a.status === 'pending') {
      const approve = btn('approve-' + id, t('approve'), 'primary');
      const reject = btn('reject-' + id, t('reject'), 'danger');
      approve.onclick = async () => conflict(await run(card, approve, async () => {
        const r = await api('POST', `/school-applications/${encodeURIComponent(id)}/approve`);
        await decided(r, t('approvedMsg', { name: r.schoolName }));
      }, err, 'app'));
      reject.onclick = () => {
        if (card.querySelector('form')) return card.querySelector('textarea').focus();
        const send = btn('reject-submit-' + id, t('rejectConfirm'), 'danger', null, 'submit');
        const cancel = btn('reject-cancel-' + id, t('cancel'));
        const ferr = alertBox('reject-error-' + id);
        const form = h('form', { id: 'reject-form-' + id, class: 'subform', novalidate: true },
          field('reject-reason', id, t('rejectReason'), { req: true, rows: 3 }),
          ferr, h('div', { class: 'row' }, send, cancel));
        cancel.onclick = () => { form.remove(); reject.focus(); };
        form.onsubmit = async ev => {
          ev.preventDefault();
          conflict(await run(form, send, async () => {
            const reason = form.elements[0].value.trim();
            check({ [id]: reason.length < 3 && t('reasonRequired') });
            const r = await api('POST', `/school-applications/${encodeURIComponent(id)}/reject`, { reason });
            await decided(r, t('rejectedMsg', { name: r.schoolName }));
          }, ferr, 'reject-reason', { reason: id }));
        };
        card.append(form);
        form.elements[0].focus();
      };
      actions.append(approve, reject);
    }
    card.append(
      h('h2', null, a.schoolName, a.shortName ? h('span', { class: 'sub' }, ' (' + a.shortName + ')') : ''),
      h('p', { class: 'sub app-number' }, '№ ' + appNumber(a.id)),
      h('p', { class: 'badge st-' + a.status }, t('st1_' + a.status), a.decidedAt ? ' · ' + fmtDate(a.decidedAt) : ''),
      dl('app-details-' + id, [
        [t('submitted'), fmtDate(a.createdAt)],
        [t('address'), a.address], [t('region'), a.region], [t('inn'), a.inn],
        [t('administrator'), a.adminFullName], [t('email'), a.adminEmail], [t('mobile'), a.adminPhone],
        [t('order'), h('a', { href: `/api/v1/school-applications/${encodeURIComponent(id)}/order-file`, id: 'order-file-' + id, download: file.fileName || '' },
          (file.fileName || t('download')) + (file.size ? ' (' + fmtSize(file.size) + ')' : ''))],
        a.rejectReason ? [t('rejectReason'), a.rejectReason] : null,
      ].filter(Boolean)),
      a.schoolId ? h('p', null, h('a', { href: '#/school/' + encodeURIComponent(a.schoolId), id: 'app-school-' + id }, t('openSchool'))) : '',
      actions, err);
    return card;
  }

  // Live: a new application (or one decided by another operator) shows at once, unless a
  // rejection is being written.
  live.on('badges.changed', () => { if (!list.querySelector('form')) load().catch(() => {}); }, signal);
  await load();
  return page(t('queueTitle'), tabs, msg, total, list, pager);
}
