#!/usr/bin/env bash
# What a browser downloads from target/site/pkg: every wasm, JS and CSS
# file the site serves, raw, gzip -9 and brotli -q 11 (the copies site.sh
# wrote), and the total a trader's first page costs. README, "Bundle size".
set -euo pipefail
cd "$(dirname "$0")/.."
PKG=target/site/pkg
GOAL=$((200 * 1024))
total_gz=0; total_br=0
printf '%-12s %10s %10s %10s\n' file raw gzip brotli
for f in "$PKG"/kassa.wasm "$PKG"/kassa.js "$PKG"/kassa.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(if [ -f "$f.gz" ]; then stat -c %s "$f.gz"; else gzip -9 -c "$f" | wc -c; fi)
  br=$(if [ -f "$f.br" ]; then stat -c %s "$f.br"; else echo "$gz"; fi)
  total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-12s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-12s %10s %10d %10d\n' total "" "$total_gz" "$total_br"
if [ "$total_gz" -le "$GOAL" ]; then verdict="met"; else verdict="not met"; fi
echo "bundle: ${total_gz} bytes gzipped, ${total_br} brotli; goal $GOAL gzipped: $verdict"
