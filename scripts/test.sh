#!/usr/bin/env bash
# Builds everything and runs every test: the command README.md gives.
#   scripts/test.sh                 gcc build + ctest, then clang build + ctest
# Environment:
#   DICOM_STANDARD_DIR   folder with part04.xml..part08.xml
#                        (default: ../shared/standard/current beside the checkout)
#   DQ_TEST_COMPILERS    compilers to build and test with (default: "gcc clang")
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
bash scripts/deps.sh

: "${DICOM_STANDARD_DIR:=$here/../shared/standard/current}"
export DICOM_STANDARD_DIR
jobs=$(nproc)
status=0
for cc in ${DQ_TEST_COMPILERS:-gcc clang}; do
  dir="build-ci-$cc"
  echo "== $cc: configure and build ($dir)"
  CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDICOM_STANDARD_DIR="$DICOM_STANDARD_DIR" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== $cc: tests"
  if ! ctest --test-dir "$dir" --output-on-failure -j "$jobs"; then
    status=1
  fi
done
exit $status
