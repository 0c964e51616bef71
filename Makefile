# The two commands of the README. Everything they need is installed by
# scripts/tools.sh, only when missing.
.PHONY: run test check bench
run:
	scripts/run.sh
test:
	scripts/test.sh
# Quick checks while working (no browser, no wasm).
check:
	cargo fmt --all -- --check
	cargo clippy --all-features -- -D warnings
