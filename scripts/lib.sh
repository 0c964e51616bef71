# Shared by the scripts: one toolchain for the server and the wasm bundle.
# Debian's rustc-web (1.96, with std sources) is the only way to build std
# for wasm32 here (rustup cannot add targets offline); using it for the
# server too keeps one compiler and one set of build artifacts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export RUSTC_BOOTSTRAP=1 # build-std for the wasm target only (see site.sh)
if command -v rustup >/dev/null 2>&1; then
  CARGO=(cargo +debian-web)
else
  CARGO=(/usr/bin/cargo)
fi
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
