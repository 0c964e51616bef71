#!/usr/bin/env bash
# Installs what Kassa's build needs, only when missing (fast when present).
#   scripts/tools.sh          toolchain for building and serving
#   scripts/tools.sh --test   also Chromium, Playwright and PostgreSQL
source "$(dirname "$0")/lib.sh"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# 1. Debian's Rust for the browser, with std sources and the wasm linker
#    (lld-22 must be named: rustc-web links rust-lld to it without pulling it in).
apt_install rustc-web cargo-web rust-web-src lld-22 pkg-config libssl-dev brotli
if command -v rustup >/dev/null 2>&1 && ! rustup toolchain list | grep -q '^debian-web'; then
  log "linking Debian's toolchain into rustup as debian-web"
  rustup toolchain link debian-web /usr
fi

# 2. wasm-bindgen-cli at exactly the version in Cargo.lock (cargo-leptos and
#    our site build use whatever is on PATH, so the versions must match).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (about 4 minutes, once)"
  # without --locked: its lockfile pins a crate version the registry lacks
  cargo install -q wasm-bindgen-cli --version "$want"
fi

# 3. wasm-opt: Debian's binaryen is too old; the npm package is current.
if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
  log "installing binaryen (wasm-opt) from npm"
  (cd tools && npm ci --no-audit --no-fund --silent)
fi

if [ "${1:-}" = "--test" ]; then
  apt_install chromium postgresql
  if [ ! -x end2end/node_modules/.bin/playwright ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
    log "installing Playwright and axe (the test runner only; the browser is Debian's)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
fi
