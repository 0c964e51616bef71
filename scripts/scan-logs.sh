#!/usr/bin/env bash
# After a test run: no log line of any test may contain a test password,
# credential or full account number (tests/log-secrets.txt). Searched: the
# logs of the servers the integration tests start in-process and of the
# real binaries they spawn (target/tmp/test-logs/, see tests/common), and
# cargo's own test output (target/cargo-test.log).
source "$(dirname "$0")/lib.sh"
logs=(target/tmp/test-logs/*.log)
if [ ! -e "${logs[0]}" ]; then
  log "scan-logs: no test logs in target/tmp/test-logs (did the tests run?)"
  exit 1
fi
[ -f target/cargo-test.log ] && logs+=(target/cargo-test.log)
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
grep -v '^#' tests/log-secrets.txt | grep -v '^[[:space:]]*$' >"$patterns"
hits=$(grep -F -n -f "$patterns" "${logs[@]}" || true)
if [ -n "$hits" ]; then
  printf '%s\n' "$hits" | head -n 20
  log "scan-logs: $(printf '%s\n' "$hits" | wc -l) lines contain a secret from tests/log-secrets.txt (first 20 above)"
  exit 1
fi
lines=$(cat "${logs[@]}" | wc -l)
log "scan-logs: ${#logs[@]} logs, $lines lines, no secret found"
