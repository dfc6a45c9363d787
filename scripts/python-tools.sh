#!/usr/bin/env bash
# Creates <repo>/.venv (gitignored) with the Python tools the examples are checked with:
#   cfn-lint      lints the CloudFormation templates
#   moto[server]  an AWS emulator the deploy script is smoke-run against
#   awscli        the `aws` command deploy.sh drives
# Idempotent: installs a package only when it is missing. Prints the venv's bin directory on stdout
# (everything else goes to stderr), so callers can do: BIN="$(scripts/python-tools.sh)".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ECS_TAPER_VENV:-$root/.venv}"
python="${PYTHON:-python3}"

log() { echo "python-tools: $*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
  log "error: $python not found; install Python 3.9 or newer (or set PYTHON=/path/to/python3)"
  exit 1
fi

# Concurrent callers (several test files, CI) must not build the same venv at once.
lock="$root/.cache/python-tools.lock"
mkdir -p "$(dirname "$lock")"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv"
  "$python" -m venv "$venv" >&2
fi

# package-to-install|command-that-proves-it-is-there
wanted=(
  "cfn-lint|$venv/bin/cfn-lint"
  "moto[server]|$venv/bin/moto_server"
  "awscli|$venv/bin/aws"
)
missing=()
for item in "${wanted[@]}"; do
  pkg="${item%%|*}"
  exe="${item#*|}"
  if [[ ! -x "$exe" ]]; then
    missing+=("$pkg")
  fi
done
# moto's server also needs flask; an older plain `moto` install would have moto_server missing anyway.

if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]} into $venv (quiet)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}" >&2
fi

echo "$venv/bin"
