// People's pictures: a profile photo made by the server (GET /users/<id>/photo, 96 or 256 px
// squares), or initials on a colour derived from the person when there is none or it fails to
// load. Loaded with the pages that show people (not part of the shell).
import { h } from './dom.js';

// `v` is the photo's version from the API (`photo`, `authorPhoto`, `peerPhoto`): a new photo has a
// new address, so the browser may keep this one.
export const photoURL = (userId, v, size = 96) => v
  ? '/api/v1/users/' + encodeURIComponent(userId) + '/photo?size=' + size + '&v=' + encodeURIComponent(v) : null;

// Initials on a colour derived from the person (or chat): the same person, the same colour.
// With `photo` (a URL) the photo, on the same colour while it loads, and the initials if it fails.
export function avatar(name, key, cls = '', photo = null) {
  const words = String(name || '?').trim().split(/\s+/).filter(w => /^[\p{L}\p{N}]/u.test(w));
  // A class's chat («5Б — объявления») shows the class; a person, their two initials.
  const initials = (/^\d/.test(words[0] || '') ? words[0].slice(0, 3)
    : words.length > 1 ? words[0][0] + words[1][0] : (words[0] || '?').slice(0, 2)).toUpperCase();
  let hash = 0;
  for (const c of String(key || name)) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  const el = h('span', { class: 'avatar ' + cls, 'aria-hidden': 'true' }, initials);
  // Through the CSSOM: the page's CSP forbids style attributes.
  el.style.backgroundColor = `hsl(${hash % 360} 45% 30%)`;   // dark enough for white text (WCAG AA) at any hue
  if (!photo) return el;
  const img = h('img', { class: 'avatar photo ' + cls, src: photo, alt: '', decoding: 'async' });
  img.style.backgroundColor = el.style.backgroundColor;
  img.addEventListener('error', () => img.replaceWith(el), { once: true });
  return img;
}
