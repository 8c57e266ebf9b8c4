#!/usr/bin/env bash
# Proves the peers harness with DCMTK's own findscu, and checks our findscu
# the same way (both registered with ctest).
#
#   tests/peers/smoke.sh dcmqrscp|wlmscpfs|orthanc [--client PATH_TO_OUR_FINDSCU]
#   tests/peers/smoke.sh lifecycle
#
# dcmqrscp/wlmscpfs/orthanc: start the peer with the default data, run every
# query of queries.tsv meant for it, compare the match sets with expected/*.tsv;
# plus the spec's seed example, the client's default called AE (ANY-SCP) and,
# for dcmqrscp, a refused information model. The client is DCMTK's findscu, or
# ours with --client (the same sets must come out).
# lifecycle: peers are gone after stop, normal exit, SIGTERM and SIGKILL of the
# test; parallel starts get distinct ports; a refusing peer starts.
# DQ_UPDATE_EXPECTED=1 rewrites expected/*.tsv from the peers' answers (review
# the diff: they must agree with the data, see README.md).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

client=dcmtk
if [ "${2:-}" = --client ]; then
  client=${3:?--client needs the path of findscu}
  [ -x "$client" ] || { echo "smoke: $client is not an executable" >&2; exit 1; }
elif [ -n "${2:-}" ]; then
  echo "usage: $0 dcmqrscp|wlmscpfs|orthanc [--client FINDSCU] | lifecycle" >&2
  exit 2
fi
who=${client##*/}; [ "$client" = dcmtk ] && who="DCMTK findscu"
echo "client: $who"

dq_peers_require findscu dcmdump "$DQ_PYTHON" || exit 1
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/smoke
mkdir -p "$work"

# run_queries PEER KIND: every queries.tsv entry for KIND through the client.
run_queries() {
  local peer=$1 kind=$2 q ran=() line
  for q in $(dq_query_names "$kind"); do
    if dq_query_run "$client" "$peer" "$q" "$work/$peer/$q"; then
      ran+=("$q")
    else
      fail "$kind $q: findscu failed"; sed 's/^/    /' "$work/$peer/$q/findscu.log"
    fi
  done
  [ ${#ran[@]} -gt 0 ] || return
  local rc=0
  dq_query_check_many "$peer" "$work/$peer" "${ran[@]}" > "$work/$peer.checks" || rc=$?
  while IFS= read -r line; do
    case $line in
      ok*) pass "$kind ${line#ok   }" ;;
      FAIL*) fail "$kind ${line#FAIL }" ;;
    esac
  done < "$work/$peer.checks"
  # A failure that reported no query (matches.py died) still fails.
  if [ "$rc" != 0 ] && ! grep -q '^FAIL' "$work/$peer.checks"; then
    fail "$kind: checking the match sets failed"
  fi
}

# from_data PEER DIR GLOB QUERY: expected/QUERY.<kind>.tsv equals the keys read
# straight from the peer's data files (an element the file lacks counts as
# empty: the peers return a universal-match key empty).
from_data() {
  local peer=$1 dir=$2 glob=$3 q=$4 kind exp
  kind=$(dq_peers__var "$peer" KIND); kind=${!kind}
  exp=$(dq_query_expected "$q" "$kind")
  dq_query_load "$q" || return 1
  if dq_matches --glob "$glob" "$dir" "${DQ_Q_KEYS[@]}" | sed -E 's/([A-Za-z0-9.]+(\[[0-9]+\])?)!absent/\1=/g' |
       LC_ALL=C sort | diff -u <(LC_ALL=C sort "$exp") - >&2; then
    pass "$kind $q: expected set = the data files ($(wc -l < "$exp") entries)"
  else
    fail "$kind $q: expected set differs from the data files"
  fi
}

# gone PGID PORT: nothing of the group is alive and nothing listens on PORT.
gone() {
  local i
  for ((i = 0; i < 60; i++)); do
    if ! dq_peers__group_alive "$1" && ! dq_peers__listening_any "$2"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
dq_peers__listening_any() {
  local hex
  printf -v hex '%04X' "$1"
  awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6
}

# stop_and_check NAME: dq_peer_stop leaves no process, no listener, no dir.
stop_and_check() {
  local pgid port dir
  pgid=$(dq_peers__var "$1" PID); pgid=${!pgid}
  port=$(dq_peers__var "$1" PORT); port=${!port}
  dir=$(dq_peers__var "$1" DIR); dir=${!dir}
  if dq_peer_stop "$1" && gone "$pgid" "$port" && [ ! -e "$dir" ]; then
    pass "$1 stopped: no process, no listener on $port, no temp dir"
  else
    fail "$1 stop left something behind (group $pgid, port $port, $dir)"
  fi
}

# seed PEER KIND AET_EXPECTED [CALLED_AET]: the spec's example, one match.
# CALLED_AET "-": the client's default called AE.
seed() {
  local peer=$1 kind=$2 want_aet=$3 called=${4:-} out what
  out=$work/$peer-seed${called:+-default-aec}
  what="$kind seed example${called:+ (default called AE of the client)}"
  if DQ_FIND_AEC=$called dq_find "$client" "$peer" "$out" -P \
       -k QueryRetrieveLevel=PATIENT -k PatientName= &&
     [ "$(dq_matches "$out" QueryRetrieveLevel RetrieveAETitle PatientName)" = \
       "$(printf 'QueryRetrieveLevel=PATIENT\tRetrieveAETitle=%s\tPatientName=CompressedSamples^CT1' "$want_aet")" ]; then
    # Ours must also print the identifier as the spec shows it.
    if [ "$client" != dcmtk ] &&
       ! grep -qF '(0010,0010) PN [CompressedSamples^CT1]' "$out/findscu.log"; then
      fail "$what: '(0010,0010) PN [CompressedSamples^CT1]' not in the output"
      sed 's/^/    /' "$out/findscu.log"
      return
    fi
    pass "$what: PatientName [CompressedSamples^CT1]"
  else
    fail "$what"
    sed 's/^/    /' "$out/findscu.log"; dq_matches "$out" QueryRetrieveLevel RetrieveAETitle PatientName
  fi
}

case ${1:-} in
dcmqrscp)
  dq_dcmqrscp_start qr || exit 1
  run_queries qr dcmqrscp
  # The expected sets are the data: the patient list read from the files
  # dcmqrscp indexed (one instance per patient) is the patient query's set.
  from_data qr "$DQ_PEER_QR_DIR/db" '*.dcm' patient
  stop_and_check qr
  # The seed: CT_small.dcm alone, loaded over the network with storescu.
  DQ_QR_LOAD=storescu dq_dcmqrscp_start seed CT_small.dcm || exit 1
  seed seed dcmqrscp QRSCP
  seed seed dcmqrscp ANY-SCP -
  stop_and_check seed
  # Patient/Study Only alone (-QP -QS): a Study Root query must be refused.
  dq_dcmqrscp_start pso CT_small.dcm -- -QP -QS || exit 1
  if dq_find "$client" pso "$work/pso-study" -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=; then
    fail "dcmqrscp -QP -QS: the client reported success for a refused Study Root query"
  else
    pass "dcmqrscp -QP -QS refuses Study Root: client fails"
  fi
  out=$work/pso-psonly
  if dq_find "$client" pso "$out" -O -k QueryRetrieveLevel=PATIENT -k PatientID= &&
     [ "$(dq_matches "$out" PatientID)" = "PatientID=1CT1" ]; then
    pass "dcmqrscp -QP -QS answers Patient/Study Only"
  else
    fail "dcmqrscp -QP -QS Patient/Study Only"; sed 's/^/    /' "$out/findscu.log"
  fi
  ;;
wlmscpfs)
  dq_wlmscpfs_start wl || exit 1
  run_queries wl wlmscpfs
  # Every worklist entry matches the unrestricted query: its set is the files.
  from_data wl "$DQ_PEER_WL_DIR/wl/WLMSCP" '*.wl' worklist
  out=$work/wl-any
  if DQ_FIND_AEC=- dq_find "$client" wl "$out" -W -k PatientName= \
       -k 'ScheduledProcedureStepSequence[0].Modality=' &&
     [ "$(find "$out" -name 'rsp*.dcm' | wc -l)" = 5 ]; then
    pass "wlmscpfs with the client's default called AE (ANY-SCP): 5 matches"
  else
    fail "wlmscpfs with the client's default called AE"; sed 's/^/    /' "$out/findscu.log"
  fi
  stop_and_check wl
  ;;
orthanc)
  dq_orthanc_start orthanc || exit 1
  run_queries orthanc orthanc
  stop_and_check orthanc
  dq_orthanc_start oseed CT_small.dcm || exit 1
  seed oseed orthanc ORTHANC
  seed oseed orthanc ORTHANC -
  stop_and_check oseed
  ;;
lifecycle)
  # Normal exit, SIGTERM and SIGKILL of the shell that started a peer.
  for how in exit term kill; do
    rm -f "$work/info"
    bash -c '
      source "$1/env.sh"
      dq_wlmscpfs_start w > /dev/null || exit 1
      echo "$DQ_PEER_W_PID $DQ_PEER_W_PORT $DQ_PEERS_TMP" > "$2"
      case $3 in exit) exit 0 ;; term) kill -TERM $$; sleep 5 ;; kill) kill -KILL $$ ;; esac
    ' _ "$here" "$work/info" "$how" > /dev/null 2>&1
    if [ ! -s "$work/info" ]; then fail "lifecycle $how: peer did not start"; continue; fi
    read -r pgid port tmp < "$work/info"
    if gone "$pgid" "$port"; then
      # The watcher removes the temp dir ~2 s after a SIGKILL.
      for ((i = 0; i < 40; i++)); do [ -e "$tmp" ] || break; sleep 0.1; done
      if [ -e "$tmp" ]; then fail "lifecycle $how: $tmp left behind"
      else pass "lifecycle $how: peer and temp dir gone"; fi
    else
      fail "lifecycle $how: peer group $pgid still alive or port $port listening"
      kill -KILL -- "-$pgid" 2> /dev/null
    fi
  done
  # Four peers started at once in separate shells: distinct ports, all answer.
  for i in 1 2 3 4; do
    bash -c 'source "$1/env.sh"; dq_wlmscpfs_start p > /dev/null || exit 1
             echo "$DQ_PEER_P_PORT" > "$2"
             echoscu -aec WLMSCP 127.0.0.1 "$DQ_PEER_P_PORT" || exit 1
             sleep 1' _ "$here" "$work/par$i" > "$work/par$i.log" 2>&1 &
  done
  wait
  ports=$(cat "$work"/par? 2> /dev/null | sort -u | wc -l)
  if [ "$ports" = 4 ] && ! grep -qi fail "$work"/par?.log; then
    pass "4 parallel starts: 4 distinct ports, each answered C-ECHO"
  else
    fail "parallel starts: $ports distinct ports"; cat "$work"/par?.log
  fi
  # A start that loses its port to another peer retries on a new one (and is
  # not fooled by the other peer's C-ECHO answer on the lost port).
  dq_wlmscpfs_start first > /dev/null || exit 1
  taken=$DQ_PEER_FIRST_PORT
  eval "real_$(declare -f dq_peers__pick_port)"
  dq_peers__pick_port() {
    if [ ! -e "$work/picked" ]; then : > "$work/picked"; echo "$taken"; else real_dq_peers__pick_port; fi
  }
  if dq_wlmscpfs_start second 2> "$work/retry.log" > /dev/null &&
     [ "$DQ_PEER_SECOND_PORT" != "$taken" ] && grep -q "was taken, retrying" "$work/retry.log"; then
    pass "start on a taken port: retried on port $DQ_PEER_SECOND_PORT"
  else
    fail "start on a taken port"; cat "$work/retry.log"
  fi
  eval "$(declare -f real_dq_peers__pick_port | sed 's/^real_//')"
  stop_and_check second
  stop_and_check first
  # A peer that cannot start fails at once and leaves nothing behind.
  SECONDS=0
  if dq_wlmscpfs_start broken -- --no-such-option 2> "$work/broken.log"; then
    fail "wlmscpfs with a bad option reported started"
  elif [ "$SECONDS" -le 10 ] && [ ! -e "$DQ_PEERS_TMP/broken" ] && grep -q "exited during start-up" "$work/broken.log"; then
    pass "a peer that dies at start-up: error in ${SECONDS}s, nothing left"
  else
    fail "a peer that dies at start-up"; cat "$work/broken.log"
  fi
  # A peer told to refuse associations is ready once it listens.
  dq_wlmscpfs_start refusing -- --refuse || exit 1
  if echoscu -aec WLMSCP 127.0.0.1 "$DQ_PEER_REFUSING_PORT" > /dev/null 2>&1; then
    fail "wlmscpfs --refuse accepted an association"
  else
    pass "wlmscpfs --refuse: started, refuses associations"
  fi
  stop_and_check refusing
  # peer.sh (for C tests): start prints KEY=VALUE, stop removes everything;
  # a peer whose owner (the process behind `sh -c`) ended is stopped. (The
  # "; true" keeps that owner a bash of its own, which bash -c would exec away.)
  if "$here/peer.sh" start wlmscpfs "$work/cli" > "$work/cli.env" 2> "$work/cli.log" &&
     pgid=$(sed -n 's/^PID=//p' "$work/cli.env") && port=$(sed -n 's/^PORT=//p' "$work/cli.env") &&
     echoscu -aec WLMSCP 127.0.0.1 "$port" > /dev/null 2>&1 &&
     "$here/peer.sh" stop "$work/cli" && gone "$pgid" "$port" && [ ! -e "$work/cli" ]; then
    pass "peer.sh start/stop"
  else
    fail "peer.sh start/stop"; cat "$work/cli.env" "$work/cli.log"
  fi
  bash -c 'sh -c "\"$1/peer.sh\" start wlmscpfs \"$2\" > \"$2.env\" 2> /dev/null"; true' _ "$here" "$work/orphan"
  pgid=$(sed -n 's/^PID=//p' "$work/orphan.env")
  port=$(sed -n 's/^PORT=//p' "$work/orphan.env")
  for ((i = 0; i < 50; i++)); do [ -e "$work/orphan" ] || break; sleep 0.1; done
  if [ -n "$pgid" ] && gone "$pgid" "$port" && [ ! -e "$work/orphan" ]; then
    pass "peer.sh: peer stopped and removed once its owner ended"
  else
    fail "peer.sh: peer of an ended owner still there (group ${pgid:-?})"
    [ -z "$pgid" ] || kill -KILL -- "-$pgid" 2> /dev/null
  fi
  # Two peers in one shell, the first stopped by name, the second on exit.
  dq_dcmqrscp_start a CT_small.dcm > /dev/null && dq_dcmqrscp_start b MR_small.dcm > /dev/null
  if [ "$DQ_PEER_A_PORT" != "$DQ_PEER_B_PORT" ]; then pass "two dcmqrscp in one shell"
  else fail "two dcmqrscp share a port"; fi
  stop_and_check a
  ;;
*)
  echo "usage: $0 dcmqrscp|wlmscpfs|orthanc|lifecycle" >&2
  exit 2
  ;;
esac

if [ "$fails" -gt 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
