// #/apply — public school registration application (§2.1) with the appointing order file.
import { h, btn, page, field, alertBox, run, check, swap } from '../dom.js';
import { upload } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  applyTitle: ['Заявка на подключение школы', 'School registration application'],
  applyIntro: ['Заполните данные школы и администратора (назначен приказом директора) и приложите приказ.', 'Fill in the school and the administrator (appointed by the principal’s order) and attach the order.'],
  schoolFullNameHint: ['Как в уставе', 'As in the charter'],
  shortNamePh: ['МБОУ СШ № 1', 'School No. 1'],
  regionPh: ['Свердловская область', 'Sverdlovsk Oblast'],
  innBad: ['ИНН организации — 10 цифр с верной контрольной суммой.', 'An organisation’s INN is 10 digits with a valid checksum.'],
  adminPhoneHint: ['Сюда придёт код для входа.', 'The sign-in code goes here.'],
  orderFile: ['Приказ о назначении администратора', 'Order appointing the administrator'],
  orderFileHint: ['PDF, PNG или JPEG, не больше 10 МБ.', 'PDF, PNG or JPEG, up to 10 MB.'],
  fileMissing: ['Приложите файл приказа.', 'Attach the order file.'],
  fileBig: ['Файл больше 10 МБ.', 'The file is larger than 10 MB.'],
  fileType: ['Нужен файл PDF, PNG или JPEG.', 'A PDF, PNG or JPEG file is needed.'],
  sendApplication: ['Отправить заявку', 'Send the application'],
  uploading: ['Отправка файла', 'Uploading the file'],
  processing: ['Обработка…', 'Processing…'],
  applicationSent: ['Заявка отправлена', 'Application sent'],
  applicationNumber: ['Номер заявки:', 'Application number:'],
  nextSteps1: ['Оператор проверит данные и приказ.', 'The operator will check the details and the order.'],
  nextSteps2: ['После одобрения администратор получит на {email} и по SMS ссылку для активации. При отказе оператор укажет причину.', 'Once approved, the administrator gets an activation link at {email} and by SMS. A rejection comes with a reason.'],
  toSignIn: ['Ко входу', 'To sign-in'],
});

const MAX = 10 * 1024 * 1024;
const TYPES = /^(application\/pdf|image\/(png|jpeg|webp))$/;

// 10-digit INN of an organisation: weighted checksum.
export function innOk(s) {
  if (!/^\d{10}$/.test(s)) return false;
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return w.reduce((a, k, i) => a + k * +s[i], 0) % 11 % 10 === +s[9];
}

export default function apply() {
  const err = alertBox('apply-error');
  const submit = btn('apply-submit', t('sendApplication'), 'primary', null, 'submit');
  const bar = h('progress', { id: 'apply-progress', max: '100', value: '0' });
  const pct = h('span', { id: 'apply-progress-text', 'aria-live': 'polite' });
  const prog = h('div', { class: 'progress', hidden: true }, h('label', { for: 'apply-progress' }, t('uploading')), bar, pct);
  const f = (n, l, o) => field('apply', n, l, { req: true, ...o });
  const form = h('form', { id: 'apply-form', novalidate: true, onsubmit },
    h('fieldset', null, h('legend', null, t('school')),
      f('schoolName', t('schoolFullName'), { hint: t('schoolFullNameHint') }),
      f('shortName', t('shortName'), { ph: t('shortNamePh') }),
      f('address', t('address'), { ac: 'street-address' }),
      f('region', t('region'), { ph: t('regionPh') }),
      f('inn', t('inn'), { im: 'numeric', max: 10 })),
    h('fieldset', null, h('legend', null, t('administrator')),
      f('adminFullName', t('fullName'), { ac: 'name' }),
      f('adminEmail', t('email'), { type: 'email', ac: 'email' }),
      f('adminPhone', t('mobile'), { type: 'tel', ac: 'tel', ph: '+7 912 345-67-89', hint: t('adminPhoneHint') }),
      f('orderFile', t('orderFile'), { type: 'file', accept: '.pdf,.png,.jpg,.jpeg,.webp,application/pdf,image/png,image/jpeg,image/webp', hint: t('orderFileHint') })),
    prog, err, submit);

  function onsubmit(ev) {
    ev.preventDefault();
    const el = form.elements, v = n => el[n].value.trim();
    run(form, submit, async () => {
      const file = el.orderFile.files[0];
      const req = n => !v(n) && t('required');
      check({
        schoolName: req('schoolName'), shortName: req('shortName'), address: req('address'), region: req('region'),
        inn: !innOk(v('inn')) && t('innBad'), adminFullName: req('adminFullName'), adminEmail: req('adminEmail'),
        adminPhone: req('adminPhone'),
        orderFile: !file ? t('fileMissing') : file.size > MAX ? t('fileBig') : file.type && !TYPES.test(file.type) ? t('fileType') : null,
      });
      const fd = new FormData();
      for (const n of ['schoolName', 'shortName', 'address', 'region', 'inn', 'adminFullName', 'adminEmail', 'adminPhone']) fd.append(n, v(n));
      fd.append('orderFile', file, file.name);
      prog.hidden = false;
      const show = x => { bar.value = Math.round(x * 100); pct.textContent = x < 1 ? bar.value + ' %' : t('processing'); };
      show(0);
      let r;
      try {
        r = await upload('/school-applications', fd, show);
      } catch (e) {
        prog.hidden = true;
        if (e.status === 413 || e.status === 415) e.fields = { orderFile: e.status === 413 ? t('fileBig') : t('fileType') };
        throw e;
      }
      swap(root, t('applicationSent'),
        h('div', { id: 'apply-done', class: 'ok', role: 'status' },
          t('applicationNumber') + ' ', h('strong', { id: 'apply-done-id', title: r.id }, appNumber(r.id))),
        h('p', null, t('nextSteps1')),
        h('p', null, t('nextSteps2', { email: v('adminEmail') })),
        h('p', null, h('a', { href: '#/signin', class: 'btn' }, t('toSignIn'))));
    }, err, 'apply');
  }

  const root = page(t('applyTitle'), h('p', null, t('applyIntro')), form);
  return root;
}

// A number a person can read out on the phone: the last eight characters of the id, «3F9A-1C2B».
export const appNumber = id => { const x = String(id).replace(/-/g, '').slice(-8).toUpperCase(); return x.slice(0, 4) + '-' + x.slice(4); };
