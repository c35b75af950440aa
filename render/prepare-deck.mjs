// prepare-deck.mjs — make a slide deck self-contained before Marp renders it.
//
// For each deck given, writes OUTDIR/<same name>.md (OUTDIR/zh-CN/<name>.md
// for slides/zh-CN/<name>.md) where
//   - every local image (Markdown ![alt](path) and HTML <img src="path">) is
//     replaced by a data: URI, so the HTML file carries its pictures;
//   - an image that does not exist (the lab 01 bench plot before `make bench`,
//     say) becomes a drawn placeholder that says what to run, and a warning;
//   - the front matter gets `marp: true`, `title:` (from the first "# " heading)
//     and `paginate: true` when the deck does not set them itself.
// Paths are looked up beside the deck first, then from the top of the kit
// (so both ../build/bench/throughput.svg and build/bench/throughput.svg work).
// Code blocks are left alone.
//
//   $ node render/prepare-deck.mjs build/.render/slides slides/04-race.md
import { readFileSync, writeFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve, basename, extname, join } from 'node:path';

const MIME = {
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
};
const root = process.cwd();
let warnings = 0;

function escapeXml(s) {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' }[c]));
}

// A grey box naming the missing file and, for generated figures, the target that draws them.
function placeholder(ref) {
  const hint = /build\/bench\//.test(ref) ? 'run `make bench`, then `make slides`' : 'the file is missing';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="300" viewBox="0 0 760 300">`
    + `<rect x="2" y="2" width="756" height="296" rx="12" fill="#f4f4f4" stroke="#999" stroke-width="3" stroke-dasharray="12 8"/>`
    + `<text x="380" y="130" font-family="sans-serif" font-size="26" text-anchor="middle" fill="#555">figure not built yet</text>`
    + `<text x="380" y="175" font-family="monospace" font-size="20" text-anchor="middle" fill="#555">${escapeXml(ref)}</text>`
    + `<text x="380" y="215" font-family="sans-serif" font-size="20" text-anchor="middle" fill="#777">${escapeXml(hint)}</text>`
    + `</svg>`;
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
}

function inline(ref, deck) {
  if (/^(data:|https?:|#)/i.test(ref)) return ref;
  const clean = decodeURI(ref.split(/[?#]/)[0]);
  const candidates = [resolve(dirname(deck), clean), resolve(root, clean)];
  const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  const mime = MIME[extname(clean).toLowerCase()];
  if (!found || !mime) {
    warnings++;
    console.error(`render-slides: ${deck}: image ${ref} ${found ? 'has an unknown type' : 'not found'}; drawing a placeholder`);
    return placeholder(ref);
  }
  return `data:${mime};base64,` + readFileSync(found).toString('base64');
}

function plainTitle(s) {
  return s.replace(/<[^>]+>/g, '').replace(/[`*]/g, '').replace(/\s+#+\s*$/, '').trim();
}

function prepare(deck, outdir) {
  const text = readFileSync(deck, 'utf8').replace(/\r\n/g, '\n');
  let front = null;
  let body = text;
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (m) { front = m[1]; body = text.slice(m[0].length); }

  let fence = null;
  let title = null;
  const lines = body.split('\n').map((line) => {
    const f = /^\s*(```+|~~~+)/.exec(line);
    if (f) {
      if (!fence) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      return line;
    }
    if (fence) return line;
    if (!title) {
      const h = /^#\s+(.+)$/.exec(line);
      if (h) title = plainTitle(h[1]);
    }
    return line
      .replace(/(!\[[^\]]*\]\(\s*<?)([^)\s>]+)(>?(?:\s+"[^"]*")?\s*\))/g,
        (_, a, ref, b) => a + inline(ref, deck) + b)
      .replace(/(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2/gi,
        (_, a, q, ref) => a + q + inline(ref, deck) + q);
  });

  const fm = front === null ? [] : front.split('\n');
  const has = (key) => fm.some((l) => new RegExp(`^${key}\\s*:`).test(l));
  if (!has('marp')) fm.unshift('marp: true');
  if (!has('title') && title) fm.push(`title: ${JSON.stringify(title)}`);
  if (!has('paginate')) fm.push('paginate: true');
  // A translated deck (slides/zh-CN/04-race.md) keeps its language folder,
  // so its HTML and PDF land beside the English ones, not over them.
  const lang = basename(dirname(deck)) === 'slides' ? '' : basename(dirname(deck));
  const dest = join(outdir, lang);
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, basename(deck)), `---\n${fm.join('\n')}\n---\n${lines.join('\n')}`);
}

const [outdir, ...decks] = process.argv.slice(2);
if (!outdir || decks.length === 0) {
  console.error('usage: node render/prepare-deck.mjs OUTDIR DECK.md...');
  process.exit(2);
}
for (const d of decks) prepare(d, outdir);
if (warnings) console.error(`render-slides: ${warnings} image(s) replaced by placeholders`);
