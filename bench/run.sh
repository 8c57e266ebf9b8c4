#!/usr/bin/env bash
# The check_* functions are called through "$check", which shellcheck cannot see.
# shellcheck disable=SC2317
# bench/run.sh: our findscu against DCMTK's findscu, side by side in one run.
#
# Both clients (and the drain-only floor, bench/drain_client) query
# bench/replay_scp on loopback, which answers with N canned study-level
# matches as fast as the socket takes them. Runs alternate A/B/floor with the
# order rotated each repetition; each cell is the median of the repetitions.
# Wall time is measured around the process, CPU (user+sys) and peak RSS come
# from /usr/bin/time -v. Every run is checked: the SCP must report exactly N
# pending responses sent and a clean release, verbose output must hold N
# "(Pending)" lines, -w/-X must leave N files. A failed check marks the cell.
#
# Modes: quiet (-q, N = 1k/10k/100k), verbose (-v, every identifier dumped to
# a file), write (ours -w vs DCMTK -X, one file per response, N = 10k), and
# latency (association + 1 match + release, repeated BENCH_LAT_COUNT times),
# tls (-q, N = BENCH_TLS_N, default 100k, through a socat TLS front of the
# replay SCP: ours --tls vs DCMTK +tls, and in the floor column OUR plaintext
# run against the same SCP; certificates made for the run).
# ndjson / csv (ours --format ndjson|csv --output FILE, the file must hold N
# records; against DCMTK printing every response identifier, its -v, N = 100k).
# batch (ours --batch ROWS.csv, one C-FIND per CSV row on one association, 10k
# rows with one match each, also with --format ndjson, and the floor:
# drain_client --queries, the same C-FINDs on one association; against a shell loop
# running DCMTK's and our findscu once per row (a sample of BENCH_BATCH_LOOP_N
# rows, scaled per row to 10k); --jobs 1 against --jobs 4 with the SCP forking
# a child per association and sleeping BENCH_BATCH_LATENCY ms before each
# response; peak RSS of --batch with 1k and 100k rows). The SCP must report
# one query with 1 match and Success per row, every association released.
#
# Usage: bench/run.sh              (build first: cmake --build build)
# Environment:
#   DQ_BENCH_BUILD     build dir with bench/replay_scp, bench/drain_client (default: build)
#   DQ_FINDSCU         our findscu (default: $DQ_BENCH_BUILD/cli/findscu; skipped if absent)
#   DCMTK_FINDSCU      DCMTK's findscu (default: findscu on PATH)
#   BENCH_QUICK=1      smoke check: small N, one repetition (seconds, not minutes)
#   BENCH_REPS         repetitions per cell (default 5)
#   BENCH_VERBOSE_REPS repetitions for verbose N=100000 (default 3; DCMTK needs ~30 s each)
#   BENCH_NS           N values for quiet/verbose (default "1000 10000 100000")
#   BENCH_WRITE_N      N for -w/-X (default 10000)
#   BENCH_FORMAT_N     N for --format ndjson/csv (default 100000; DCMTK's side runs BENCH_VERBOSE_REPS times)
#   BENCH_LAT_COUNT    associations per latency sample (default 100)
#   BENCH_LAT_REPS     latency samples (default 3; DCMTK starts in ~0.1-0.3 s)
#   BENCH_SIZE         small (~440 B identifiers) or large (~2 KB) (default small)
#   BENCH_TS           transfer syntax the SCP picks: explicit, implicit, big, deflate (default explicit)
#   BENCH_MODES        subset of "quiet verbose write latency tls ndjson csv batch" (default all)
#   BENCH_TLS_N        N for tls (default 100000)
#   BENCH_BATCH_N      CSV rows for batch (default 10000)
#   BENCH_BATCH_LOOP_N rows run once per row in the shell loops, scaled to BENCH_BATCH_N (default 500;
#                      the loops run BENCH_LAT_REPS times: DCMTK starts in ~0.1 s per row)
#   BENCH_BATCH_JOBS_N rows for --jobs 1 / --jobs 4 (default 2000)
#   BENCH_BATCH_LATENCY  ms the SCP sleeps before each response in the --jobs runs (default 2)
#   BENCH_BATCH_RSS_NS rows for the batch peak RSS runs (default "1000 100000"; the larger runs BENCH_VERBOSE_REPS times)
#   BENCH_OUT          where raw numbers, logs and results.md go (default: a new $TMPDIR/dq-bench.* dir)
#   BENCH_RENDER_ONLY=1  no runs: print the table again from $BENCH_OUT/raw.tsv
#   OURS_VERBOSE_FLAGS / DCMTK_VERBOSE_FLAGS   verbose-mode flags (default "-v" for both)
set -euo pipefail
# The whole script is one compound command, read before it runs: editing this
# file while a benchmark is running cannot change the running instance.
{
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

build=${DQ_BENCH_BUILD:-$here/build}
ours=${DQ_FINDSCU:-$build/cli/findscu}
dcmtk=${DCMTK_FINDSCU:-$(command -v findscu || true)}
scp_bin=$build/bench/replay_scp
drain_bin=$build/bench/drain_client

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  ns=${BENCH_NS:-"100 1000"}; reps=${BENCH_REPS:-1}; vreps=${BENCH_VERBOSE_REPS:-1}
  write_n=${BENCH_WRITE_N:-100}; lat_count=${BENCH_LAT_COUNT:-10}; lat_reps=${BENCH_LAT_REPS:-1}
  format_n=${BENCH_FORMAT_N:-1000}
  batch_n=${BENCH_BATCH_N:-200}; batch_loop_n=${BENCH_BATCH_LOOP_N:-20}
  batch_jobs_n=${BENCH_BATCH_JOBS_N:-100}; batch_rss_ns=${BENCH_BATCH_RSS_NS:-"100 2000"}
  expand_n=${BENCH_EXPAND_N:-5}
else
  ns=${BENCH_NS:-"1000 10000 100000"}; reps=${BENCH_REPS:-5}; vreps=${BENCH_VERBOSE_REPS:-3}
  write_n=${BENCH_WRITE_N:-10000}; lat_count=${BENCH_LAT_COUNT:-100}; lat_reps=${BENCH_LAT_REPS:-3}
  format_n=${BENCH_FORMAT_N:-100000}
  batch_n=${BENCH_BATCH_N:-10000}; batch_loop_n=${BENCH_BATCH_LOOP_N:-500}
  batch_jobs_n=${BENCH_BATCH_JOBS_N:-2000}; batch_rss_ns=${BENCH_BATCH_RSS_NS:-"1000 100000"}
  expand_n=${BENCH_EXPAND_N:-20}
fi
batch_latency=${BENCH_BATCH_LATENCY:-2}
size=${BENCH_SIZE:-small}
ts=${BENCH_TS:-explicit}
modes=${BENCH_MODES:-"quiet verbose write latency tls ndjson csv batch"}
tls_n=${BENCH_TLS_N:-100000}
[ "${BENCH_QUICK:-0}" = 1 ] && tls_n=${BENCH_TLS_N:-1000}
ours_vflags=${OURS_VERBOSE_FLAGS:--v}
dcmtk_vflags=${DCMTK_VERBOSE_FLAGS:--v}
out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/dq-bench.XXXXXX")}
mkdir -p "$out"

die() { echo "bench: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian package 'time'; see scripts/deps.sh)"
if [ ! -x "$scp_bin" ] || [ ! -x "$drain_bin" ]; then
  die "$scp_bin or $drain_bin not built: cmake -S $here -B $build && cmake --build $build -j2"
fi
if [ -z "$dcmtk" ] || [ ! -x "$dcmtk" ]; then
  die "DCMTK findscu not found (Debian package 'dcmtk')"
fi
have_ours=1
if [ ! -x "$ours" ]; then
  have_ours=0
  echo "bench: NOTE: our findscu ($ours) is not built yet: its columns are skipped (n/a)." >&2
fi

keys=(-k QueryRetrieveLevel=STUDY -k PatientName= -k PatientID= -k StudyDate= -k StudyInstanceUID=)
# The SCP accepts only $ts; make DCMTK propose it (ours proposes all four).
case $ts in
  explicit) dcmtk_ts=(-xe) ;; implicit) dcmtk_ts=(-xi) ;; big) dcmtk_ts=(-xb) ;; deflate) dcmtk_ts=(-xd) ;;
  *) die "BENCH_TS must be explicit, implicit, big or deflate" ;;
esac
dcmtk=("$dcmtk" "${dcmtk_ts[@]}")
drain=("$drain_bin" -t "$ts")
raw=$out/raw.tsv
render_only=${BENCH_RENDER_ONLY:-0}
[ "$render_only" = 1 ] && { [ -s "$raw" ] || die "BENCH_RENDER_ONLY=1 needs BENCH_OUT with a raw.tsv"; }
[ "$render_only" = 1 ] || : >"$raw"

# ---- the replay SCP ------------------------------------------------------------
scp_pid=""
scp_log=""
scp_assocs=0
cleanup() {
  if [ -n "$scp_pid" ]; then kill "$scp_pid" 2>/dev/null || true; wait "$scp_pid" 2>/dev/null || true; fi
}
tls_pid=""
tls_cleanup() {
  if [ -n "$tls_pid" ]; then kill "$tls_pid" 2>/dev/null || true; wait "$tls_pid" 2>/dev/null || true; fi
  tls_pid=""
}
trap 'tls_cleanup; cleanup' EXIT

# start_tls: a socat TLS front (64 KiB buffers) of the running SCP on a free
# port ($tls_port); certificates from tests/e2e/tls_certs.sh in $out/certs.
start_tls() {
  local c=$out/certs
  command -v socat >/dev/null || die "socat missing (scripts/deps.sh)"
  [ -s "$c/srv.pem" ] || bash "$here/tests/e2e/tls_certs.sh" "$c" || die "could not make certificates"
  tls_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  socat -b 65536 "OPENSSL-LISTEN:$tls_port,bind=127.0.0.1,reuseaddr,fork,cert=$c/srv.pem,key=$c/srv.key,verify=0" \
    "TCP:127.0.0.1:$scp_port" 2>"$out/socat.log" &
  tls_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null && break
    sleep 0.05
  done
  # the probe connection above reached the SCP as an association that never was
  sleep 0.2
  scp_assocs=$(grep -c '^end assoc=' "$scp_log" || true)
}

# start_scp N [SCP OPTIONS...]: one SCP per N, serving associations until stop_scp.
start_scp() {
  cleanup
  scp_log=$out/scp-$1.log
  [ $# -gt 1 ] && scp_log=$out/scp-$1$(printf '%s' "${@:2}" | tr -c 'a-z0-9' _).log
  "$scp_bin" -p 0 -n "$1" -s "$size" -t "$ts" "${@:2}" >"$scp_log" &
  scp_pid=$!
  scp_assocs=0
  for _ in $(seq 100); do
    grep -q '^port ' "$scp_log" 2>/dev/null && break
    sleep 0.05
  done
  scp_port=$(awk '/^port /{print $2; exit}' "$scp_log")
  [ -n "$scp_port" ] || die "replay_scp did not start (see $scp_log)"
}
stop_scp() { cleanup; scp_pid=""; }

# check_scp ASSOCS N: waits until the SCP has ended ASSOCS more associations and
# checks each served exactly N pending responses, then Success, then a release.
# wait_scp_ends WANT: until the SCP has reported WANT association ends (at most ~3 s).
wait_scp_ends() {
  local i
  for i in $(seq 300); do
    [ "$(grep -c '^end assoc=' "$scp_log")" -ge "$1" ] && return
    sleep 0.01
  done
}
check_scp() {
  local want=$((scp_assocs + $1)) n=$2
  wait_scp_ends "$want"
  local bad
  bad=$(awk -v from="$scp_assocs" -v to="$want" -v n="$n" '
    /^find / { split($2, a, "="); if (a[2] > from && a[2] <= to) { f[a[2]] = $0 } }
    /^end /  { split($2, a, "="); if (a[2] > from && a[2] <= to) { e[a[2]] = $0 } }
    END { for (k = from + 1; k <= to; k++)
            if (f[k] !~ ("pending=" n " status=0x0000$") || e[k] !~ /how=release$/) { print k; exit } }' "$scp_log")
  scp_assocs=$want
  [ -z "$bad" ]
}

# check_scp_batch ASSOCS QUERIES: waits until the SCP has ended ASSOCS more
# associations and checks they served QUERIES C-FINDs in all, each 1 pending
# response then Success, and each ended with a release.
check_scp_batch() {
  local want=$((scp_assocs + $1)) q=$2
  wait_scp_ends "$want"
  local got
  got=$(awk -v from="$scp_assocs" -v to="$want" '
    { split($2, a, "="); k = a[2] + 0 }
    /^find / && k > from { if (k > to || $0 !~ / pending=1 status=0x0000$/) bad = 1; else finds++ }
    /^end /  && k > from { if (k > to || $0 !~ /how=release$/) bad = 1; else ends++ }
    END { print (bad ? "bad" : finds + 0 " " ends + 0) }' "$scp_log")
  scp_assocs=$want
  [ "$got" = "$q $1" ] || { echo "bench: batch check: SCP reported '$got', wanted '$q $1' (finds, released associations)" >&2; return 1; }
}

# ---- one measured run ------------------------------------------------------------
# measure MODE N WHO CHECK -- CMD...: runs CMD in $out/work (stdout discarded,
# stderr to $out/stderr.txt); CHECK is a function name verifying the run.
measure() {
  local mode=$1 n=$2 who=$3 check=$4; shift 5
  local tf=$out/time.txt work=$out/work
  rm -rf "$work"; mkdir -p "$work"
  local t0=$EPOCHREALTIME rc=0
  (cd "$work" && exec /usr/bin/time -v -o "$tf" "$@" >/dev/null 2>"$out/stderr.txt") || rc=$?
  local t1=$EPOCHREALTIME
  local ok=ok
  if [ $rc -ne 0 ]; then ok="exit=$rc"; elif ! "$check" "$n"; then ok="check-failed"; fi
  if [ "$ok" != ok ]; then
    cp "$out/stderr.txt" "$out/failed-$mode-$n-$who.stderr" 2>/dev/null || true
    echo "bench: $mode N=$n $who: $ok (stderr kept in $out/failed-$mode-$n-$who.stderr)" >&2
  fi
  awk -v m="$mode" -v n="$n" -v w="$who" -v t0="$t0" -v t1="$t1" -v ok="$ok" -F': ' '
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { r = $2 }
    END { printf "%s\t%s\t%s\t%.6f\t%.3f\t%d\t%s\n", m, n, w, t1 - t0, u + s, r, ok }' "$tf" >>"$raw"
}

check_assoc() { check_scp 1 "$1"; }
check_verbose() {
  check_scp 1 "$1" && [ "$(grep -c '(Pending)' "$out/stderr.txt")" -eq "$1" ]
}
check_files() {
  check_scp 1 "$1" && [ "$(find "$out/work" -maxdepth 1 -name 'rsp*.dcm' | wc -l)" -eq "$1" ]
}
check_latency() { check_scp "$lat_count" 1; }
# --format: the --output file holds N records (NDJSON: N lines; CSV: a header too).
check_ndjson() { check_scp 1 "$1" && [ "$(wc -l < "$out/work/records")" -eq "$1" ]; }
check_csv() { check_scp 1 "$1" && [ "$(wc -l < "$out/work/records")" -eq $(($1 + 1)) ]; }
# batch: N rows on one association (--jobs J: J associations); the per-row
# loops are N associations with one query each.
check_batch() { check_scp_batch 1 "$1"; }
check_batch_jobs() { check_scp_batch "$batch_jobs" "$1"; }
check_batch_loop() { check_scp "$1" 1; }
# --expand series, N matches a query: the STUDY query's N and its N SERIES
# queries' N each, N + N * N records (the SCP's associations are not
# counted: how many of the --jobs the walk used is the scheduler's).
check_expand() { [ "$(wc -l < "$out/work/records")" -eq $(($1 + $1 * $1)) ]; }
# NDJSON: N lines, each a record with its CSV row ("_row"), rows 1..N once each.
check_batch_ndjson() {
  check_scp_batch 1 "$1" || return 1
  local f=$out/work/records
  [ "$(wc -l < "$f")" -eq "$1" ] && [ "$(grep -c '^{"_row":' "$f")" -eq "$1" ] &&
    [ "$(grep -o '^{"_row":[0-9]*' "$f" | cut -d: -f2 | sort -n | uniq |
         awk '$1 != NR { bad = 1 } END { print bad ? -1 : NR }')" -eq "$1" ]
}

# run_alt MODE N REPS WHO...: alternates the WHOs, rotating the order. Each
# run's check starts from the associations the SCP has ended so far, so one
# failed run (its associations never checked) does not fail the next ones.
run_alt() {
  local mode=$1 n=$2 r=$3 rep i
  shift 3
  for rep in $(seq "$r"); do
    for i in $(seq 0 $(($# - 1))); do
      local k=$(((i + rep) % $# + 1))
      scp_assocs=$(grep -c '^end assoc=' "$scp_log" || true)
      run_one "$mode" "$n" "${!k}"
    done
  done
}

# run_cell MODE N REPS: alternates ours / DCMTK / floor, rotating the order.
run_cell() {
  local mode=$1 n=$2 r=$3 rep
  local who_list=(dcmtk floor)
  [ $have_ours = 1 ] && who_list=(ours dcmtk floor)
  [ "$mode" = verbose ] || [ "$mode" = write ] || [ "$mode" = ndjson ] || [ "$mode" = csv ] &&
    who_list=("${who_list[@]/floor/}")
  for rep in $(seq "$r"); do
    local k=${#who_list[@]} i
    for i in $(seq 0 $((k - 1))); do
      local who=${who_list[$(((i + rep) % k))]}
      [ -n "$who" ] || continue
      run_one "$mode" "$n" "$who"
    done
  done
}

run_one() {
  local mode=$1 n=$2 who=$3 p=$scp_port
  # The latency loop: $0 and "$@" are the inner bash's, hence single quotes.
  # shellcheck disable=SC2016
  local loop='for ((i = 0; i < $0; i++)); do "$@" || exit 1; done'
  # $ours_vflags and $dcmtk_vflags hold several flags each: split on purpose.
  # shellcheck disable=SC2086
  case "$mode/$who" in
  quiet/ours)    measure "$@" check_assoc -- "$ours" -S -q "${keys[@]}" 127.0.0.1 "$p" ;;
  quiet/dcmtk)   measure "$@" check_assoc -- "${dcmtk[@]}" -S -q "${keys[@]}" 127.0.0.1 "$p" ;;
  quiet/floor)   measure "$@" check_assoc -- "${drain[@]}" -q -n "$n" 127.0.0.1 "$p" ;;
  verbose/ours)  measure "$@" check_verbose -- "$ours" -S $ours_vflags "${keys[@]}" 127.0.0.1 "$p" ;;
  verbose/dcmtk) measure "$@" check_verbose -- "${dcmtk[@]}" -S $dcmtk_vflags "${keys[@]}" 127.0.0.1 "$p" ;;
  write/ours)    measure "$@" check_files -- "$ours" -S -q -w "${keys[@]}" 127.0.0.1 "$p" ;;
  write/dcmtk)   measure "$@" check_files -- "${dcmtk[@]}" -S -q -X "${keys[@]}" 127.0.0.1 "$p" ;;
  latency/ours)  measure "$@" check_latency -- bash -c "$loop" \
                   "$lat_count" "$ours" -S -q "${keys[@]}" 127.0.0.1 "$p" ;;
  latency/dcmtk) measure "$@" check_latency -- bash -c "$loop" \
                   "$lat_count" "${dcmtk[@]}" -S -q "${keys[@]}" 127.0.0.1 "$p" ;;
  latency/floor) measure "$@" check_latency -- bash -c "$loop" \
                   "$lat_count" "${drain[@]}" -q -n 1 127.0.0.1 "$p" ;;
  tls/ours)      measure "$@" check_assoc -- "$ours" --tls --tls-ca "$out/certs/ca.pem" -S -q \
                   "${keys[@]}" localhost "$tls_port" ;;
  tls/dcmtk)     measure "$@" check_assoc -- "${dcmtk[@]}" +tls "$out/certs/cli.key" \
                   "$out/certs/cli.pem" +cf "$out/certs/ca.pem" -S -q "${keys[@]}" localhost "$tls_port" ;;
  tls/floor)     measure "$@" check_assoc -- "$ours" -S -q "${keys[@]}" 127.0.0.1 "$p" ;;
  ndjson/ours | csv/ours)
                 measure "$@" "check_$mode" -- "$ours" -S -q --format "$mode" --output records \
                   "${keys[@]}" 127.0.0.1 "$p" ;;
  ndjson/dcmtk | csv/dcmtk)
                 measure "$@" check_verbose -- "${dcmtk[@]}" -S $dcmtk_vflags "${keys[@]}" 127.0.0.1 "$p" ;;
  batch/ours | batch-rss/ours)
                 measure "$@" check_batch -- "$ours" -S -q --batch "$(batch_csv "$n")" \
                   "${batch_keys[@]}" 127.0.0.1 "$p" ;;
  batch/floor)   measure "$@" check_batch -- "${drain[@]}" -q -n 1 --queries "$n" 127.0.0.1 "$p" ;;
  batch/ndjson)  measure "$@" check_batch_ndjson -- "$ours" -S -q --batch "$(batch_csv "$n")" \
                   --format ndjson --output records "${batch_keys[@]}" 127.0.0.1 "$p" ;;
  batch-jobs/jobs*)
                 batch_jobs=${who#jobs}
                 measure "$@" check_batch_jobs -- "$ours" -S -q --batch "$(batch_csv "$n")" \
                   --jobs "$batch_jobs" "${batch_keys[@]}" 127.0.0.1 "$p" ;;
  batch-expand/jobs*)
                 measure "$@" check_expand -- "$ours" -S -q --expand series --jobs "${who#jobs}" \
                   --format ndjson --output records "${batch_keys[@]}" 127.0.0.1 "$p" ;;
  batch-loop/ours)
                 measure "$@" check_batch_loop -- bash -c "$row_loop" "$(batch_csv "$n")" 127.0.0.1 "$p" \
                   "$ours" -S -q "${batch_keys[@]}" ;;
  batch-loop/dcmtk)
                 measure "$@" check_batch_loop -- bash -c "$row_loop" "$(batch_csv "$n")" 127.0.0.1 "$p" \
                   "${dcmtk[@]}" -S -q "${batch_keys[@]}" ;;
  esac
}

# ---- batch ----------------------------------------------------------------------
batch_keys=(-k QueryRetrieveLevel=STUDY -k StudyInstanceUID=)
batch_jobs=1
# One findscu per CSV row, as a user would script it: $0 is the CSV, $1 $2
# host and port, the rest the command; single quotes: the inner bash's words.
# shellcheck disable=SC2016
row_loop='csv=$0 host=$1 port=$2; shift 2
  tail -n +2 "$csv" | while IFS= read -r id; do "$@" -k "PatientID=$id" "$host" "$port" </dev/null || exit 1; done'
# batch_csv ROWS: the path of a CSV with a PatientID header and ROWS rows (made once).
batch_csv() {
  local f=$out/batch/rows-$1.csv
  if [ ! -s "$f" ]; then
    mkdir -p "$out/batch"
    awk -v n="$1" 'BEGIN { print "PatientID"; for (i = 1; i <= n; i++) printf "PID%08d\n", i }' >"$f"
  fi
  printf '%s\n' "$f"
}
run_batch() {
  local r n
  echo "bench: batch rows=$batch_n x$reps (--batch, --format ndjson, floor)" >&2
  start_scp 1; run_alt batch "$batch_n" "$reps" ours ndjson floor; stop_scp
  echo "bench: batch once per row, $batch_loop_n rows x$lat_reps (DCMTK, ours)" >&2
  start_scp 1; run_alt batch-loop "$batch_loop_n" "$lat_reps" ours dcmtk; stop_scp
  echo "bench: batch --jobs 1 / 4 rows=$batch_jobs_n x$reps (SCP --fork --latency $batch_latency)" >&2
  start_scp 1 --fork --latency "$batch_latency"
  run_alt batch-jobs "$batch_jobs_n" "$reps" jobs1 jobs4; stop_scp
  echo "bench: --expand series --jobs 1 / 4, $expand_n matches a query x$reps (SCP --fork --latency $batch_latency)" >&2
  start_scp "$expand_n" --fork --latency "$batch_latency"
  run_alt batch-expand "$expand_n" "$reps" jobs1 jobs4; stop_scp
  for n in $batch_rss_ns; do
    r=$reps
    [ "$n" -ge 100000 ] && r=$vreps
    echo "bench: batch peak RSS rows=$n x$r" >&2
    start_scp 1; run_alt batch-rss "$n" "$r" ours; stop_scp
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$EPOCHREALTIME
[ "$render_only" = 1 ] && modes=""
for mode in $modes; do
  case $mode in
  quiet | verbose)
    for n in $ns; do
      r=$reps
      [ "$mode" = verbose ] && [ "$n" -ge 100000 ] && r=$vreps
      echo "bench: $mode N=$n x$r" >&2
      start_scp "$n"; run_cell "$mode" "$n" "$r"; stop_scp
    done ;;
  write)
    echo "bench: write N=$write_n x$reps" >&2
    start_scp "$write_n"; run_cell write "$write_n" "$reps"; stop_scp ;;
  latency)
    echo "bench: latency ${lat_count} associations x$lat_reps" >&2
    start_scp 1; run_cell latency 1 "$lat_reps"; stop_scp ;;
  tls)
    echo "bench: tls N=$tls_n x$reps" >&2
    start_scp "$tls_n"; start_tls; run_cell tls "$tls_n" "$reps"; tls_cleanup; stop_scp ;;
  ndjson | csv)
    r=$reps
    [ "$format_n" -ge 100000 ] && r=$vreps
    echo "bench: --format $mode N=$format_n x$r" >&2
    start_scp "$format_n"; run_cell "$mode" "$format_n" "$r"; stop_scp ;;
  batch)
    [ $have_ours = 1 ] || { echo "bench: batch needs our findscu: skipped" >&2; continue; }
    run_batch ;;
  *) die "unknown mode '$mode' in BENCH_MODES" ;;
  esac
done
rm -rf "$out/work"
t_total=$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')

# ---- the table -------------------------------------------------------------------
ours_version=n/a
[ $have_ours = 1 ] && ours_version=$("$ours" --version 2>/dev/null | head -1 || true)
{
  echo "findscu benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, kernel $(uname -r)"
  echo "ours: $ours ($ours_version); DCMTK: $("${dcmtk[0]}" --version 2>/dev/null | awk 'NR==1{print $2, $3}')"
  echo "identifier: $size, transfer syntax: $ts; medians of $reps runs (verbose N>=100000: $vreps, latency: $lat_reps); latency = one association per process, $lat_count in a row; $([ "$render_only" = 1 ] && echo "re-rendered from $raw" || echo "total ${t_total} s; load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)")"
  echo
  awk -F'\t' -v lat="$lat_count" -v blat="$batch_latency" -v reps="$reps" -v lreps="$lat_reps" -v vreps="$vreps" '
    function median(key,   n, i, j, t, v) {
      n = cnt[key]; if (n == 0) return -1
      for (i = 1; i <= n; i++) v[i] = vals[key, i]
      for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function add(key, x) { cnt[key]++; vals[key, cnt[key]] = x }
    function fmt(x, d) { return x < 0 ? "n/a" : sprintf("%." d "f", x) }
    function ratio(a, b) { return (a < 0 || b <= 0) ? "n/a" : sprintf("%.2f", a / b) }
    {
      cell = $1 SUBSEP $2
      k = $1 SUBSEP $2 SUBSEP $3
      if ($1 ~ /^batch/) batch_cell($1, $2, k)
      else if (!(cell in seen)) { seen[cell] = 1; order[++ncell] = cell }
      if ($7 != "ok") { bad[k] = 1; next }
      add(k SUBSEP "wall", $4); add(k SUBSEP "cpu", $5); add(k SUBSEP "rss", $6)
    }
    END {
      if (ncell > 0) {
        print "| mode | N | ours wall s | DCMTK wall s | floor wall s | ours/DCMTK wall | ours/floor wall | ours CPU s | DCMTK CPU s | ours peak RSS MB | DCMTK peak RSS MB | ours/DCMTK RSS |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      }
      for (c = 1; c <= ncell; c++) {
        split(order[c], f, SUBSEP); m = f[1]; n = f[2]
        for (w = 1; w <= 3; w++) {
          who = (w == 1) ? "ours" : (w == 2) ? "dcmtk" : "floor"; k = m SUBSEP n SUBSEP who
          W[who] = median(k SUBSEP "wall"); C[who] = median(k SUBSEP "cpu"); R[who] = median(k SUBSEP "rss")
          if (k in bad) { W[who] = -1; C[who] = -1; R[who] = -1; note = note " " m "/" n "/" who }
        }
        label = m; nn = n
        if (m == "latency") {
          # per association, in milliseconds
          label = "latency (ms/assoc)"; nn = 1
          for (w in W) { if (W[w] >= 0) W[w] = W[w] * 1000 / lat; if (C[w] >= 0) C[w] = C[w] * 1000 / lat }
        }
        if (m == "write") label = "write (-w / -X)"
        if (m == "tls") label = "tls (floor: ours plaintext)"
        else if (m == "ndjson" || m == "csv") label = "--format " m " (DCMTK: -v)"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label, nn,
          fmt(W["ours"], 3), fmt(W["dcmtk"], 3), fmt(W["floor"], 3), ratio(W["ours"], W["dcmtk"]), ratio(W["ours"], W["floor"]),
          fmt(C["ours"], 3), fmt(C["dcmtk"], 3),
          (m == "latency") ? "-" : fmt(R["ours"] / 1024, 1), (m == "latency") ? "-" : fmt(R["dcmtk"] / 1024, 1),
          (m == "latency") ? "-" : ratio(R["ours"], R["dcmtk"])
        # remember for the goals
        GW[m, n, "ours"] = W["ours"]; GW[m, n, "dcmtk"] = W["dcmtk"]; GW[m, n, "floor"] = W["floor"]
        GR[m, n, "ours"] = R["ours"]; GR[m, n, "dcmtk"] = R["dcmtk"]
        if (m == "quiet") { if (minN == "" || n + 0 < minN + 0) minN = n; if (n + 0 > maxN + 0) maxN = n }
        if (m == "verbose" && n + 0 > vmaxN + 0) vmaxN = n
        if (m == "write") wN = n
        if (m == "tls") tN = n
        if (m == "ndjson" || m == "csv") fN = n
      }
      if (note != "") print "\nFAILED runs (excluded; see failed-* files):" note
      if (nbatch > 0) batch_table()
      print "\nGoals:"
      goal("quiet N=" maxN ": ours <= DCMTK/6", GW["quiet", maxN, "ours"], GW["quiet", maxN, "dcmtk"] / 6)
      goal("quiet N=" maxN ": ours <= 5 x floor", GW["quiet", maxN, "ours"], GW["quiet", maxN, "floor"] * 5)
      goal("verbose N=" vmaxN ": ours <= DCMTK/5", GW["verbose", vmaxN, "ours"], GW["verbose", vmaxN, "dcmtk"] / 5)
      goal("write N=" wN ": ours -w < DCMTK -X", GW["write", wN, "ours"], GW["write", wN, "dcmtk"])
      goal("peak RSS quiet N=" maxN " <= 1.10 x N=" minN, GR["quiet", maxN, "ours"], GR["quiet", minN, "ours"] * 1.10)
      goal("peak RSS quiet N=" maxN ": ours <= DCMTK/3", GR["quiet", maxN, "ours"], GR["quiet", maxN, "dcmtk"] / 3)
      goal("latency: ours <= DCMTK", GW["latency", 1, "ours"], GW["latency", 1, "dcmtk"])
      goal("tls N=" tN ": ours TLS <= 2 x ours plaintext", GW["tls", tN, "ours"], GW["tls", tN, "floor"] * 2)
      goal("tls N=" tN ": ours TLS <= DCMTK +tls/5", GW["tls", tN, "ours"], GW["tls", tN, "dcmtk"] / 5)
      goal("tls N=" tN ": ours TLS peak RSS <= 8 MB", GR["tls", tN, "ours"], 8 * 1024)
      for (i = 1; i <= 2; i++) {
        fm = (i == 1) ? "ndjson" : "csv"
        goal("--format " fm " N=" fN ": ours <= 3 x ours -q", GW[fm, fN, "ours"], GW["quiet", fN, "ours"] * 3)
        goal("--format " fm " N=" fN ": ours <= DCMTK -v / 5", GW[fm, fN, "ours"], GW[fm, fN, "dcmtk"] / 5)
        goal("--format " fm " N=" fN ": peak RSS <= 5 MB", GR[fm, fN, "ours"], 5 * 1024)
      }
      batch_goals()
    }
    # ---- batch: its own table (one row per kind of run), its goals
    function batch_cell(m, n, k) {
      if (!(k in bseen)) { bseen[k] = 1; nbatch++ }
      if (m == "batch") bN = n
      if (m == "batch-loop") bL = n
      if (m == "batch-jobs") bJ = n
      if (m == "batch-expand") bE = n
      if (m == "batch-rss") { if (rmin == "" || n + 0 < rmin + 0) rmin = n; if (n + 0 > rmax + 0) rmax = n }
    }
    function bmed(m, n, who, what,   k) {
      k = m SUBSEP n SUBSEP who
      return (k in bad || !(k in bseen)) ? -1 : median(k SUBSEP what)
    }
    # wall time for bN rows: the per-row loops ran a sample of n rows
    function bscaled(m, n, who,   w) { w = bmed(m, n, who, "wall"); return (w < 0 || n <= 0) ? -1 : w / n * bN }
    function brow(label, m, n, who,   k, w, sc, rows) {
      k = m SUBSEP n SUBSEP who
      rows = (m == "batch-expand") ? 1 : n # one query, walked down
      if (!(k in bseen)) return
      if (k in bad) { printf "| %s | %s | FAILED | | | | | |\n", label, rows; return }
      w = bmed(m, n, who, "wall"); sc = (m == "batch" || m == "batch-loop") ? bscaled(m, n, who) : -1
      printf "| %s | %s | %.3f | %.3f | %.3f | %.1f | %s | %s |\n", label, rows, w, w * 1000 / rows,
        bmed(m, n, who, "cpu"), bmed(m, n, who, "rss") / 1024, fmt(sc, 3), ratio(sc, bmed("batch", bN, "ours", "wall"))
    }
    function batch_table(   i, n) {
      print "\nBatch: ours --batch ROWS.csv (one C-FIND per row, 1 match each) against one findscu process per row in a"
      print "shell loop; the loops run a sample of rows, their wall time is scaled per row to " bN " rows (column 7)."
      print "Medians of " reps " runs (the loops: " lreps "; peak RSS with 100000 rows or more: " vreps ")."
      print "\n| run | rows run | wall s | ms/row | CPU s | peak RSS MB | wall s for " bN " rows | x --batch |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|"
      brow("ours --batch", "batch", bN, "ours")
      brow("ours --batch --format ndjson --output F", "batch", bN, "ndjson")
      brow("floor: drain_client, " bN " C-FINDs on one association", "batch", bN, "floor")
      brow("DCMTK findscu once per row (loop, sampled)", "batch-loop", bL, "dcmtk")
      brow("ours findscu once per row (loop, sampled)", "batch-loop", bL, "ours")
      brow("ours --batch --jobs 1, SCP --fork --latency " blat, "batch-jobs", bJ, "jobs1")
      brow("ours --batch --jobs 4, SCP --fork --latency " blat, "batch-jobs", bJ, "jobs4")
      brow("ours --expand series --jobs 1 (" bE " matches a query: " bE + 1 " C-FINDs), SCP --fork --latency " blat, "batch-expand", bE, "jobs1")
      brow("ours --expand series --jobs 4 (" bE " matches a query: " bE + 1 " C-FINDs), SCP --fork --latency " blat, "batch-expand", bE, "jobs4")
      brow("ours --batch (peak RSS)", "batch-rss", rmin, "ours")
      if (rmax != rmin) brow("ours --batch (peak RSS)", "batch-rss", rmax, "ours")
    }
    function batch_goals(   b) {
      b = bmed("batch", bN, "ours", "wall")
      goal("batch rows=" bN ": --batch <= DCMTK once per row / 50", b, bscaled("batch-loop", bL, "dcmtk") / 50)
      goal("batch rows=" bN ": --batch <= ours once per row / 10", b, bscaled("batch-loop", bL, "ours") / 10)
      goal("batch rows=" bJ ", SCP latency " blat " ms: --jobs 4 <= --jobs 1 / 3",
        bmed("batch-jobs", bJ, "jobs4", "wall"), bmed("batch-jobs", bJ, "jobs1", "wall") / 3)
      goal("--expand series, " bE " matches a query, SCP latency " blat " ms: --jobs 4 <= --jobs 1 / 3",
        bmed("batch-expand", bE, "jobs4", "wall"), bmed("batch-expand", bE, "jobs1", "wall") / 3)
      goal("batch peak RSS rows=" rmax " <= 1.10 x rows=" rmin, bmed("batch-rss", rmax, "ours", "rss"),
        bmed("batch-rss", rmin, "ours", "rss") * 1.10)
    }
    function goal(what, a, limit) {
      if (a == "" || a < 0 || limit == "" || limit <= 0) printf "  n/a   %s\n", what
      else printf "  %-5s %s (%.4g vs limit %.4g)\n", (a <= limit) ? "PASS" : "FAIL", what, a, limit
    }' "$raw"
} | tee "$out/results.md"
echo "bench: raw numbers in $raw, table in $out/results.md" >&2
exit
}
