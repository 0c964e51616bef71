#!/usr/bin/env bash
# Builds the site the way `cargo leptos build` does, without needing
# cargo-leptos (its install takes ~20 minutes on two cores):
#   the wasm lib (hydrate, std built for wasm32) -> wasm-bindgen -> wasm-opt,
#   twice (the traders' bundle and the back office's), the CSS and public
#   assets into target/site, and the server binary.
# Usage: scripts/site.sh [--release]   (server profile; the wasm is always optimised)
source "$(dirname "$0")/lib.sh"
profile=dev; bindir=debug
if [ "${1:-}" = "--release" ]; then profile=release; bindir=release; fi
SITE=target/site; PKG=$SITE/pkg
mkdir -p "$PKG"

# One bundle: the wasm lib with these features -> wasm-bindgen -> wasm-opt
# -> gzip/brotli copies -> content-named copies, hashes in $SITE/$4.
# Usage: bundle NAME FEATURES TARGET_DIR HASH_FILE
bundle() {
  local name=$1 features=$2 dir=$3 hash_file=$4
  log "building the browser bundle $name (wasm32, $features)"
  # Size over everything for the bundle (README, "Bundle size"): std rebuilt
  # with its optimize_for_size code paths; the target's rustflags (panic
  # immediate-abort, erase_components) are in .cargo/config.toml, so
  # cargo-leptos builds the same bundle.
  "${CARGO[@]}" build --lib --target wasm32-unknown-unknown --no-default-features \
    --features "$features" --profile wasm-release --target-dir "$dir" \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
  local wasm=$dir/wasm32-unknown-unknown/wasm-release/kassa.wasm
  if [ "$wasm" -nt "$PKG/$name.wasm" ] || [ ! -f "$PKG/$name.js" ]; then
    wasm-bindgen "$wasm" --target web --no-typescript --out-dir "$PKG" --out-name "$name"
    mv "$PKG/${name}_bg.wasm" "$PKG/$name.wasm"
    if [ -x tools/node_modules/.bin/wasm-opt ]; then
      tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$PKG/$name.wasm" -o "$PKG/$name.wasm"
    fi
  fi
  local exts=(js wasm)
  if [ "$name" = kassa ]; then cp style/main.css "$PKG/kassa.css"; exts+=(css); fi

  # Compressed once here, at the best ratio, instead of on every request:
  # the server sends kassa.wasm.br or .gz when the browser accepts it (a copy
  # older than its file is never left behind to be served stale).
  for ext in "${exts[@]}"; do
    local f=$PKG/$name.$ext
    rm -f "$f.gz" "$f.br"
    gzip -9 -n -k -f "$f"
    if command -v brotli >/dev/null 2>&1; then brotli -q 11 -k -f "$f"; fi
  done

  # Content-named copies (src/app/assets.rs): pages name kassa.<hash>.wasm
  # and friends, which browsers keep for a year; the hash file lists the
  # hashes (the format cargo-leptos's hash-files writes). The plain names
  # stay for tools and size reports.
  find "$PKG" -regextype posix-extended -regex ".*/$name\.[0-9a-f]{16}\.(js|wasm|css)(\.gz|\.br)?" -delete
  local hashes="" h suffix
  for ext in "${exts[@]}"; do
    h=$(sha256sum "$PKG/$name.$ext" | cut -c1-16)
    for suffix in "" .gz .br; do
      if [ -f "$PKG/$name.$ext$suffix" ]; then ln -f "$PKG/$name.$ext$suffix" "$PKG/$name.$h.$ext$suffix"; fi
    done
    hashes+="$ext: $h"$'\n'
  done
  printf '%s' "$hashes" > "$SITE/$hash_file"
}

# Two bundles (README, "Bundle size"): traders download `kassa`, which has
# no back office; /admin pages load `kassa-admin`, which has every page
# (app::assets picks). Each has its own target folder: their features
# differ, and in one folder each build would undo the other's.
bundle kassa hydrate target hash.txt
bundle kassa-admin hydrate,admin-pages target/admin hash-admin.txt
cp -r public/. "$SITE/"

log "building the server ($profile)"
"${CARGO[@]}" build --bin kassa --no-default-features --features ssr --profile "$profile"
echo "target/$bindir/kassa"
