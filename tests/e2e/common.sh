# Sourced by the tests/e2e scripts (FINDSCU KIND ... on their command line):
# sets findscu (absolute) and kind, sources the peers' env.sh (start/stop,
# cleanup traps) and gives pass/fail, which count failures in $fails (each
# script exits with it).
# shellcheck shell=bash
# shellcheck disable=SC2034  # findscu and kind are for the scripts that source this
findscu=$(realpath -- "$1")
# shellcheck disable=SC2034
kind=$2
# shellcheck source=../peers/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../peers/env.sh"

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
