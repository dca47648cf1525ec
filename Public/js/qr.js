// QR code encoder (ISO/IEC 18004): byte mode (UTF-8), error correction level M, versions 1-15.

// Level M, per version: ECC codewords per block, blocks.
const ECC = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24];
const BLOCKS = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10];

// GF(256) modulo 0x11D.
const EXP = new Uint8Array(510), LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++, x = x << 1 ^ (x & 128 ? 0x11d : 0)) { EXP[i] = EXP[i + 255] = x; LOG[x] = i; }
const mul = (a, b) => a && b ? EXP[LOG[a] + LOG[b]] : 0;

// Reed-Solomon: n ECC codewords of data; gen = (x - a^0)...(x - a^(n-1)) less its 1st term.
function rs(data, n) {
  const gen = Array(n).fill(0), res = Array(n).fill(0);
  gen[n - 1] = 1;
  for (let i = 0, root = 1; i < n; i++, root = mul(root, 2))
    for (let j = 0; j < n; j++) gen[j] = mul(gen[j], root) ^ (gen[j + 1] || 0);
  for (const b of data) {
    const f = b ^ res.shift();
    res.push(0);
    gen.forEach((c, i) => { res[i] ^= mul(c, f); });
  }
  return res;
}

// Modules left for codewords.
function rawModules(v) {
  const a = (v / 7 | 0) + 2;
  return (16 * v + 128) * v + 64 - (v > 1 && (25 * a - 10) * a - 55) - (v > 6 && 36);
}
const dataBytes = v => (rawModules(v) >> 3) - ECC[v - 1] * BLOCKS[v - 1];

// BCH code: d, then its remainder modulo poly (degree deg).
function bch(d, deg, poly) {
  let r = d;
  for (let i = 0; i < deg; i++) r = r << 1 ^ (r >> deg - 1) * poly;
  return d << deg | r;
}

const MASKS = [
  (x, y) => (x + y) % 2, (x, y) => y % 2, x => x % 3, (x, y) => (x + y) % 3,
  (x, y) => ((x / 3 | 0) + (y / 2 | 0)) % 2, (x, y) => x * y % 2 + x * y % 3,
  (x, y) => (x * y % 2 + x * y % 3) % 2, (x, y) => ((x + y) % 2 + x * y % 3) % 2,
]; // flip where 0

// Format info (level M = 00, mask), both copies, and the dark module.
function drawFormat(set, n, mask) {
  const bits = bch(mask, 10, 0x537) ^ 0x5412, bit = i => !!(bits >> i & 1);
  for (let i = 0; i < 15; i++) {
    set(8, i < 6 ? i : i < 8 ? i + 1 : n - 15 + i, bit(i));
    set(i < 8 ? n - 1 - i : i < 9 ? 7 : 14 - i, 8, bit(i));
  }
  set(8, n - 8, true);
}

// Penalty: N1 runs, N2 2x2 blocks, N3 finder-like patterns, N4 dark/light balance.
function penalty(m) {
  const n = m.length, lines = [], dark = m.flat().filter(Boolean).length;
  let p = 0;
  for (let i = 0; i < n; i++) lines.push(m[i].map(Number).join(''), m.map(r => +r[i]).join(''));
  for (const s of lines) {
    for (const run of s.match(/0{5,}|1{5,}/g) || []) p += run.length - 2;
    p += 40 * (`0000${s}0000`.match(/(?=10111010000|00001011101)/g) || []).length;
  }
  for (let y = 1; y < n; y++) for (let x = 1; x < n; x++) {
    const c = m[y][x];
    if (c === m[y - 1][x] && c === m[y][x - 1] && c === m[y - 1][x - 1]) p += 3;
  }
  return p + 10 * Math.floor(Math.abs(dark * 20 / (n * n) - 10));
}

export function qrMatrix(text) {
  const bytes = new TextEncoder().encode(String(text));
  let v = 1;
  while (4 + (v < 10 ? 8 : 16) + 8 * bytes.length > 8 * dataBytes(v))
    if (++v > 15) throw new Error(`QR code: text too long (${bytes.length} bytes of UTF-8, at most ${dataBytes(15) - 3})`);

  // Mode 0100, length, bytes, terminator, zeros to a byte, pad codewords.
  const bits = [], cap = 8 * dataBytes(v);
  const put = (val, len) => { for (let i = len - 1; i >= 0; i--) bits.push(val >> i & 1); };
  put(4, 4); put(bytes.length, v < 10 ? 8 : 16); bytes.forEach(b => put(b, 8));
  put(0, Math.min(4, cap - bits.length)); put(0, -bits.length & 7);
  for (let pad = 0xec; bits.length < cap; pad ^= 0xfd) put(pad, 8); // 0xEC, 0x11...
  const data = [];
  for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((a, b) => a << 1 | b));

  // Blocks (the last raw % nb one longer), their ECC, interleaved.
  const nb = BLOCKS[v - 1], ec = ECC[v - 1], raw = rawModules(v) >> 3, short = (raw / nb | 0) - ec;
  const blocks = [], cw = [];
  for (let i = 0, k = 0; i < nb; i++) blocks.push(data.slice(k, k += short + (i >= nb - raw % nb)));
  const eccs = blocks.map(b => rs(b, ec));
  for (let i = 0; i <= short; i++) blocks.forEach(b => i < b.length && cw.push(b[i]));
  for (let i = 0; i < ec; i++) eccs.forEach(e => cw.push(e[i]));

  // Function patterns; fn marks modules that hold no data.
  const n = 4 * v + 17, grid = () => Array.from({ length: n }, () => Array(n).fill(false));
  const m = grid(), fn = grid();
  const set = (x, y, d) => { if (m[y] && x in m[y]) { m[y][x] = d; fn[y][x] = true; } };
  const square = (cx, cy, r, dark) => {
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) set(cx + dx, cy + dy, dark(Math.max(Math.abs(dx), Math.abs(dy))));
  };
  for (const [x, y] of [[3, 3], [n - 4, 3], [3, n - 4]]) square(x, y, 4, d => d !== 2 && d !== 4); // finders + separators
  if (v > 1) { // alignment patterns, except over finders
    const k = (v / 7 | 0) + 2, step = Math.ceil((4 * v + 4) / (2 * k - 2)) * 2, pos = [6];
    for (let p = n - 7; pos.length < k; p -= step) pos.splice(1, 0, p);
    for (const y of pos) for (const x of pos)
      if (!fn[y][x]) square(x, y, 2, d => d !== 1);
  }
  for (let i = 8; i < n - 8; i++) { set(6, i, !(i % 2)); set(i, 6, !(i % 2)); } // timing
  drawFormat(set, n, 0); // reserves its area
  if (v > 6) { // version info, both copies
    const bits = bch(v, 12, 0x1f25);
    for (let i = 0; i < 18; i++) {
      const d = !!(bits >> i & 1), a = n - 11 + i % 3, b = i / 3 | 0;
      set(a, b, d); set(b, a, d);
    }
  }

  // Codewords in 2-wide columns zigzagging from the bottom right.
  let i = 0;
  for (let right = n - 1; right > 0; right -= 2) {
    if (right === 6) right = 5; // skips the timing column
    for (let k = 0; k < n; k++) for (let j = 0; j < 2; j++) {
      const x = right - j, y = (right + 1 & 2) ? k : n - 1 - k;
      if (!fn[y][x] && i < cw.length * 8) m[y][x] = !!(cw[i >> 3] >> 7 - (i++ & 7) & 1);
    }
  }

  // The mask of lowest penalty.
  let best, min = Infinity;
  MASKS.forEach((f, k) => {
    const t = m.map((row, y) => row.map((c, x) => fn[y][x] ? c : c !== !f(x, y)));
    drawFormat((x, y, d) => { t[y][x] = d; }, n, k);
    const p = penalty(t);
    if (p < min) { best = t; min = p; }
  });
  return best;
}

// <svg> size px square: white background, 4-module quiet zone, dark modules as one path.
export function qrSvg(text, { size = 192, title } = {}) {
  const m = qrMatrix(text), w = m.length + 8;
  const el = (tag, attrs) => {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  };
  const svg = el('svg', { viewBox: `0 0 ${w} ${w}`, width: size, height: size, role: 'img', 'shape-rendering': 'crispEdges' });
  if (title) { svg.setAttribute('aria-label', title); svg.append(el('title', {})); svg.firstChild.textContent = title; }
  let d = '';
  m.forEach((row, y) => {
    for (let x = 0, len; x < row.length; x += len + 1) { // a rectangle per run
      for (len = 0; row[x + len]; len++);
      if (len) d += `M${x + 4} ${y + 4}h${len}v1h-${len}z`;
    }
  });
  svg.append(el('rect', { width: w, height: w, fill: '#fff' }), el('path', { d, fill: '#000' }));
  return svg;
}
