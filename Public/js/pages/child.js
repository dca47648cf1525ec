// #/child — a child without a phone activates their account with the one-time code printed by the
// homeroom teacher (§2.6): the code, a login and a password of their own → signed in.
// Also exports `childrenSection` — «Мои дети» on #/account, where a parent gives a child without a
// login one. Loaded on demand.
import { h, btn, sec, page, field, alertBox, statusBox, run, check, pwCheck } from '../dom.js';
import { api, setMe, go } from '../api.js';
import { t, addStrings } from '../i18n.js';
import { myRequestsSection } from './requests.js';

addStrings({
  kid_title: ['Вход для ученика по коду', 'Student sign-in with a code'],
  kid_intro: ['Классный руководитель дал тебе карточку с кодом. Введи код, придумай логин и пароль — и заходи!',
    'Your homeroom teacher gave you a card with a code. Enter the code, make up a login and a password, and you are in!'],
  kid_code: ['Код с карточки', 'Code from the card'],
  kid_code_hint: ['10 латинских букв и цифр, например ABCDE-FGHJK. Большие или маленькие буквы — неважно.',
    '10 letters and digits, like ABCDE-FGHJK. Capital or small letters do not matter.'],
  kid_code_bad: ['В коде 10 букв и цифр — проверь, как на карточке.', 'The code has 10 letters and digits: check it against the card.'],
  kid_login: ['Придумай логин', 'Make up a login'],
  kid_login_hint: ['Латинские буквы и цифры, от 3 до 32, первая — буква. Например: kolya.sokolov', 'Latin letters and digits, 3 to 32, starting with a letter. For example: kolya.sokolov'],
  kid_login_bad: ['Логин: от 3 до 32 латинских букв, цифр, точек, дефисов или подчёркиваний, первая — буква.',
    'A login: 3 to 32 Latin letters, digits, dots, hyphens or underscores, starting with a letter.'],
  kid_password: ['Придумай пароль', 'Make up a password'],
  kid_password_hint: ['Не короче 8 символов. Запомни его и никому не говори.', 'At least 8 characters. Remember it and tell nobody.'],
  kid_password2: ['Повтори пароль', 'Repeat the password'],
  kid_submit: ['Войти в Parta', 'Enter Parta'],
  kid_no_code: ['Нет кода или он не подходит? Попроси новый у классного руководителя.', 'No code, or it does not work? Ask your homeroom teacher for a new one.'],
  kids_mine: ['Мои дети', 'My children'],
  kids_login: ['Логин: {login}', 'Login: {login}'],
  kids_no_login: ['Логина пока нет — задайте его, чтобы ребёнок мог входить сам.', 'No login yet: set one so your child can sign in.'],
  kids_set_login: ['Логин для ребёнка', 'Login for your child'],
  kids_set_password: ['Пароль для ребёнка', 'Password for your child'],
  kids_save: ['Сохранить логин и пароль', 'Save the login and password'],
  kids_saved: ['Готово: {name} входит с логином {login}.', 'Done: {name} signs in with the login {login}.'],
  kid_st_pending: ['не активирован', 'not activated'], kid_st_active: ['активен', 'active'], kid_st_disabled: ['заблокирован', 'disabled'],
});

const LOGIN = /^[a-z][a-z0-9._-]{2,31}$/i;
// A code typed in the Russian layout: Cyrillic look-alikes count as the Latin letters of the card.
const LATIN = { А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X' };
const cardCode = v => [...v.toUpperCase()].map(c => LATIN[c] || c).join('').replace(/[^A-Z0-9]/g, '');

export default function child() {
  const err = alertBox('child-error');
  const submit = btn('child-submit', t('kid_submit'), 'primary', null, 'submit');
  const form = h('form', { id: 'child-form', novalidate: true },
    field('child', 'code', t('kid_code'), { req: true, ac: 'one-time-code', max: 20, hint: t('kid_code_hint'), ph: 'ABCDE-FGHJK' }),
    field('child', 'login', t('kid_login'), { req: true, ac: 'username', max: 32, hint: t('kid_login_hint') }),
    field('child', 'password', t('kid_password'), { type: 'password', req: true, ac: 'new-password', hint: t('kid_password_hint') }),
    field('child', 'password2', t('kid_password2'), { type: 'password', req: true, ac: 'new-password' }),
    err, submit);
  const el = form.elements;
  el.code.setAttribute('autocapitalize', 'characters');
  el.login.setAttribute('autocapitalize', 'none');
  form.onsubmit = ev => {
    ev.preventDefault();
    run(form, submit, async () => {
      const code = cardCode(el.code.value), login = el.login.value.trim();
      check({
        code: code.length !== 10 && t('kid_code_bad'),
        login: !LOGIN.test(login) && t('kid_login_bad'),
        ...pwCheck(el.password.value, el.password2.value),
      });
      const r = await api('POST', '/child-activation', { code, login, password: el.password.value });
      setMe(r.user);
      go('/');
    }, err, 'child');
  };
  return page(t('kid_title'), h('p', { class: 'lead' }, t('kid_intro')), form, h('p', { class: 'hint' }, t('kid_no_code')));
}

// «Мои дети» on #/account: a parent's children; a child without a login gets a small form for one.
// null when the person has no children here.
export async function childrenSection() {
  const { items } = await api('GET', '/me/children');
  if (!items.length) return null;
  return sec('children', t('kids_mine'), h('ul', { id: 'children-list', class: 'cards' }, items.map(card)));
}

// Both sections of #/account that only some people have (each null when empty).
export const accountSections = () => Promise.all([childrenSection(), myRequestsSection()]);

function card(c) {
  const id = c.userId;
  const where = [c.schoolName, c.className, t('kid_st_' + c.status, null, true) || c.status].filter(Boolean).join(' · ');
  const loginLine = h('p', { id: 'child-login-line-' + id }, c.login ? t('kids_login', { login: c.login }) : t('kids_no_login'));
  const li = h('li', { id: 'child-' + id, class: 'card', 'data-status': c.status },
    h('h3', null, c.fullName), h('p', { class: 'sub' }, where), loginLine);
  if (c.login) return li;

  const err = alertBox('child-error-' + id), done = statusBox('child-saved-' + id);
  const save = btn('child-save-' + id, t('kids_save'), 'primary', null, 'submit');
  const form = h('form', { id: 'child-form-' + id, class: 'subform', novalidate: true },
    field('child-login', id, t('kids_set_login'), { req: true, ac: 'off', max: 32, hint: t('kid_login_hint') }),
    field('child-password', id, t('kids_set_password'), { type: 'password', req: true, ac: 'new-password', hint: t('pwHint') }),
    err, save);
  const login = form.elements[0], password = form.elements[1];
  login.setAttribute('autocapitalize', 'none');
  form.onsubmit = ev => {
    ev.preventDefault();
    run(form, save, async () => {
      check({ ['login-' + id]: !LOGIN.test(login.value.trim()) && t('kid_login_bad'), ['password-' + id]: password.value.length < 8 && t('pwHint') });
      const p = await api('PUT', '/students/' + encodeURIComponent(id) + '/credentials', { login: login.value.trim(), password: password.value });
      loginLine.textContent = t('kids_login', { login: p.login });
      form.replaceWith(done);
      done.textContent = t('kids_saved', { name: p.fullName, login: p.login });
      done.focus();
    }, err, 'child', { login: 'login-' + id, password: 'password-' + id });
  };
  li.append(form);
  return li;
}
