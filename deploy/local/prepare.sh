# Shared by run.sh, test.sh and .ci/run (sourced, not run): installs what a fresh Debian
# machine lacks, each step only when needed. Functions only; nothing happens on `source`.

_sudo() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "need root (or sudo) for: $*" >&2; return 1; fi
}

log_step() { printf '\n==> %s\n' "$*"; }

# ensure_uv: sets UV (an array) to a working uv command; pip-installs uv when it is missing.
ensure_uv() {
    if command -v uv >/dev/null 2>&1; then UV=(uv); return; fi
    if [ -x "$HOME/.local/bin/uv" ]; then UV=("$HOME/.local/bin/uv"); return; fi
    log_step "installing uv (pip)"
    python3 -m pip install --quiet --upgrade uv 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages uv
    hash -r
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
    if command -v uv >/dev/null 2>&1; then UV=(uv); else UV=(python3 -m uv); fi
}

uv_sync() {
    log_step "uv sync --frozen"
    "${UV[@]}" sync --frozen
}

# ensure_debs PKG...: installs the Debian packages that are not installed yet; runs
# apt-get update only when the install fails without it (no lists yet, or stale ones).
ensure_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log_step "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! _sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        _sudo apt-get update -qq
        _sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# build_admin: npm ci + npm run build of services/admin when it exists, only when dist is
# older than its sources (or missing).
build_admin() {
    local dir=services/admin
    [ -f "$dir/package.json" ] || return 0
    if ! command -v npm >/dev/null 2>&1; then ensure_debs nodejs npm; fi
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        log_step "npm ci (services/admin)"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    local stamp="$dir/dist/index.html" newer=""
    if [ -f "$stamp" ]; then
        newer=$(find "$dir" \( -path "$dir/node_modules" -o -path "$dir/dist" \) -prune \
            -o -type f -newer "$stamp" -print -quit)
    fi
    if [ ! -f "$stamp" ] || [ -n "$newer" ]; then
        log_step "npm run build (services/admin)"
        (cd "$dir" && npm run build --silent)
    fi
}

# nats_running [PORT]: true when something accepts connections on 127.0.0.1:PORT (4222).
nats_running() {
    (exec 3<>"/dev/tcp/127.0.0.1/${1:-4222}") 2>/dev/null
}
