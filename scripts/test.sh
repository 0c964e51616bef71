#!/usr/bin/env bash
# Runs every test: unit, integration (on SQLite and PostgreSQL, each test
# against a real server on a random port), and the browser tests in Debian's
# Chromium. Installs what is missing first.
source "$(dirname "$0")/lib.sh"
scripts/tools.sh --test
log "module layering (lower modules never import higher ones)"
python3 scripts/check-layers.py
log "room sizes (files and functions one can hold in one's head)"
python3 scripts/check-house.py
export KASSA_TEST_POSTGRES_URL=$(scripts/pg.sh | tail -n 1)
log "PostgreSQL for the tests: $KASSA_TEST_POSTGRES_URL"

scripts/site.sh >/dev/null

log "unit and integration tests (SQLite and PostgreSQL)"
rm -rf target/tmp/test-logs # each run's logs only, for the scan below
"${CARGO[@]}" test --no-default-features --features ssr 2>&1 | tee target/cargo-test.log
scripts/scan-logs.sh

log "browser tests (Playwright, Debian Chromium)"
(cd end2end && npx playwright test) 2>&1 | tee target/e2e.log

passed=$(grep -ho 'test result: ok. [0-9]* passed' target/cargo-test.log | awk '{s+=$4} END {print s+0}')
e2e=$(grep -Eo '^ *[0-9]+ passed' target/e2e.log | awk '{s+=$1} END {print s+0}')
log "the browser bundle (what a trader downloads)"
scripts/bundle-size.sh
log "cargo tests passed: $passed; browser tests passed: $e2e"
echo "test: $((passed + e2e)) passed, 0 failed"
