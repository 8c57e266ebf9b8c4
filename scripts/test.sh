#!/usr/bin/env bash
# Builds everything and runs every test: the command README.md gives.
#   scripts/test.sh    gcc build + all tests; clang build + all but the real-peer
#                      tests; ASan+UBSan build + all tests; fuzzing. Ends with
#                      "tests: N passed, M failed" over every ctest stage.
# Environment:
#   DICOM_STANDARD_DIR   folder with part04.xml..part08.xml (default:
#                        ../shared/standard/current beside the checkout, else
#                        the edition standard/fetch.sh downloads into
#                        ~/.cache/dq/standard on first use; standard/README.md)
#   DQ_TEST_COMPILERS    compilers to build and test with (default: "gcc clang")
#   DQ_SANITIZE_STAGE    1 (default): also build with -DDQ_SANITIZE=ON (ASan+UBSan,
#                        build-ci-asan) and run the whole ctest suite once; 0 skips
#   DQ_FUZZ_SECONDS      seconds per libFuzzer harness in the fuzz stage
#                        (scripts/fuzz.sh, clang, build-ci-fuzz; default 60); 0 skips
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
bash scripts/deps.sh

# shellcheck source=../standard/locate.sh
source "$here/standard/locate.sh"
dq_locate_standard "$here"
jobs=$(nproc)
status=0
total_pass=0
total_fail=0
# run_ctest DIR [ctest args...]: runs ctest, adds its counts to the totals.
run_ctest() {
  local dir=$1 log rc=0
  shift
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" "$@" 2>&1 | tee "$log" || rc=1
  local line n_fail n_all
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [[ -n $line ]]; then
    n_fail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    n_all=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    total_pass=$((total_pass + n_all - n_fail))
    total_fail=$((total_fail + n_fail))
  else
    total_fail=$((total_fail + 1)) # ctest itself failed to run
  fi
  rm -f "$log"
  return $rc
}
for cc in ${DQ_TEST_COMPILERS:-gcc clang}; do
  dir="build-ci-$cc"
  echo "== $cc: configure and build ($dir)"
  CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDICOM_STANDARD_DIR="$DICOM_STANDARD_DIR" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== $cc: tests"
  # The real-peer end-to-end tests (label "peers") run in the first compiler's
  # build and in the sanitizer build; other compilers run everything else.
  label_args=()
  [[ $cc != "${first_cc:=$cc}" ]] && label_args=(-LE peers)
  if ! run_ctest "$dir" "${label_args[@]}"; then
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
       run_ctest "$dir"; then
    status=1
  fi
fi
if ! DQ_FUZZ_BUILD="$here/build-ci-fuzz" bash scripts/fuzz.sh; then
  status=1
  total_fail=$((total_fail + 1))
fi
echo "== summary of every ctest stage above (the fuzz stage counts as one test when it fails)"
echo "tests: $total_pass passed, $total_fail failed"
exit $status
