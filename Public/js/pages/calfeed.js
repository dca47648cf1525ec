// «Подписаться в календаре» under the week of #/schedule: a secret iCalendar address of the
// person's lessons (a parent's: of the child shown) that calendar apps (Google, Apple, Outlook,
// Yandex) subscribe to and refresh by themselves. The address is shown once, right after it is
// made (the server keeps only its hash): to copy, and as webcal:// for a phone's calendar app;
// made again on demand (the old one stops at once) or turned off. Loaded with schedule.js.
import { h, btn, alertBox, statusBox, fail, fmtDate } from '../dom.js';
import { api } from '../api.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  cf_title: ['Подписаться в календаре', 'Subscribe in a calendar'],
  cf_about: ['Уроки появятся в календаре телефона или компьютера (Google, Apple, Outlook, Яндекс) и будут обновляться сами: замены, переносы и отмены тоже.',
    'The lessons appear in your phone’s or computer’s calendar (Google, Apple, Outlook, Yandex) and stay up to date, substitutions, moves and cancellations included.'],
  cf_about_child: ['Уроки {name} появятся в вашем календаре и будут обновляться сами.', 'The lessons of {name} appear in your calendar and stay up to date.'],
  cf_secret: ['Ссылка личная: кто её знает, видит расписание. Не пересылайте её.', 'The link is personal: whoever has it sees the timetable. Do not share it.'],
  cf_make: ['Получить ссылку', 'Get the link'],
  cf_state: ['Ссылка выдана {date}.', 'Link made {date}.'],
  cf_used: ['Календарь обновлялся: {date}.', 'Last fetched by a calendar: {date}.'],
  cf_unused: ['Календарь по ней ещё не обращался.', 'No calendar has fetched it yet.'],
  cf_once: ['Ссылку показываем только один раз. Потерялась — получите новую: старая перестанет работать.',
    'The link is shown only once. Lost it? Get a new one: the old one stops working.'],
  cf_renew: ['Получить новую ссылку', 'Get a new link'],
  cf_revoke: ['Отключить', 'Turn off'],
  cf_url: ['Ссылка для подписки', 'Subscription link'],
  cf_copy: ['Копировать', 'Copy'], cf_copied: ['Скопировано.', 'Copied.'],
  cf_copy_by_hand: ['Выделите ссылку и скопируйте её.', 'Select the link and copy it.'],
  cf_open: ['Открыть в приложении календаря', 'Open in the calendar app'],
  cf_how: ['Google Календарь: «Другие календари» → «+» → «Добавить по URL», вставьте ссылку. iPhone и iPad: «Открыть в приложении календаря». Outlook: «Добавить календарь» → «Подписаться из Интернета».',
    'Google Calendar: Other calendars → + → From URL, paste the link. iPhone and iPad: Open in the calendar app. Outlook: Add calendar → Subscribe from web.'],
  cf_made: ['Ссылка готова: скопируйте её в календарь.', 'The link is ready: copy it into your calendar.'],
  cf_renewed: ['Новая ссылка готова, старая больше не работает.', 'A new link is ready; the old one no longer works.'],
  cf_revoked: ['Подписка отключена: календарь больше не получит уроки по старой ссылке.', 'Turned off: calendars no longer get lessons by the old link.'],
});

/** The box for `personId`'s lessons (`childId` when a parent looks at a child's week). */
export async function calendarFeed({ personId, childId, personName }) {
  const error = alertBox('calfeed-error'), message = statusBox('calfeed-message');
  const body = h('div', { id: 'calfeed-body' });
  const box = h('section', { id: 'calfeed', class: 'card calfeed', 'aria-labelledby': 'calfeed-h' },
    h('h2', { id: 'calfeed-h' }, t('cf_title')),
    h('p', { class: 'hint' }, childId ? t('cf_about_child', { name: personName }) : t('cf_about')),
    body, error, message);
  let feed = null;
  try {
    feed = (await api('GET', '/me/calendar-feeds')).items.find(f => f.personId.toLowerCase() === personId.toLowerCase()) || null;
  } catch (e) { fail(error, e); }

  const busy = async (button, fn) => {
    if (button.getAttribute('aria-busy')) return;
    button.setAttribute('aria-busy', 'true');
    error.textContent = ''; message.textContent = '';
    try { await fn(); } catch (e) { fail(error, e); } finally { button.removeAttribute('aria-busy'); }
  };
  const make = button => busy(button, async () => {
    const again = !!feed;
    feed = await api('POST', '/me/calendar-feeds', childId ? { childId } : {});
    show();
    message.textContent = t(again ? 'cf_renewed' : 'cf_made');
    document.getElementById('calfeed-url')?.focus();
  });

  function linkBox(f) {
    const input = h('input', { id: 'calfeed-url', class: 'link-url', type: 'url', readonly: true, value: f.url,
      'aria-describedby': 'calfeed-secret', spellcheck: 'false' });
    input.onfocus = () => input.select();
    const copy = btn('calfeed-copy', t('cf_copy'), 'primary', async () => {
      input.select();
      let done = false;
      try { await navigator.clipboard.writeText(f.url); done = true; } catch { done = !!(document.execCommand && document.execCommand('copy')); }
      message.textContent = t(done ? 'cf_copied' : 'cf_copy_by_hand');
    });
    return h('div', { id: 'calfeed-link' },
      h('label', { for: 'calfeed-url' }, t('cf_url')),
      h('div', { class: 'row' }, input, copy),
      h('p', { class: 'row' }, h('a', { id: 'calfeed-webcal', class: 'btn', href: f.webcalUrl }, t('cf_open'))),
      h('p', { class: 'hint', id: 'calfeed-how' }, t('cf_how')));
  }

  function show() {
    const secret = h('p', { class: 'hint', id: 'calfeed-secret' }, t('cf_secret'));
    if (!feed) {
      body.replaceChildren(secret, h('div', { class: 'row' }, btn('calfeed-make', t('cf_make'), 'primary', e => make(e.currentTarget))));
      return;
    }
    const state = h('p', { id: 'calfeed-state', 'data-feed-id': feed.id },
      t('cf_state', { date: fmtDate(feed.createdAt) }), ' ', feed.lastUsedAt ? t('cf_used', { date: fmtDate(feed.lastUsedAt) }) : t('cf_unused'));
    const actions = h('div', { class: 'row' },
      btn('calfeed-renew', t('cf_renew'), feed.url ? '' : 'primary', e => make(e.currentTarget)),
      btn('calfeed-revoke', t('cf_revoke'), 'danger', e => busy(e.currentTarget, async () => {
        await api('DELETE', '/me/calendar-feeds/' + encodeURIComponent(feed.id));
        feed = null;
        show();
        message.textContent = t('cf_revoked');
      })));
    body.replaceChildren(...(feed.url ? [linkBox(feed), secret] : [state, secret, h('p', { class: 'hint' }, t('cf_once'))]), actions);
  }
  show();
  return box;
}
