// #/join/<token> — joining a class by an invite link in one screen: signed in, one button; otherwise
// name + phone or email → the code → inside. Loaded on demand.
import { h, btn, page, swap, field, alertBox, run, check } from '../dom.js';
import { api, loadMe, setMe, go } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  jn_title: ['Приглашение в Parta', 'Invitation to Parta'],
  jn_to: ['Вас приглашают в {school}: {cls}, {role}.', 'You are invited to {school}: {cls}, {role}.'],
  jr_student: ['ученик', 'student'], jr_parent: ['родитель', 'parent'], jr_teacher: ['учитель', 'teacher'],
  jr_director: ['директор', 'director'], jr_deputy: ['заместитель директора', 'deputy director'],
  jn_as: ['Присоединиться как {name}', 'Join as {name}'],
  jn_name: ['Фамилия и имя', 'Full name'],
  jn_login: ['Мобильный телефон или email', 'Mobile phone or email'],
  jn_get_code: ['Получить код', 'Get a code'],
  jn_sent: ['Код отправлен: {to}', 'Code sent to {to}'],
  jn_join: ['Войти в класс', 'Join the class'],
  jn_teacher_note: ['Администратор школы подтвердит, что вы учитель.', 'The school administrator will confirm you are a teacher.'],
  jn_bad_revoked: ['Эта ссылка отозвана. Попросите у школы новую.', 'This link was revoked. Ask the school for a new one.'],
  jn_bad_expired: ['Срок действия ссылки истёк. Попросите у школы новую.', 'This link has expired. Ask the school for a new one.'],
  jn_bad_used_up: ['По этой ссылке уже присоединились все, кого приглашали. Попросите у школы новую.', 'This link is used up. Ask the school for a new one.'],
  jn_child: ['Фамилия и имя вашего ребёнка', "Your child's full name"],
  jn_child_hint: ['Как в школьном списке, например «Иванов Пётр». Если в классе двое с таким именем — добавьте отчество.',
    'As in the school list, e.g. «Иванов Пётр». If two children share the name, add the patronymic.'],
  jn_approval_note: ['Администратор или классный руководитель подтвердит вашу заявку.', 'An administrator or the homeroom teacher will approve your request.'],
  jn_pending_title: ['Заявка отправлена', 'Request sent'],
  jn_pending: ['Вы попадёте в «{cls}», как только заявку одобрят. Решение будет видно в личном кабинете.',
    'You will join «{cls}» once the request is approved. The decision will show in your account.'],
  jn_to_account: ['Личный кабинет', 'My account'],
  jn_bad_unknown: ['Ссылка не найдена. Проверьте, что она скопирована целиком.', 'Link not found. Check that it was copied whole.'],
  jn_no_child: ['В списке класса нет «{name}». Проверьте написание — или попросите классного руководителя найти вашего ребёнка: он выберет его из списка и подтвердит.',
    'There is no «{name}» in the class list. Check the spelling — or ask the homeroom teacher to find your child: they pick them from the list and confirm.'],
  jn_ask_homeroom: ['Попросить классного руководителя', 'Ask the homeroom teacher'],
  jn_asked: ['Классный руководитель найдёт вашего ребёнка в списке класса и подтвердит. Вы попадёте в «{cls}» сразу после этого.',
    'The homeroom teacher will find your child in the class list and confirm. You join «{cls}» right after that.'],
});

export default async function join({ params: [token] }) {
  const path = '/join/' + encodeURIComponent(token);
  let invite;
  try { invite = await api('GET', path); } catch (e) {
    if (e.status === 404) return invalid('unknown');
    throw e;
  }
  if (invite.state !== 'active') return invalid(invite.state);
  const me = await loadMe();
  const err = alertBox('join-error');
  const intro = h('p', { id: 'join-invite' }, t('jn_to', { school: invite.schoolName, cls: invite.className, role: t('jr_' + invite.role) }));
  const note = [invite.role === 'teacher' && h('p', { class: 'hint' }, t('jn_teacher_note')),
    invite.needsApproval && h('p', { id: 'join-approval-note', class: 'hint' }, t('jn_approval_note'))];
  const isParent = invite.role === 'parent';
  // A parent names their child: the server links them (and refuses a name that is not in the class).
  const childField = () => isParent ? field('join', 'childName', t('jn_child'), { req: true, max: 200, hint: t('jn_child_hint') }) : null;
  // A child's name that matches nobody: not a dead end — the parent may ask the homeroom teacher,
  // who picks the child from the class list (the request waits in their queue).
  let askHomeroom = false;
  const child = form => (isParent ? { childName: form.elements.childName.value.trim(), ...(askHomeroom ? { askHomeroom: true } : {}) } : {});
  const offer = h('div', { id: 'join-ask', class: 'card', hidden: true });
  const offerHomeroom = (e, form) => {
    if (!isParent || askHomeroom || !e || !['child_not_found', 'child_ambiguous'].includes(e.code)) return;
    offer.replaceChildren(h('p', null, t('jn_no_child', { name: form.elements.childName.value.trim() })),
      btn('join-ask-homeroom', t('jn_ask_homeroom'), 'primary', () => { askHomeroom = true; offer.hidden = true; form.requestSubmit(); }));
    offer.hidden = false;
  };
  const checkChild = form => isParent && form.elements.childName.value.trim().split(/\s+/).length < 2 && t('jn_child');
  let root;
  const done = r => {
    setMe(r.user);
    if (r.joined.pending) {
      swap(root, t('jn_pending_title'), h('p', { id: 'join-pending', class: 'ok', role: 'status' },
        t(askHomeroom ? 'jn_asked' : 'jn_pending', { cls: r.joined.className })),
        h('p', null, h('a', { href: '#/account', class: 'btn' }, t('jn_to_account'))));
      return;
    }
    // The chats page welcomes the person: where they now are and what comes next.
    try { sessionStorage.setItem('parta.joined', JSON.stringify({ ...r.joined, schoolName: invite.schoolName })); } catch { /* storage off */ }
    go('/school/' + encodeURIComponent(r.joined.schoolId) + '/chats');
  };

  if (me) {
    const submit = btn('join-submit', t('jn_as', { name: me.fullName }), 'primary', null, 'submit');
    const form = h('form', { id: 'join-form', novalidate: true }, childField(), err, offer, submit);
    form.onsubmit = async ev => {
      ev.preventDefault();
      offerHomeroom(await run(form, submit, async () => {
        check({ childName: checkChild(form) });
        done(await api('POST', path, isParent ? child(form) : undefined));
      }, err, 'join'), form);
    };
    return (root = page(t('jn_title'), intro, note, form));
  }

  const getCode = btn('join-get-code', t('jn_get_code'), 'primary', null, 'submit');
  const sentTo = h('p', { id: 'join-sent-to', class: 'ok', role: 'status', hidden: true });
  const codeField = field('join', 'code', t('code'), { req: true, ac: 'one-time-code', im: 'numeric', max: 6 });
  const submit = btn('join-submit', t('jn_join'), 'primary', null, 'submit');
  const step2 = h('div', { hidden: true }, codeField, submit);
  const form = h('form', { id: 'join-form', novalidate: true },
    field('join', 'fullName', t('jn_name'), { req: true, ac: 'name', max: 200 }),
    field('join', 'login', t('jn_login'), { req: true, ac: 'username', max: 200 }),
    childField(), getCode, sentTo, step2, err, offer);
  let codeSent = false;
  form.onsubmit = async ev => {
    ev.preventDefault();
    const v = n => form.elements[n].value.trim();
    offerHomeroom(await run(form, codeSent ? submit : getCode, async () => {
      if (!codeSent) {
        check({ fullName: v('fullName').length < 2 && t('jn_name'), login: !v('login') && t('jn_login'), childName: checkChild(form) });
        const sent = await api('POST', path + '/code', { fullName: v('fullName'), login: v('login'), ...child(form) });
        codeSent = true;
        sentTo.textContent = t('jn_sent', { to: sent.sentTo });
        sentTo.hidden = false; step2.hidden = false; getCode.hidden = true;
        form.elements.code.focus();
        return;
      }
      check({ code: !/^\d{6}$/.test(v('code')) && t('code') });
      done(await api('POST', path, { login: v('login'), code: v('code'), ...child(form) }));
    }, err, 'join'), form);
  };
  return (root = page(t('jn_title'), intro, note, form));
}

function invalid(state) {
  return page(t('jn_title'), h('div', { id: 'join-invalid', class: 'alert', role: 'alert', 'data-code': state }, t('jn_bad_' + state)),
    h('p', null, h('a', { href: '#/signin', class: 'btn' }, t('signIn'))));
}
