#!/usr/bin/env bash
# findscu --format streaming, against bench/replay_scp (N study-level matches
# as fast as the socket takes them):
#   - every format through a pipe: N records, peak RSS within the -q run's + 1 MB;
#   - NDJSON lines reach the reader while the association is still up;
#   - a reader that stops (| head -1) and a full disk (> /dev/full) end the
#     run quietly / with one error line, the association released, no hang;
#   - Ctrl-C ends a run blocked writing to a reader that does not read.
#
#   tests/e2e/formats_stream.sh FINDSCU REPLAY_SCP
# Environment: DQ_STREAM_N (default 100000; at least 10000, so the matches
# cannot all fit in a pipe's buffer). Exit status: number of failures.
set -uo pipefail
findscu=$(realpath -- "$1")
scp_bin=$(realpath -- "$2")
n=${DQ_STREAM_N:-100000}
[ "$n" -ge 10000 ] || { echo "DQ_STREAM_N must be at least 10000"; exit 1; }

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (Debian package 'time')"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dq-stream.XXXXXX") || exit 1
scp_pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  [ -z "$scp_pid" ] || { kill "$scp_pid" 2>/dev/null; wait "$scp_pid" 2>/dev/null; }
  rm -rf "$tmp"
}
trap cleanup EXIT

"$scp_bin" -p 0 -n "$n" -m 0 > "$tmp/scp.log" &
scp_pid=$!
for _ in $(seq 100); do grep -q '^port ' "$tmp/scp.log" && break; sleep 0.05; done
port=$(awk '/^port /{print $2; exit}' "$tmp/scp.log")
[ -n "$port" ] || { echo "replay_scp did not start"; exit 1; }
query=(-S 127.0.0.1 "$port" -k QueryRetrieveLevel=STUDY -k PatientName= -k PatientID=
       -k StudyDate= -k StudyInstanceUID=)

# ended K: the replay SCP's line for the end of association K ("" until it ends).
ended() { grep "^end assoc=$1 " "$tmp/scp.log"; }
# found K: its line for association K's C-FIND.
found() { grep "^find assoc=$1 " "$tmp/scp.log"; }
assoc=0

# Peak RSS (KB) of the -q run: the yardstick.
/usr/bin/time -f %M -o "$tmp/rss-q" "$findscu" -q "${query[@]}"
assoc=$((assoc + 1))
base=$(tail -1 "$tmp/rss-q")

# lines FORMAT: how many lines N records make.
lines() {
  case $1 in ndjson) echo "$n" ;; csv|tsv) echo $((n + 1)) ;; json) echo $((n + 2)) ;; xml) echo $((n + 3)) ;; esac
}
for fmt in json ndjson csv tsv xml; do
  /usr/bin/time -f %M -o "$tmp/rss-$fmt" "$findscu" -q --format "$fmt" "${query[@]}" |
    awk 'NR == 1 { print > "'"$tmp/first-$fmt"'" } END { print NR > "'"$tmp/count-$fmt"'" }'
  assoc=$((assoc + 1))
  rss=$(tail -1 "$tmp/rss-$fmt")
  got=$(cat "$tmp/count-$fmt")
  if [ "$got" != "$(lines "$fmt")" ]; then
    fail "--format $fmt: $got lines for $n records"
  elif [ "$rss" -gt $((base + 1024)) ]; then
    fail "--format $fmt: peak RSS $rss KB, above the -q run's $base KB + 1 MB"
  else
    pass "--format $fmt: $n records through a pipe, peak RSS $rss KB (-q: $base KB)"
  fi
done

# NDJSON while the association runs: the first line arrives, the association
# has not ended (the pipe holds findscu back), then the rest follows.
exec 3< <(exec "$findscu" -q --format ndjson "${query[@]}")
assoc=$((assoc + 1))
if IFS= read -r -t 20 first <&3 && [ "${first:0:12}" = '{"00080005":' ] && [ -z "$(ended $assoc)" ]; then
  rest=$(wc -l <&3)
  if [ "$rest" = $((n - 1)) ]; then
    pass "--format ndjson: the first line read before the association ended, then $rest more"
  else
    fail "--format ndjson: $rest lines after the first"
  fi
else
  fail "--format ndjson: no line before the association ended ($(ended $assoc))"
fi
exec 3<&-

# | head -1: one line, then the run ends by itself: C-CANCEL, released, exit 0,
# no error line.
start=$EPOCHREALTIME
timeout 30 "$findscu" --format ndjson "${query[@]}" 2> "$tmp/head.err" | head -1 > "$tmp/head.out"
st=("${PIPESTATUS[@]}")
assoc=$((assoc + 1))
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
for _ in $(seq 100); do [ -n "$(ended $assoc)" ] && break; sleep 0.05; done
if [ "${st[0]}" = 0 ] && [ "$(wc -l < "$tmp/head.out")" = 1 ] && ! grep -q '^E: ' "$tmp/head.err" &&
   grep -qx 'I: Sending C-CANCEL' "$tmp/head.err" && ended $assoc | grep -q 'how=release$' &&
   found $assoc | grep -q 'status=0xFE00$'; then
  pass "| head -1: exit 0 after $took s, C-CANCEL, association released, no error"
else
  fail "| head -1: exit ${st[0]}, $(found $assoc) / $(ended $assoc)"; sed 's/^/    /' "$tmp/head.err" | tail -5
fi

# A reader that never reads: Ctrl-C still ends the run (the blocked write
# gives up, C-CANCEL, release), exit 130, within seconds.
mkfifo "$tmp/fifo"
exec 7<> "$tmp/fifo"  # this shell holds the read end and never reads
"$findscu" --format ndjson "${query[@]}" > "$tmp/fifo" 2> "$tmp/stall.err" &
fpid=$!
assoc=$((assoc + 1))
sleep 1
start=$EPOCHREALTIME
kill -INT "$fpid"
for _ in $(seq 200); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$fpid" 2>/dev/null; then
  fail "a stalled reader: findscu still running 10 s after Ctrl-C"; kill -KILL "$fpid"
  wait "$fpid"
else
  wait "$fpid"; stalled=$?
  took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  for _ in $(seq 100); do [ -n "$(ended $assoc)" ] && break; sleep 0.05; done
  if [ "$stalled" = 130 ] && ! grep -q '^E: ' "$tmp/stall.err" && [ -n "$(ended $assoc)" ]; then
    pass "a stalled reader: Ctrl-C ends the run in $took s ($(ended $assoc)), exit 130"
  else
    fail "a stalled reader: exit $stalled, $(ended $assoc)"; sed 's/^/    /' "$tmp/stall.err" | tail -5
  fi
fi
exec 7<&-

# A full disk: one error line, C-CANCEL, released, exit 1.
if [ -w /dev/full ]; then
  timeout 30 "$findscu" --format csv "${query[@]}" > /dev/full 2> "$tmp/full.err"
  full=$?
  assoc=$((assoc + 1))
  for _ in $(seq 100); do [ -n "$(ended $assoc)" ] && break; sleep 0.05; done
  if [ $full = 1 ] &&
     [ "$(grep -c '^E: ' "$tmp/full.err")" = 1 ] &&
     grep -qx "E: Cannot write to 'standard output': \[Errno 28\] No space left on device" "$tmp/full.err" &&
     ended $assoc | grep -q 'how=release$'; then
    pass "> /dev/full: one error line, association released, exit 1"
  else
    fail "> /dev/full: exit $full, $(ended $assoc)"; sed 's/^/    /' "$tmp/full.err" | tail -5
  fi
fi

echo "$fails failure(s)"
exit $((fails > 0))
