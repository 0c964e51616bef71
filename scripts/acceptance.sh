#!/usr/bin/env bash
# `make acceptance`: builds Kassa as the test command does, starts it with
# its Trustly sandbox on a free port and a fresh SQLite data dir in
# target/acceptance/, plays the acceptance checklist (end2end/acceptance/,
# Chromium and the JSON API), stops the server and renders the report:
# target/acceptance/index.html and index.md. Exit status 0 only when no
# item failed.
#
# With KASSA_TRUSTLY_API_URL set to anything but the sandbox (e.g. Trustly's
# test environment, with KASSA_TRUSTLY_USERNAME/_PASSWORD/_PRIVATE_KEY_FILE/
# _PUBLIC_KEY_FILE and a KASSA_PUBLIC_URL Trustly can reach), the sandbox is
# not mounted and the items that need it are reported `skipped`.
source "$(dirname "$0")/lib.sh"
started=$(date -u +%FT%TZ)
t0=$(date +%s)
scripts/tools.sh --test
scripts/site.sh >/dev/null

OUT=$ROOT/target/acceptance
rm -rf "$OUT"
mkdir -p "$OUT/data" "$OUT/results" "$OUT/shots"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

real=0
api_url="$base/sandbox/api/1"
if [ -n "${KASSA_TRUSTLY_API_URL:-}" ] && [ "${KASSA_TRUSTLY_API_URL}" != "$api_url" ]; then
  real=1
  api_url=$KASSA_TRUSTLY_API_URL
  log "Trustly API: $api_url (not the sandbox: sandbox items are skipped)"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet 2>/dev/null || commit="$commit+changes"
printf '{"trustly_api": "%s", "commit": "%s", "started": "%s", "url": "%s"}\n' \
  "$api_url" "$commit" "$started" "$base" >"$OUT/run.json"

log "starting Kassa at $base (log: target/acceptance/kassa.log)"
# The sandbox's timings: quick retries; payouts execute after 1.5 s, time
# enough for the "payout cancelled" item to cancel one first.
env KASSA_LISTEN="127.0.0.1:$port" KASSA_PUBLIC_URL="${KASSA_PUBLIC_URL:-$base}" \
  KASSA_DATA_DIR="$OUT/data" KASSA_DATABASE_URL="sqlite://$OUT/data/kassa.db" \
  LEPTOS_SITE_ROOT=target/site \
  KASSA_BOOTSTRAP_ADMIN_EMAIL=admin@kassa.test KASSA_BOOTSTRAP_ADMIN_PASSWORD='admin password 1' \
  KASSA_WITHDRAWAL_HOLD_MS=0 KASSA_SANDBOX_RETRY_MS=100,200,500 KASSA_SANDBOX_PAYOUT_DELAY_MS=1500 \
  KASSA_LOG_FORMAT=text RUST_LOG="${RUST_LOG:-info,sqlx=warn,tower_sessions=warn}" \
  target/debug/kassa serve >"$OUT/kassa.log" 2>&1 &
server=$!
stop_server() {
  if kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" || true
  fi
}
trap stop_server EXIT

# Ready when /readyz answers (start-up done); give up after 60 s or if it died.
for _ in $(seq 1 120); do
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server" 2>/dev/null || { tail -n 30 "$OUT/kassa.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null

log "acceptance checklist (Playwright, Debian Chromium)"
rc=0
(cd end2end && KASSA_ACCEPTANCE_URL=$base KASSA_ACCEPTANCE_REAL=$real \
  npx playwright test -c acceptance.config.js) 2>&1 | tee "$OUT/playwright.log" || rc=$?

stop_server
trap - EXIT
log "rendering the report"
report_rc=0
node end2end/acceptance/report.js || report_rc=$?
log "acceptance took $(( $(date +%s) - t0 )) s; open target/acceptance/index.html"
[ "$report_rc" = 0 ] && [ "$rc" = 0 ]
