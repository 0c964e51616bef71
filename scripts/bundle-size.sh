#!/usr/bin/env bash
# What a browser downloads from target/site/pkg: every wasm, JS and CSS
# file the site serves, raw, gzip -9 and brotli -q 11 (the copies site.sh
# wrote). The traders' bundle (kassa: what a trader's first page costs)
# is the figure against the goal; the back office's (kassa-admin, loaded
# only by /admin pages, with the same CSS) on its own lines.
# README, "Bundle size".
set -euo pipefail
cd "$(dirname "$0")/.."
PKG=target/site/pkg
GOAL=$((200 * 1024))
total_gz=0; total_br=0

# Prints one file's row and adds it to the totals.
row() {
  local f=$1 raw gz br
  raw=$(stat -c %s "$f")
  gz=$(if [ -f "$f.gz" ]; then stat -c %s "$f.gz"; else gzip -9 -c "$f" | wc -c; fi)
  br=$(if [ -f "$f.br" ]; then stat -c %s "$f.br"; else echo "$gz"; fi)
  total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-17s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
}

printf '%-17s %10s %10s %10s\n' file raw gzip brotli
for f in "$PKG"/kassa.wasm "$PKG"/kassa.js "$PKG"/kassa.css; do
  if [ -f "$f" ]; then row "$f"; fi
done
printf '%-17s %10s %10d %10d\n' total "" "$total_gz" "$total_br"
if [ "$total_gz" -le "$GOAL" ]; then verdict="met"; else verdict="not met"; fi
echo "trader bundle: ${total_gz} bytes gzipped, ${total_br} brotli; goal $GOAL gzipped: $verdict"

if [ -f "$PKG/kassa-admin.wasm" ]; then
  total_gz=0; total_br=0
  for f in "$PKG"/kassa-admin.wasm "$PKG"/kassa-admin.js; do
    if [ -f "$f" ]; then row "$f"; fi
  done
  echo "admin bundle (/admin pages only, plus kassa.css): ${total_gz} bytes gzipped, ${total_br} brotli"
fi
