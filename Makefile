# The two commands of the README. Everything they need is installed by
# scripts/tools.sh, only when missing.
# `make acceptance`: the Trustly acceptance checklist end to end, with its
# report in target/acceptance/index.html (README, "Acceptance run").
.PHONY: run test check bench acceptance
run:
	scripts/run.sh
test:
	scripts/test.sh
acceptance:
	scripts/acceptance.sh
# Quick checks while working (no browser, no wasm).
check:
	cargo fmt --all -- --check
	cargo clippy --all-features -- -D warnings
