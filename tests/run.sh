#!/bin/sh
# The project's test command (see README, "Running the tests"): sh tests/run.sh
#
# 1. installs Prosody (+ community modules) and openssl with apt-get if `prosody` is missing,
# 2. creates .venv and installs the package with its [test] extra,
# 3. runs ruff, mypy and pytest; all three run, the exit status says whether all passed.
#
# Extra arguments go to pytest: sh tests/run.sh -k smoke -x
set -eu

cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

packages=""
command -v prosody >/dev/null 2>&1 || packages="$packages prosody prosody-modules"
command -v openssl >/dev/null 2>&1 || packages="$packages openssl"
command -v python3 >/dev/null 2>&1 || packages="$packages python3"
if [ ! -x .venv/bin/python ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    packages="$packages python3-venv"
fi
if [ -n "$packages" ]; then
    say "installing system packages:$packages"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    # shellcheck disable=SC2086 # word splitting wanted
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y $packages
fi

if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    python3 -m venv .venv
fi
say "installing xmpp-tui with the [test] extra into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

status=0
say "ruff check ."
.venv/bin/ruff check . || status=1
say "mypy"
.venv/bin/mypy || status=1
say "pytest -q $*"
.venv/bin/pytest -q "$@" || status=1

if [ "$status" -eq 0 ]; then say "all checks passed"; else say "FAILED (see above)"; fi
exit "$status"
