#!/usr/bin/env bash
# Installs what is missing, builds, and serves Kassa on SQLite with the
# embedded Trustly sandbox at KASSA_PUBLIC_URL (default http://127.0.0.1:3000).
source "$(dirname "$0")/lib.sh"
scripts/tools.sh
bin=$(scripts/site.sh --release | tail -n 1)
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-target/site}
log "serving at ${KASSA_PUBLIC_URL:-http://${KASSA_LISTEN:-127.0.0.1:3000}}"
exec "$bin" serve
