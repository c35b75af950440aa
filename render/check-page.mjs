// check-page.mjs — open one rendered page (a deck or a handout) in Debian's
// headless Chromium and check what a reader would see.  Used by
// tests/render-check.sh; prints one line per check ("ok ..." or
// "FAILED ...: why") and exits 1 when one failed.
//
// Checks: the page loads; it asks for nothing but itself (self-contained, and
// no request to the network); every picture — <img>, CSS background, SVG
// <image> — decodes; the title is the expected one and is on screen; a
// screenshot is not blank; Chinese text is drawn with a CJK font, not boxes.
//
//   $ node render/check-page.mjs --chrome /usr/bin/chromium --title "Lab 04 — …" \
//         --screenshot build/render-check/deck.png --size 1280x720 build/slides/04-race.html
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = { chrome: '/usr/bin/chromium', size: '1280x800', title: null, screenshot: null, file: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--chrome') opt.chrome = args[++i];
  else if (a === '--title') opt.title = args[++i];
  else if (a === '--screenshot') opt.screenshot = args[++i];
  else if (a === '--size') opt.size = args[++i];
  else opt.file = a;
}
if (!opt.file || !opt.screenshot) {
  console.error('usage: node render/check-page.mjs [--chrome PATH] [--title TEXT] [--size WxH] --screenshot OUT.png PAGE.html');
  process.exit(2);
}
const [width, height] = opt.size.split('x').map(Number);
const label = opt.file.replace(/^.*\/build\//, 'build/');
let failed = 0;
const ok = (what) => console.log(`ok      render: ${label}: ${what}`);
const fail = (what, why) => { failed++; console.log(`FAILED  render: ${label}: ${what}: ${why}`); };

const profile = mkdtempSync(join(tmpdir(), 'shmlab-chromium-'));
const browser = await puppeteer.launch({
  executablePath: opt.chrome,
  headless: true,
  userDataDir: profile,
  // Root needs --no-sandbox; the rest keep a closed-network machine from
  // trying to reach the net (updates, sync, first-run pages).
  args: [
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars',
    '--font-render-hinting=none', '--force-color-profile=srgb',
  ],
  defaultViewport: { width, height, deviceScaleFactor: 1 },
  timeout: 60000,
});

try {
  const page = await browser.newPage();
  const url = pathToFileURL(resolve(opt.file)).href;
  const outside = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = req.url();
    if (u === url || u.startsWith('data:')) return req.continue();
    outside.push(u);
    return req.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.message || e)));

  const res = await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  await page.evaluate(() => document.fonts.ready);
  if (res && res.ok()) ok('loads'); else fail('loads', `status ${res ? res.status() : 'none'}`);
  if (errors.length === 0) ok('no script errors'); else fail('no script errors', errors[0]);
  if (outside.length === 0) ok('self-contained (no request but the page itself)');
  else fail('self-contained', `asked for ${outside.length}: ${outside.slice(0, 3).join(' ')}`);

  // Every picture the page uses, decoded afresh (slides that are not on screen
  // count too).
  const pics = await page.evaluate(async () => {
    const urls = new Set();
    for (const img of document.images) if (img.getAttribute('src') !== null) urls.add(img.src);
    for (const im of document.querySelectorAll('image')) {
      const h = im.getAttribute('href') || im.getAttribute('xlink:href');
      if (h) urls.add(new URL(h, document.baseURI).href);
    }
    for (const el of document.querySelectorAll('*')) {
      const bg = getComputedStyle(el).backgroundImage;
      for (const m of bg.matchAll(/url\("?(.*?)"?\)/g)) urls.add(m[1]);
    }
    const bad = [];
    for (const u of urls) {
      const img = new Image();
      img.src = u;
      try { await img.decode(); if (!img.naturalWidth) bad.push(u); } catch { bad.push(u); }
    }
    return { count: urls.size, bad: bad.map((u) => (u.length > 80 ? u.slice(0, 77) + '...' : u)) };
  });
  if (pics.bad.length === 0) ok(`no missing images (${pics.count} picture(s) decode)`);
  else fail('no missing images', `${pics.bad.length} of ${pics.count} do not load: ${pics.bad.join(' ')}`);

  // The title: in <title>, and on the first screen.
  const seen = await page.evaluate(() => ({
    title: document.title.trim(),
    h1: (document.querySelector('h1.title') || document.querySelector('section h1') || document.querySelector('h1') || {}).textContent?.trim() ?? '',
    lang: document.documentElement.lang,
  }));
  const want = (opt.title ?? seen.title).replace(/\s+/g, ' ').trim();
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  if (!want) fail('title present', 'the page has no <title>');
  else if (norm(seen.title) !== want) fail('title present', `<title> is "${seen.title}", expected "${want}"`);
  else if (!norm(seen.h1).includes(want) && !want.includes(norm(seen.h1) || '\u0000')) fail('title present', `first heading is "${seen.h1}", expected "${want}"`);
  else ok(`title present ("${want}")`);

  // Chinese text drawn with a CJK face: ask Chromium which fonts drew the heading.
  if (/[\u3400-\u9fff]/.test(seen.h1) || /^zh/i.test(seen.lang)) {
    const cdp = await page.createCDPSession();
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const sel = /^zh/i.test(seen.lang) ? 'main p, main li, main td, main th, main h2, main h3, section p, section li, section td, section th, section h2, h1' : 'h1';
    const isCjkFace = (n) => /CJK|Hei|Song|Ming|Kai|WenQuanYi|Droid Sans Fallback/i.test(n);
    const faces = new Map();
    // A missing glyph: a Chinese character that no CJK face drew (another
    // face's box or fallback).  Per element on screen, the glyphs CJK faces
    // drew must cover the Chinese characters of its own text.  A deck shows
    // one slide at a time: go through them all (Marp's #N addresses).
    const slides = await page.evaluate(() => document.querySelectorAll('svg[data-marpit-svg]').length);
    const short = [];
    let checked = 0;
    for (let k = 1; k <= Math.max(1, slides); k++) {
      if (slides > 0) {
        await page.evaluate((n) => { location.hash = '#' + n; }, k);
        await new Promise((r) => setTimeout(r, 120));
      }
      await page.evaluate((sel) => {
        for (const e of document.querySelectorAll('[data-cjk-check]')) e.removeAttribute('data-cjk-check');
        // In a deck only the active slide is painted (the others are laid
        // out but hidden); elsewhere whatever has a box.
        const deck = document.querySelector('svg[data-marpit-svg]') !== null;
        for (const e of document.querySelectorAll(sel))
          if (deck ? e.closest('svg.bespoke-marp-active') : e.getClientRects().length) e.setAttribute('data-cjk-check', '');
      }, sel);
      const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
      const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '[data-cjk-check]' });
      for (const id of nodeIds.slice(0, 600)) {
        const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId: id });
        let drawn = 0;
        for (const f of fonts) {
          faces.set(f.familyName, (faces.get(f.familyName) ?? 0) + f.glyphCount);
          if (isCjkFace(f.familyName)) drawn += f.glyphCount;
        }
        const { node } = await cdp.send('DOM.describeNode', { nodeId: id, depth: 1 });
        const text = (node.children ?? []).filter((c) => c.nodeType === 3).map((c) => c.nodeValue).join('');
        const han = (text.match(/[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]/g) ?? []).length;
        checked += han;
        if (drawn < han) short.push(`"${text.trim().slice(0, 30)}" (${han} CJK characters, ${drawn} CJK glyphs)`);
      }
    }
    if (slides > 0) {
      await page.evaluate(() => { location.hash = '#1'; });
      await new Promise((r) => setTimeout(r, 120));
    }
    const cjk = [...faces.keys()].filter(isCjkFace);
    const list = [...faces.entries()].map(([n, c]) => `${n} ${c}`).join(', ');
    if (!cjk.length) fail('Chinese text drawn with a CJK font', `fonts used: ${list || 'none'}; install fonts-noto-cjk`);
    else if (short.length) fail('every Chinese character drawn by a CJK font (no missing glyph)', short.slice(0, 3).join('; '));
    else ok(`Chinese text drawn with a CJK font, no glyph missing (${checked} characters on ${Math.max(1, slides)} screen(s); ${list})`);
  }

  // A screenshot that shows something: count pixels unlike the background.
  const png = await page.screenshot({ path: opt.screenshot, type: 'png' });
  const probe = await browser.newPage();
  const stats = await probe.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const freq = new Map();
    for (let i = 0; i < d.length; i += 4 * 7) {
      const k = (d[i] >> 4) << 8 | (d[i + 1] >> 4) << 4 | (d[i + 2] >> 4);
      freq.set(k, (freq.get(k) ?? 0) + 1);
    }
    const samples = Math.ceil(d.length / 28);
    const bg = Math.max(...freq.values());
    return { w: c.width, h: c.height, ink: 1 - bg / samples, colours: freq.size };
  }, Buffer.from(png).toString('base64'));
  await probe.close();
  const pct = (stats.ink * 100).toFixed(1);
  if (stats.w === width && stats.h === height && stats.ink > 0.005 && stats.colours > 2)
    ok(`screenshot not blank (${stats.w}x${stats.h}, ${pct}% ink, ${stats.colours} colours) -> ${opt.screenshot}`);
  else fail('screenshot not blank', `${stats.w}x${stats.h}, ${pct}% of pixels differ from the background, ${stats.colours} colour(s)`);
} catch (e) {
  fail('page checked', String(e.message || e).split('\n')[0]);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
