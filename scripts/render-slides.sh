#!/bin/sh
# render-slides.sh — every slide deck to a self-contained HTML file and a PDF
# (make slides).
#
# Decks are slides/*.md and the Chinese slides/zh-CN/*.md, found by glob: a
# new lab's deck renders with no change here.  Each becomes
# build/slides/[zh-CN/]NN-slug.html (one file: pictures inlined as data: URIs,
# Marp's script and styles inside) and build/slides/[zh-CN/]NN-slug.pdf.
# A picture that does not exist yet — lab 01's bench plot before `make bench` —
# is drawn as a placeholder saying what to run.  Marp CLI comes from the npm
# registry (pinned in package-lock.json, installed by npm ci into node_modules/);
# the PDF is printed by Debian's Chromium; fonts are Debian's.  The theme is
# render/marp-theme.css, Marp's settings render/marp.config.mjs.
#
#   $ make slides
#   $ sh scripts/render-slides.sh slides/04-race.md     # only these decks
#   $ OUT=/tmp/decks sh scripts/render-slides.sh        # elsewhere
#   $ NO_PDF=1 sh scripts/render-slides.sh              # HTML only (faster)
set -eu
cd "$(dirname "$0")/.."
. render/lib.sh
out=${OUT:-build/slides}

if [ "$#" -gt 0 ]; then
    decks="$*"
else
    decks=$(ls slides/*.md slides/zh-CN/*.md 2>/dev/null | sort || true)
fi
if [ -z "$decks" ]; then
    echo "render-slides: no slides/*.md to render"
    exit 0
fi

# shellcheck disable=SC2046
render_install chromium graphviz $RENDER_FONTS $(render_node_packages)
render_npm

# The decks' diagrams: slides/diagrams/*.dot, drawn by Graphviz into
# build/diagrams/*.svg, which the decks show (one picture serves the English
# and the Chinese deck).
mkdir -p build/diagrams
for dotfile in slides/diagrams/*.dot; do
    [ -f "$dotfile" ] || continue
    dot -Tsvg "$dotfile" -o "build/diagrams/$(basename "$dotfile" .dot).svg" ||
        { echo "render-slides: Graphviz cannot draw $dotfile" >&2; exit 1; }
done
chrome=$(render_chromium) || { echo "render-slides: Chromium is not installed (need /usr/bin/chromium)" >&2; exit 1; }
CHROME_PATH=$chrome
export CHROME_PATH

# Marp reads its input from a folder of its own: the decks, made
# self-contained.  One folder per run, so two runs never mix their decks.
mkdir -p build/.render "$out"
src=$(mktemp -d build/.render/slides-XXXXXX)
trap 'rm -rf "$src"' EXIT
# shellcheck disable=SC2086
node render/prepare-deck.mjs "$src" $decks

marp() {
    node_modules/.bin/marp --config-file render/marp.config.mjs \
        --browser chrome --browser-path "$chrome" --browser-timeout 120 \
        -I "$src" -o "$out" "$@"
}
start=$(date +%s)
marp >"$src/marp-html.log" 2>&1 || { cat "$src/marp-html.log" >&2; exit 1; }
if [ -z "${NO_PDF:-}" ]; then
    # Marp starts Chromium through puppeteer-core, headless, with a fresh
    # profile and puppeteer's --no-first-run, --disable-background-networking,
    # --disable-sync (and its own --disable-component-update); these two add
    # --no-sandbox (root, or a container, needs it) and --disable-gpu.
    CHROME_NO_SANDBOX=1 CHROME_DISABLE_GPU=1 marp --pdf --pdf-outlines >"$src/marp-pdf.log" 2>&1 ||
        { cat "$src/marp-pdf.log" >&2; exit 1; }
fi

n=0
for d in $decks; do
    name=$(basename "$d" .md)
    case $d in slides/*/*) name=$(basename "$(dirname "$d")")/$name ;; esac
    files="$out/$name.html"
    [ -z "${NO_PDF:-}" ] && files="$files $out/$name.pdf"
    for f in $files; do
        [ -s "$f" ] || { echo "render-slides: $d gave no $f" >&2; exit 1; }
    done
    n=$((n + 1))
    echo "slides: $files"
done
echo "render-slides: $n deck(s) in $(($(date +%s) - start)) s"
