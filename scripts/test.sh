#!/usr/bin/env bash
# Builds everything and runs every test: the command README.md gives.
#   scripts/test.sh                 gcc build + ctest, then clang build + ctest
# Environment:
#   DICOM_STANDARD_DIR   folder with part04.xml..part08.xml
#                        (default: ../shared/standard/current beside the checkout)
#   DQ_TEST_COMPILERS    compilers to build and test with (default: "gcc clang")
#   DQ_SANITIZE_STAGE    1 (default): also build with -DDQ_SANITIZE=ON (ASan+UBSan,
#                        build-ci-asan) and run the whole ctest suite once; 0 skips
#   DQ_FUZZ_SECONDS      seconds per libFuzzer harness in the fuzz stage
#                        (scripts/fuzz.sh, clang, build-ci-fuzz; default 60); 0 skips
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

# ---- sanitizer and fuzz stages (docs/FUZZING.md) ----
if [[ ${DQ_SANITIZE_STAGE:-1} != 0 ]]; then
  dir="build-ci-asan"
  echo "== asan+ubsan: configure and build ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDQ_SANITIZE=ON \
    -DDICOM_STANDARD_DIR="$DICOM_STANDARD_DIR" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== asan+ubsan: tests"
  if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
       UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
       ctest --test-dir "$dir" --output-on-failure -j "$jobs"; then
    status=1
  fi
fi
if ! DQ_FUZZ_BUILD="$here/build-ci-fuzz" bash scripts/fuzz.sh; then
  status=1
fi
exit $status
