#!/usr/bin/env bash
# Lints every shell script of the repository with shellcheck (ctest "shellcheck"):
# the tracked *.sh files and .ci/run; outside a git checkout, every *.sh found.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
else
  mapfile -t scripts < <(find . -name '*.sh' -not -path './build*' | sort; echo .ci/run)
fi
[ ${#scripts[@]} -gt 0 ] || { echo "shellcheck.sh: no scripts found" >&2; exit 1; }
echo "shellcheck: ${#scripts[@]} scripts"
exec shellcheck -x -P SCRIPTDIR "${scripts[@]}"
