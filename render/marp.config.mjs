// marp.config.mjs — how scripts/render-slides.sh runs Marp CLI on every deck.
// HTML is allowed in decks (inline <svg> diagrams); the shmlab theme is used
// for every deck, so no deck pulls web fonts from the net (Marp's gaia and
// uncover themes would); emoji stay text (Marp's default turns them into
// twemoji images fetched from a CDN).  Pictures arrive as data: URIs
// (render/prepare-deck.mjs inlines them); markdown-it accepts data: URIs of
// PNG, JPEG, GIF and WebP only, so the engine is taught SVG too.
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// Accept data:image/svg+xml links as well as markdown-it's own safe list.
function svgDataImages(md) {
  const validate = md.validateLink;
  md.validateLink = (url) => /^data:image\/svg\+xml;base64,/i.test(url.trim()) || validate(url);
}

export default {
  engine: ({ marp }) => marp.use(svgDataImages),
  html: true,
  themeSet: [here('./marp-theme.css')],
  theme: 'shmlab',
  options: {
    emoji: { shortcode: true, unicode: false },
  },
  bespoke: { progress: true },
};
