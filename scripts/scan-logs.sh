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
if grep -F -n -f "$patterns" "${logs[@]}" | head -n 20 | grep .; then
  log "scan-logs: the lines above contain a secret from tests/log-secrets.txt"
  exit 1
fi
lines=$(cat "${logs[@]}" | wc -l)
log "scan-logs: ${#logs[@]} logs, $lines lines, no secret found"
