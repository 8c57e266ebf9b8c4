#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, -DFUZZ=ON, in build-fuzz) and runs
# each for a fixed time, failing on any crash, leak, timeout or out-of-memory.
# A crashing input is printed in base64 so it can be added to the corpus:
#   base64 -d > fuzz/corpus/<harness>/crash-<what> <<< '...'
# Environment:
#   DQ_FUZZ_SECONDS    seconds per harness (default 60; 0 skips fuzzing)
#   DQ_FUZZ_HARNESSES  which harnesses (default: every fuzz_<name> built)
#   DQ_FUZZ_BUILD      build dir (default build-fuzz); DQ_FUZZ_NO_BUILD=1 uses it as is
#   DQ_FUZZ_WORK       where run corpora, logs and crash artifacts go
#                      (default $DQ_FUZZ_BUILD/fuzz-work)
#   DQ_FUZZ_RSS_MB     -rss_limit_mb and -malloc_limit_mb (default 512)
# Prints one summary line per harness: exec/s, total executions, edges
# (cov:), corpus size; also written to $DQ_FUZZ_WORK/summary.tsv.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
seconds=${DQ_FUZZ_SECONDS:-60}
if [[ $seconds == 0 ]]; then
  echo "== fuzz: skipped (DQ_FUZZ_SECONDS=0)"
  exit 0
fi
build=${DQ_FUZZ_BUILD:-$here/build-fuzz}
work=${DQ_FUZZ_WORK:-$build/fuzz-work}
rss=${DQ_FUZZ_RSS_MB:-512}

if [[ ${DQ_FUZZ_NO_BUILD:-0} != 1 ]]; then
  echo "== fuzz: configure and build ($build)"
  extra=()
  [[ -n ${DICOM_STANDARD_DIR:-} ]] && extra+=(-DDICOM_STANDARD_DIR="$DICOM_STANDARD_DIR")
  # Unit tests are not needed here (the sanitizer stage runs them), nor libdq.so.
  CC=clang cmake -S . -B "$build" -DFUZZ=ON -DDQ_TESTS=OFF -DDQ_BUILD_SHARED=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${extra[@]}" >/dev/null
  cmake --build "$build" -j "${DQ_FUZZ_BUILD_JOBS:-2}" >/dev/null
fi

harnesses=${DQ_FUZZ_HARNESSES:-}
if [[ -z $harnesses ]]; then
  for bin in "$build"/fuzz/fuzz_*; do
    name=${bin##*/fuzz_}
    [[ -x $bin && $name != replay_* && $name != make_corpus ]] && harnesses+=" $name"
  done
fi
[[ -n ${harnesses// /} ]] || { echo "fuzz: no harnesses in $build/fuzz" >&2; exit 1; }

# Largest input per harness: a PDU stream or a conversation needs room for a
# few PDUs; -k arguments are short.
max_len_for() {
  case $1 in
    keypath) echo 4096 ;;
    *) echo 65536 ;;
  esac
}

# UBSan reports must fail the run; leaks are checked at exit of each input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

mkdir -p "$work"
summary="$work/summary.tsv"
printf 'harness\tseconds\texec_per_s\ttotal_execs\tcov_edges\tcorpus_files\tcorpus_bytes\tresult\n' > "$summary"
status=0
for h in $harnesses; do
  bin="$build/fuzz/fuzz_$h"
  [[ -x $bin ]] || { echo "fuzz: $bin missing" >&2; status=1; continue; }
  corpus="$work/corpus/$h"
  art="$work/artifacts/$h"
  log="$work/$h.log"
  mkdir -p "$corpus" "$art"
  echo "== fuzz: $h for ${seconds}s (log $log)"
  rc=0
  "$bin" "$corpus" "fuzz/corpus/$h" -dict=fuzz/dicom.dict -max_total_time="$seconds" \
    -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -timeout=10 -max_len="$(max_len_for "$h")" \
    -print_final_stats=1 -artifact_prefix="$art/" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  line=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  result=ok
  if [[ $rc != 0 ]] || grep -qE '^SUMMARY: |ERROR: libFuzzer' "$log"; then
    result=FAIL
    status=1
    echo "!! fuzz: $h failed (exit $rc):"
    grep -E 'ERROR|SUMMARY|runtime error|round trip mismatch' "$log" | head -5 | sed 's/^/   /'
    for f in "$art"/*; do
      [[ -f $f ]] || continue
      echo "   crashing input $(basename "$f") (base64; add as fuzz/corpus/$h/crash-<what>):"
      base64 -w 76 "$f" | sed 's/^/   /'
    done
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$h" "$seconds" "${eps:-?}" "${execs:-?}" "${cov:-?}" \
    "$files" "$bytes" "$result" | tee -a "$summary" | sed 's/^/   /'
done
exit $status
