# render/lib.sh — what scripts/render-slides.sh, scripts/render-handouts.sh and
# tests/render-check.sh share: installing the renderers, finding Chromium.
# Sourced (". render/lib.sh") from the top of the kit; defines functions only.
#
# Everything comes from Debian's packages (scripts/install-deps.sh) and from
# the npm registry by name (npm ci, from package-lock.json).  Nothing else is
# downloaded: Puppeteer's own browser download is switched off and Marp uses
# Debian's /usr/bin/chromium.

# Debian packages each renderer needs.  fonts-noto-cjk: the Chinese handouts
# and slides (without it Chromium draws boxes); fonts-dejavu-core: a Latin and
# monospace face for code.
RENDER_FONTS="fonts-noto-cjk fonts-dejavu-core"

# Never let an npm package fetch a browser of its own.
PUPPETEER_SKIP_DOWNLOAD=1
PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1
export PUPPETEER_SKIP_DOWNLOAD PUPPETEER_SKIP_CHROMIUM_DOWNLOAD

# render_install PACKAGE...: install Debian packages through the project's script.
render_install() {
    sh scripts/install-deps.sh "$@"
}

# render_node_packages: the Debian names that bring node and npm, leaving out
# what is already there (a machine with NodeSource's nodejs has npm inside it,
# and Debian's npm package conflicts with that nodejs).
render_node_packages() {
    pk=""
    command -v node >/dev/null 2>&1 || pk="nodejs"
    command -v npm >/dev/null 2>&1 || pk="$pk npm"
    echo "$pk"
}

# render_npm: install node_modules/ from package-lock.json with npm ci, once
# per lockfile (node_modules/.shmlab-lock is the copy it was installed from).
render_npm() {
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -lt 18 ]; then
        echo "render: Marp CLI needs Node.js 18 or newer; this machine has $(node --version 2>/dev/null || echo none)" >&2
        return 1
    fi
    if [ -x node_modules/.bin/marp ] && cmp -s package-lock.json node_modules/.shmlab-lock; then
        return 0
    fi
    echo "render: npm ci (Marp CLI, pinned in package-lock.json)"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error || return 1
    cp package-lock.json node_modules/.shmlab-lock
}

# render_chromium: print the path of Debian's Chromium (or $CHROME_PATH).
render_chromium() {
    for c in "${CHROME_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
        [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

# render_lab_of FILE.md: the lab folder name a deck or handout belongs to
# (slides/04-race.md -> 04-race).
render_lab_of() {
    basename "$1" .md
}
