# shellcheck shell=bash
# What the findscu end-to-end scripts in tests/e2e share.
# Source it as their first step, with their arguments: FINDSCU PEER_KIND.
# Sets findscu (absolute path), kind, here (tests/e2e), sources
# tests/peers/env.sh, and defines pass/fail (fails counts the failures) and
# port_of/aet_of NAME (a started peer's port and AE title).
set -uo pipefail
# shellcheck disable=SC2034  # both for the sourcing script
{ findscu=$(realpath -- "$1"); kind=$2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../peers/env.sh
source "$here/../peers/env.sh"

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
port_of() { local v; v=$(dq_peers__var "$1" PORT); echo "${!v}"; }
aet_of() { local v; v=$(dq_peers__var "$1" AET); echo "${!v}"; }
