#!/bin/sh
# render-handouts.sh — every handout to one self-contained HTML page
# (make handouts).
#
# Handouts are handouts/<lang>/NN-slug.md (en, zh-CN, any other language
# folder), found by glob: a new lab's handout renders with no change here.
# Each becomes build/handouts/<lang>/NN-slug.html with a table of contents,
# highlighted code, and a section "Tests and points" generated from the lab's
# labs/NN-slug/points (hidden tests of grader/hidden/NN-slug/points as a count
# and a total only).  pandoc and the fonts are Debian's; the page is
# render/handout.html + render/handout.css, the generated parts
# render/handout.lua.
#
#   $ make handouts
#   $ sh scripts/render-handouts.sh handouts/zh-CN/04-race.md   # only these
#   $ OUT=/tmp/handouts sh scripts/render-handouts.sh            # elsewhere
set -eu
cd "$(dirname "$0")/.."
. render/lib.sh
out=${OUT:-build/handouts}

if [ "$#" -gt 0 ]; then
    files="$*"
else
    files=$(ls handouts/*/*.md 2>/dev/null | sort || true)
fi
if [ -z "$files" ]; then
    echo "render-handouts: no handouts/*/*.md to render"
    exit 0
fi

# Chromium is not needed to render, but the fonts are for anyone who prints
# or screenshots the pages on this machine (tests/render-check.sh does).
render_install pandoc $RENDER_FONTS

start=$(date +%s)
n=0
for f in $files; do
    lang=$(basename "$(dirname "$f")")
    lab=$(render_lab_of "$f")
    case "$lang" in
        zh-CN) toc_title="目录" ;;
        *) toc_title="Contents" ;;
    esac
    mkdir -p "$out/$lang"
    # GitHub's Markdown, as authors preview it (`\|` in a table's code is a
    # bar); east_asian_line_breaks: a line break between two Chinese
    # characters is no space; smart: curly quotes and dashes outside code;
    # attributes: a heading's {#id}, the anchor a test's hint links to.
    # --self-contained inlines the stylesheet and
    # pictures (pandoc 2.x's name for 3.x's --embed-resources --standalone).
    pandoc "$f" --from gfm+attributes+yaml_metadata_block+east_asian_line_breaks+smart --to html5 --self-contained \
        --template render/handout.html --css render/handout.css \
        --lua-filter render/handout.lua \
        --toc --toc-depth 3 --highlight-style pygments \
        --resource-path ".:$(dirname "$f")" \
        -M lang="$lang" -M toc-title="$toc_title" \
        -M shmlab-lab="$lab" -M shmlab-dir="$(dirname "$f")" \
        -o "$out/$lang/$lab.html" 2>"$out/.pandoc.log" || { cat "$out/.pandoc.log" >&2; exit 1; }
    # pandoc 2.17 has no Chinese strings of its own (it would warn for every
    # zh-CN page); the template says 目录 itself.  Other warnings are shown.
    grep -v -e 'Could not load translations' -e 'translations/.*not found' \
        -e 'has no translation defined' "$out/.pandoc.log" >&2 || true
    rm -f "$out/.pandoc.log"
    echo "handout: $out/$lang/$lab.html"
    n=$((n + 1))
done
echo "render-handouts: $n handout(s) in $(($(date +%s) - start)) s"
