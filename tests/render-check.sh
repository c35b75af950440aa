#!/bin/sh
# render-check.sh — render one slide deck and one handout, and look at them in
# headless Chromium as a reader would (part of make test).
#
# The pair is chosen the same way every time: the first lab (by number) that
# has a deck and a Chinese handout, so the CJK path is exercised; failing that
# the first deck and the first English handout.  Each check prints one line,
# "ok      ..." or "FAILED  ...": the deck's HTML and PDF exist; each page
# loads, asks for nothing outside itself, has every picture, shows its title,
# draws Chinese with a CJK font, and gives a screenshot that is not blank
# (kept in build/render-check/); the handout has its generated "Tests and
# points" section and names no hidden test.  Exits 1 when a check failed.
# Where Chromium cannot be installed it prints one SKIP line and exits 0.
#
#   $ sh tests/render-check.sh
set -u
cd "$(dirname "$0")/.." || exit 2
. render/lib.sh
out=build/render-check
failed=0
ok()   { echo "ok      render: $1"; }
fail() { failed=$((failed + 1)); echo "FAILED  render: $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/        /'; }

rm -rf "$out"
mkdir -p "$out"

# -- the tools: Debian's pandoc, Chromium and fonts; Marp and puppeteer-core from npm
# shellcheck disable=SC2046
# poppler-utils: pdfinfo, to count the PDF's pages.
if ! render_install pandoc chromium poppler-utils $RENDER_FONTS $(render_node_packages) >"$out/install.log" 2>&1; then
    if ! render_chromium >/dev/null; then
        echo "SKIP    render: Chromium cannot be installed on this machine ($(tail -n 1 "$out/install.log")); decks and handouts were not checked"
        exit 0
    fi
    fail "renderers installed" "$(tail -n 5 "$out/install.log")"
fi
chrome=$(render_chromium) || { echo "SKIP    render: no Chromium on this machine after installing it; decks and handouts were not checked"; exit 0; }
if render_npm >"$out/npm.log" 2>&1; then ok "npm packages from package-lock.json"; else
    fail "npm packages from package-lock.json" "$(tail -n 5 "$out/npm.log")"; exit 1; fi

# -- which deck and which handout -------------------------------------------
deck=""
handout=""
for d in $(ls slides/*.md 2>/dev/null | sort); do
    lab=$(render_lab_of "$d")
    if [ -f "handouts/zh-CN/$lab.md" ]; then deck=$d; handout=handouts/zh-CN/$lab.md; break; fi
done
[ -n "$deck" ] || deck=$(ls slides/*.md 2>/dev/null | sort | head -n 1)
[ -n "$handout" ] || handout=$(ls handouts/en/*.md 2>/dev/null | sort | head -n 1)
[ -n "$deck" ] || fail "a deck to render" "there is no slides/*.md"
[ -n "$handout" ] || fail "a handout to render" "there is no handouts/en/*.md"

# md_title FILE: a YAML front matter's title, else the first "# " heading
# outside code blocks, without Markdown emphasis.
md_title() {
    awk 'NR == 1 && /^---[ \t]*$/ { fm = 1; next }
         fm && /^---[ \t]*$/ { fm = 0; next }
         fm { if (sub(/^title:[ \t]*/, "")) { gsub(/^["\047]|["\047][ \t]*$/, ""); print; exit } next }
         /^[ \t]*(```|~~~)/ { code = !code; next }
         !code && /^# / { sub(/^# +/, ""); gsub(/[`*]/, ""); sub(/[ \t#]+$/, ""); print; exit }' "$1"
}

# -- the deck ---------------------------------------------------------------
if [ -n "$deck" ]; then
    name=$(render_lab_of "$deck")
    if OUT=$out/slides sh scripts/render-slides.sh "$deck" >"$out/slides.log" 2>&1; then
        ok "$deck renders to HTML and PDF"
    else
        fail "$deck renders" "$(tail -n 8 "$out/slides.log")"
    fi
    pdf=$out/slides/$name.pdf
    if [ -s "$pdf" ] && [ "$(head -c 5 "$pdf")" = "%PDF-" ]; then
        pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
        if [ "${pages:-0}" -ge 1 ]; then
            ok "$deck gives a PDF of $pages pages"
        else
            fail "$deck gives a PDF" "pdfinfo finds no page in $pdf"
        fi
    else
        fail "$deck gives a PDF" "$pdf is missing or is not a PDF"
    fi
    if [ -s "$out/slides/$name.html" ]; then
        node render/check-page.mjs --chrome "$chrome" --title "$(md_title "$deck")" --size 1280x720 \
            --screenshot "$out/deck-$name.png" "$out/slides/$name.html" || failed=$((failed + 1))
    fi
fi

# A picture a deck names that does not exist is drawn as a placeholder by
# render-slides; only lab 01's bench plot may be missing (make bench draws it).
if grep 'not found; drawing a placeholder' "$out/slides.log" 2>/dev/null | grep -qv 'build/bench/'; then
    fail "$deck: every picture it names exists" "$(grep 'not found' "$out/slides.log" | grep -v build/bench/ | head -n 3)"
fi

# -- every deck, English and Chinese: a Chinese deck per English deck,
# slide for slide; Chromium shows each with every picture decoded and every
# picture it names present (the diagrams are drawn by Graphviz from
# slides/diagrams/), and every Chinese character in a CJK face -----------------
all_decks=""
for d in $(ls slides/*.md 2>/dev/null | sort); do
    all_decks="$all_decks $d"
    z=slides/zh-CN/$(basename "$d")
    if [ ! -f "$z" ]; then fail "$d has a Chinese deck" "no $z"; continue; fi
    en_n=$(grep -c '^---[ \t]*$' "$d")
    zh_n=$(grep -c '^---[ \t]*$' "$z")
    if [ "$en_n" = "$zh_n" ]; then ok "$z follows $d slide for slide"
    else fail "$z follows $d slide for slide" "$zh_n slide breaks, the English deck has $en_n"; fi
    all_decks="$all_decks $z"
done
if [ -n "$all_decks" ]; then
    # shellcheck disable=SC2086
    if NO_PDF=1 OUT=$out/decks sh scripts/render-slides.sh $all_decks >"$out/decks.log" 2>&1; then
        ok "every deck renders"
        if grep 'not found; drawing a placeholder' "$out/decks.log" | grep -qv 'build/bench/'; then
            fail "every picture a deck names exists" "$(grep 'not found' "$out/decks.log" | grep -v build/bench/ | head -n 3)"
        else ok "every picture a deck names exists (lab 01's bench plot aside: make bench draws it)"; fi
        for d in $all_decks; do
            name=$(render_lab_of "$d")
            case $d in slides/zh-CN/*) html=$out/decks/zh-CN/$name.html; shot=deck-zh-CN-$name ;;
                       *) html=$out/decks/$name.html; shot=deck-en-$name ;; esac
            node render/check-page.mjs --chrome "$chrome" --title "$(md_title "$d")" --size 1280x720 \
                --screenshot "$out/$shot.png" "$html" || failed=$((failed + 1))
        done
    else
        fail "every deck renders" "$(tail -n 8 "$out/decks.log")"
    fi
fi

# -- the handout ------------------------------------------------------------
if [ -n "$handout" ]; then
    name=$(render_lab_of "$handout")
    lang=$(basename "$(dirname "$handout")")
    html=$out/handouts/$lang/$name.html
    if OUT=$out/handouts sh scripts/render-handouts.sh "$handout" >"$out/handouts.log" 2>&1; then
        ok "$handout renders"
    else
        fail "$handout renders" "$(tail -n 8 "$out/handouts.log")"
    fi
    if [ -s "$html" ]; then
        title=$(md_title "$handout")
        [ -n "$title" ] || title=$(sed -n 's/^@title[ \t]*//p' "labs/$name/points" 2>/dev/null | head -n 1)
        node render/check-page.mjs --chrome "$chrome" --title "$title" --size 1280x900 \
            --screenshot "$out/handout-$lang-$name.png" "$html" || failed=$((failed + 1))
        if grep -q 'id="tests-and-points"' "$html"; then
            ok "$handout has its generated tests-and-points section"
        else
            fail "$handout has its generated tests-and-points section" "no id=\"tests-and-points\" in $html"
        fi
        leaked=""
        if [ -f "grader/hidden/$name/points" ]; then
            for t in $(awk '!/^[ \t]*(#|@|$)/ { print $1 }' "grader/hidden/$name/points"); do
                grep -qw -- "$t" "$html" && leaked="$leaked $t"
            done
        fi
        if [ -z "$leaked" ]; then ok "$handout names no hidden test"; else
            fail "$handout names no hidden test" "named:$leaked"; fi
    fi
fi

# -- every handout: each public test links to the section its hint names ----
# (pandoc only: the page itself was shown above), and no heading shows its
# {#id} as text.
if OUT=$out/all sh scripts/render-handouts.sh >"$out/all.log" 2>&1; then
    for md in handouts/*/[0-9][0-9]-*.md; do
        name=$(render_lab_of "$md")
        html=$out/all/$(basename "$(dirname "$md")")/$name.html
        dangling=""
        for ts in $(sed 's/#.*//' "labs/$name/points" | awk '!/^[ \t]*(@|$)/ && NF >= 3 { print $1 "=" $3 }'); do
            sec=${ts#*=}
            grep -q "href=\"#$sec\"" "$html" && grep -q "id=\"$sec\"" "$html" || dangling="$dangling $ts"
        done
        grep -q '<h[1-6][^>]*>.*{#[a-z0-9-]*}' "$html" && dangling="$dangling (a heading shows its {#id} as text)"
        if [ -z "$dangling" ]; then ok "$md links each public test to its section"; else
            fail "$md links each public test to its section" "missing:$dangling"; fi
    done
else
    fail "every handout renders" "$(tail -n 8 "$out/all.log")"
fi

[ "$failed" -eq 0 ]
