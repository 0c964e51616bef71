#!/usr/bin/env bash
# Builds the site the way `cargo leptos build` does, without needing
# cargo-leptos (its install takes ~20 minutes on two cores):
#   the wasm lib (hydrate, std built for wasm32) -> wasm-bindgen -> wasm-opt,
#   the CSS and public assets into target/site, and the server binary.
# Usage: scripts/site.sh [--release]   (server profile; the wasm is always optimised)
source "$(dirname "$0")/lib.sh"
profile=dev; bindir=debug
if [ "${1:-}" = "--release" ]; then profile=release; bindir=release; fi
SITE=target/site; PKG=$SITE/pkg
mkdir -p "$PKG"

log "building the browser bundle (wasm32, hydrate)"
# Size over everything for the bundle (README, "Bundle size"): std rebuilt
# with its optimize_for_size code paths; the target's rustflags (panic
# immediate-abort, erase_components) are in .cargo/config.toml, so
# cargo-leptos builds the same bundle.
"${CARGO[@]}" build --lib --target wasm32-unknown-unknown --no-default-features \
  --features hydrate --profile wasm-release -Zbuild-std=std,panic_abort \
  -Zbuild-std-features=optimize_for_size
wasm=target/wasm32-unknown-unknown/wasm-release/kassa.wasm
if [ "$wasm" -nt "$PKG/kassa.wasm" ] || [ ! -f "$PKG/kassa.js" ]; then
  wasm-bindgen "$wasm" --target web --no-typescript --out-dir "$PKG" --out-name kassa
  mv "$PKG/kassa_bg.wasm" "$PKG/kassa.wasm"
  if [ -x tools/node_modules/.bin/wasm-opt ]; then
    tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$PKG/kassa.wasm" -o "$PKG/kassa.wasm"
  fi
fi
cp style/main.css "$PKG/kassa.css"
cp -r public/. "$SITE/"

# Compressed once here, at the best ratio, instead of on every request:
# the server sends kassa.wasm.br or .gz when the browser accepts it (a copy
# older than its file is never left behind to be served stale).
for f in "$PKG/kassa.wasm" "$PKG/kassa.js" "$PKG/kassa.css"; do
  rm -f "$f.gz" "$f.br"
  gzip -9 -n -k -f "$f"
  if command -v brotli >/dev/null 2>&1; then brotli -q 11 -k -f "$f"; fi
done

# Content-named copies (src/app/assets.rs): pages name kassa.<hash>.wasm
# and friends, which browsers keep for a year; hash.txt lists the hashes
# (the format cargo-leptos's hash-files writes). The plain names stay for
# tools and size reports.
find "$PKG" -regextype posix-extended -regex '.*/kassa\.[0-9a-f]{16}\.(js|wasm|css)(\.gz|\.br)?' -delete
hashes=""
for ext in js wasm css; do
  h=$(sha256sum "$PKG/kassa.$ext" | cut -c1-16)
  for suffix in "" .gz .br; do
    if [ -f "$PKG/kassa.$ext$suffix" ]; then ln -f "$PKG/kassa.$ext$suffix" "$PKG/kassa.$h.$ext$suffix"; fi
  done
  hashes+="$ext: $h"$'\n'
done
printf '%s' "$hashes" > "$SITE/hash.txt"

log "building the server ($profile)"
"${CARGO[@]}" build --bin kassa --no-default-features --features ssr --profile "$profile"
echo "target/$bindir/kassa"
