// #/school/<id>/requests?status=pending|approved|rejected|all — the join-request queue (§2.1): people
// who opened a link that needs approval wait here; an administrator (or the homeroom teacher, for
// their classes — the server filters) approves or rejects them, one by one or many at once.
// Also exports `myRequestsSection` — «Мои заявки» on #/account. Loaded on demand.
import { h, btn, sec, page, field, alertBox, statusBox, run, check, fmtDate } from '../dom.js';
import { api, go, ApiError } from '../api.js';
import { t, addStrings } from '../i18n.js';
import * as live from '../socket.js';

addStrings({
  rq_title: ['Заявки на вступление', 'Join requests'],
  rq_back: ['← К профилю школы', '← School profile'],
  rq_show: ['Показывать', 'Show'],
  rq_f_pending: ['Ждут решения', 'Awaiting decision'],
  rq_f_approved: ['Одобренные', 'Approved'],
  rq_f_rejected: ['Отклонённые', 'Rejected'],
  rq_f_all: ['Все', 'All'],
  rq_total: ['Заявок: {n}', 'Requests: {n}'],
  rq_empty: ['Заявок нет.', 'No requests.'],
  rq_select_all: ['Выбрать все', 'Select all'],
  rq_approve_sel: ['Одобрить выбранные', 'Approve selected'],
  rq_reject_sel: ['Отклонить выбранные', 'Reject selected'],
  rq_reason: ['Причина отказа', 'Reason for rejection'],
  rq_reason_hint: ['Нужна, чтобы отклонить. Её увидят те, кому отказали.', 'Needed to reject. The people rejected will see it.'],
  rq_none: ['Отметьте хотя бы одну заявку.', 'Select at least one request.'],
  rq_approved_n: ['Одобрено заявок: {n}.', 'Requests approved: {n}.'],
  rq_rejected_n: ['Отклонено заявок: {n}.', 'Requests rejected: {n}.'],
  rq_child: ['ребёнок: {name}', 'child: {name}'],
  rq_child_typed: ['Родитель написал «{name}» — такого имени нет в списке класса. Выберите ребёнка:', 'The parent wrote «{name}», which is not in the class list. Pick the child:'],
  rq_pick_child: ['Ребёнок', 'Child'], rq_pick_first: ['Выберите ребёнка из списка.', 'Pick the child from the list.'],
  rq_sent: ['подана {d}', 'sent {d}'],
  rq_reason_is: ['Причина отказа: {r}', 'Reason: {r}'],
  rq_send_reject: ['Отклонить заявку', 'Reject the request'],
  rq_mine: ['Мои заявки', 'My requests'],
  rq_to: ['{school}: {cls}, {role}', '{school}: {cls}, {role}'],
  rq_st_pending: ['ждёт решения', 'awaiting decision'],
  rq_st_approved: ['одобрена', 'approved'],
  rq_st_rejected: ['отклонена', 'rejected'],
  rq_r_student: ['ученик', 'student'], rq_r_parent: ['родитель', 'parent'], rq_r_teacher: ['учитель', 'teacher'],
  rq_r_director: ['директор', 'director'], rq_r_deputy: ['заместитель директора', 'deputy director'], rq_r_admin: ['администратор', 'administrator'],
});

const STATUSES = ['pending', 'approved', 'rejected', 'all'];
const role = r => t('rq_r_' + r, null, true) || r;
const badge = s => h('span', { class: 'badge request-status' + (s === 'pending' ? '' : ' st-' + s) }, t('rq_st_' + s));

export default async function requests({ params: [schoolId], q, signal }) {
  const base = '/schools/' + encodeURIComponent(schoolId);
  const status = STATUSES.includes(q.get('status')) ? q.get('status') : 'pending';
  const message = statusBox('requests-message'), error = alertBox('requests-error');
  const list = h('ul', { id: 'requests-list', class: 'list', 'aria-labelledby': 'page-title' });
  const total = h('p', { id: 'requests-total', class: 'note' });

  // The filter is in the address, so a filtered queue can be bookmarked and Back works.
  const statusField = field('requests', 'status', t('rq_show'), { options: STATUSES.map(s => [s, t('rq_f_' + s)]), value: status });
  statusField.querySelector('select').onchange = ev =>
    go('/school/' + encodeURIComponent(schoolId) + '/requests' + (ev.target.value === 'pending' ? '' : '?status=' + ev.target.value));

  // Several at once: a checkbox per pending request, «select all», one reason for the rejections.
  const all = h('input', { id: 'requests-select-all', type: 'checkbox' });
  const selectAll = h('p', null, h('label', { for: 'requests-select-all', class: 'check' }, all, ' ', t('rq_select_all')));
  const reasonField = field('requests', 'reason', t('rq_reason'), { rows: 2, max: 500, hint: t('rq_reason_hint') });
  const approveSel = btn('requests-approve', t('rq_approve_sel'), 'primary');
  const rejectSel = btn('requests-reject', t('rq_reject_sel'), 'danger');
  const bulk = h('div', { id: 'requests-bulk' }, reasonField, h('div', { class: 'row' }, approveSel, rejectSel));
  const boxes = () => [...list.querySelectorAll('input[type=checkbox]')];
  const syncAll = () => {
    const b = boxes(), on = b.filter(x => x.checked).length;
    all.checked = b.length > 0 && on === b.length;
    all.indeterminate = on > 0 && on < b.length;
  };
  all.onchange = () => { for (const b of boxes()) b.checked = all.checked; syncAll(); };
  list.onchange = ev => { if (ev.target.id.startsWith('request-check-')) syncAll(); };
  const bulkDecide = (approve, button) => run(bulk, button, async () => {
    const ids = boxes().filter(b => b.checked).map(b => b.value);
    const reason = reasonField.querySelector('textarea').value.trim();
    check({ ids: !ids.length && t('rq_none'), reason: !approve && !reason && t('reasonRequired') });
    await decide(ids, approve, reason);
    reasonField.querySelector('textarea').value = '';
  }, error, 'requests').then(stale);
  approveSel.onclick = () => bulkDecide(true, approveSel);
  rejectSel.onclick = () => bulkDecide(false, rejectSel);

  async function decide(ids, approve, reason, childId) {
    message.textContent = '';
    const done = await api('POST', '/join-requests/decide', approve ? { ids, approve, ...(childId ? { childId } : {}) } : { ids, approve, reason });
    await refresh();
    message.textContent = t(approve ? 'rq_approved_n' : 'rq_rejected_n', { n: done.items.length });
    message.focus();
  }
  // A conflict (decided by someone else meanwhile) still refreshes the list.
  const stale = e => e && e.status === 409 && refresh().catch(() => {});

  function row(r) {
    const li = h('li', { id: 'request-' + r.id, 'data-status': r.status, 'data-user-id': r.userId });
    const name = h('strong', { class: 'request-name' }, r.fullName);
    const bits = [role(r.role), r.className, r.childName && t('rq_child', { name: r.childName }), r.contact,
      t('rq_sent', { d: fmtDate(r.createdAt) })].filter(Boolean).join(' · ');
    // A parent's child who matched nobody as typed: the decider picks the student from the class.
    const pick = r.status === 'pending' && r.childNameTyped ? childPicker(r) : null;
    li.append(r.status === 'pending' && !pick
      ? h('label', { for: 'request-check-' + r.id, class: 'check' },
        h('input', { id: 'request-check-' + r.id, type: 'checkbox', value: r.id }), ' ', name)
      : name, ' ', badge(r.status), h('div', { class: 'sub' }, bits));
    if (r.reason) li.append(h('p', { class: 'request-reason' }, t('rq_reason_is', { r: r.reason })));
    if (r.status !== 'pending') return li;

    const err = alertBox('request-error-' + r.id);
    const ok = btn('request-approve-' + r.id, t('approve'), 'primary');
    const no = btn('request-reject-' + r.id, t('reject'), 'danger');
    ok.onclick = async () => stale(await run(li, ok, async () => {
      if (pick && !pick.select.value) { pick.select.focus(); throw new ApiError(400, 'validation_failed', t('rq_pick_first')); }
      await decide([r.id], true, undefined, pick ? pick.select.value : undefined);
    }, err, 'request'));
    if (pick) li.append(pick.box);
    no.onclick = () => {
      const open = li.querySelector('form');
      if (open) return open.elements[0].focus();
      const send = btn('request-reject-submit-' + r.id, t('rq_send_reject'), 'danger', null, 'submit');
      const cancel = btn('request-reject-cancel-' + r.id, t('cancel'));
      const ferr = alertBox('request-reject-error-' + r.id);
      const form = h('form', { id: 'request-reject-form-' + r.id, class: 'subform', novalidate: true },
        field('request-reason', r.id, t('rq_reason'), { req: true, rows: 2, max: 500 }), ferr, h('div', { class: 'row' }, send, cancel));
      cancel.onclick = () => { form.remove(); no.focus(); };
      form.onsubmit = async ev => {
        ev.preventDefault();
        stale(await run(form, send, async () => {
          const reason = form.elements[0].value.trim();
          check({ [r.id]: !reason && t('reasonRequired') });
          await decide([r.id], false, reason);
        }, ferr, 'request-reason', { reason: r.id }));
      };
      li.append(form);
      form.elements[0].focus();
    };
    li.append(h('div', { class: 'row-actions' }, ok, no), err);
    return li;
  }

  function childPicker(r) {
    const select = h('select', { id: 'request-child-' + r.id }, h('option', { value: '' }, '—'));
    api('GET', '/classes/' + encodeURIComponent(r.classId) + '/roster').then(roster => {
      for (const s of roster.students) select.append(h('option', { value: s.person.userId }, s.person.fullName));
    }).catch(() => {});
    return { select, box: h('div', { class: 'field child-pick' },
      h('label', { for: 'request-child-' + r.id }, t('rq_child_typed', { name: r.childNameTyped })), select) };
  }

  async function refresh() {
    const { items } = await api('GET', base + '/join-requests?status=' + status);
    total.textContent = t('rq_total', { n: items.length });
    list.replaceChildren(...(items.length ? items.map(row) : [h('li', { id: 'requests-empty', class: 'empty' }, t('rq_empty'))]));
    const pending = items.some(r => r.status === 'pending');
    selectAll.hidden = bulk.hidden = !pending;
    syncAll();
  }

  // Live: a new request (or one decided by a colleague) shows at once, unless the person is in the
  // middle of choosing or writing a reason.
  live.on('badges.changed', () => {
    if (!list.querySelector('form, input:checked')) refresh().catch(() => {});
  }, signal);
  const [school] = await Promise.all([api('GET', base), refresh()]);
  return page(t('rq_title'), h('p', { class: 'sub' }, school.shortName || school.name),
    h('p', null, h('a', { id: 'requests-back', href: '#/school/' + encodeURIComponent(school.id) }, t('rq_back'))),
    statusField, total, message, error, selectAll, list, bulk);
}

// «Мои заявки» on #/account: the signed-in person's own requests; null when there are none.
export async function myRequestsSection() {
  const { items } = await api('GET', '/me/join-requests');
  if (!items.length) return null;
  return sec('my-requests', t('rq_mine'), h('ul', { id: 'my-requests', class: 'list' }, items.map(r =>
    h('li', { id: 'my-request-' + r.id, 'data-status': r.status },
      h('strong', null, t('rq_to', { school: r.schoolName, cls: r.className, role: role(r.role) })), ' ', badge(r.status),
      h('div', { class: 'sub' }, [r.childName && t('rq_child', { name: r.childName }), t('rq_sent', { d: fmtDate(r.createdAt) })].filter(Boolean).join(' · ')),
      r.reason ? h('p', { class: 'request-reason' }, t('rq_reason_is', { r: r.reason })) : null))));
}
