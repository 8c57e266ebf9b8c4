#!/usr/bin/env bash
# findscu end to end against real peers (DCMTK dcmqrscp, DCMTK wlmscpfs, Orthanc).
#
#   tests/e2e/peers.sh FINDSCU dcmqrscp|wlmscpfs|orthanc DICOMGEN STANDARD_DIR
#
# For the peer kind: start it with the default data (tests/peers), run every
# query of tests/peers/queries.tsv meant for it through our findscu (-w into a
# fresh directory) AND through DCMTK's findscu, and require both match sets to
# be equal and equal to tests/peers/expected/<query>.<kind>.tsv. Then the
# peer-specific checks: the spec's seed example (dcmqrscp), -w files that
# dcmdump reads, rejection of an unknown called AE title, -f with a pydicom
# sample file; query by level (-L, --keys) with the keys the PS3.4 tables
# give (DICOMGEN --dump query-keys on STANDARD_DIR, the build's edition).
# Exit status: number of failures (0 = all passed).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dicomgen=${3:?DICOMGEN missing}
standard=${4:?STANDARD_DIR missing}

dq_peers_require findscu dcmdump "$DQ_PYTHON" || exit 1
[ -x "$findscu" ] || { echo "no findscu at $findscu"; exit 1; }
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/e2e-$kind
mkdir -p "$work"

# ours PEER NAME OUTDIR: query NAME through our findscu into OUTDIR.
ours() {
  local peer=$1 out=$3 port aet args=() k
  dq_query_load "$2" || return 1
  port=$(dq_peers__var "$peer" PORT); port=${!port}
  aet=$(dq_peers__var "$peer" AET); aet=${!aet}
  for k in "${DQ_Q_K[@]}"; do args+=(-k "$k"); done
  mkdir -p "$out" || return 1
  (cd "$out" && "$findscu" -w "$DQ_Q_MODEL" -aet DQTEST -aec "$aet" -td 30 \
      127.0.0.1 "$port" "${args[@]}") > "$out/stdout" 2> "$out/findscu.log"
}

run_queries() {
  local peer=$1 q n
  for q in $(dq_query_names "$kind"); do
    if ! ours "$peer" "$q" "$work/ours-$q"; then
      fail "$q: our findscu failed"; sed 's/^/    /' "$work/ours-$q/findscu.log"; continue
    fi
    if ! dq_query_check "$peer" "$q" "$work/ours-$q"; then
      fail "$q: our match set differs from expected/$q.$kind.tsv"; continue
    fi
    if ! dq_query_dcmtk "$peer" "$q" "$work/dcmtk-$q" ||
       ! dq_query_check "$peer" "$q" "$work/dcmtk-$q"; then
      fail "$q: DCMTK findscu disagrees with expected/$q.$kind.tsv"; continue
    fi
    if ! diff -u "$work/dcmtk-$q/matches.tsv" "$work/ours-$q/matches.tsv"; then
      fail "$q: match sets of DCMTK findscu and ours differ"; continue
    fi
    n=$(wc -l < "$work/ours-$q/matches.tsv")
    pass "$q: $n matches, same as DCMTK findscu"
  done
}

# table_keys MODEL LEVEL FILTER: the keys of one PS3.4 table as paths
# ("00400100/00400001" for a key in a sequence item), one per line, for the
# rows FILTER (an awk condition on type t, return type r) selects; a nested
# key only when its sequences are selected too.
table_keys() {
  "$dicomgen" --standard "$standard" --dump query-keys 2> /dev/null |
    awk -F'\t' -v m="$1" -v l="$2" '
      $1 == m && $2 == l {
        d = $5; t = $8; r = $10; tag = substr($6, 2, 4) substr($6, 7, 4)
        ok[d] = ('"$3"') && (d == 0 || ok[d - 1])
        path[d] = (d ? path[d - 1] "/" : "") tag
        if (ok[d]) print path[d]
      }'
}

# keys_in_responses DIR PATH...: every rsp*.dcm in DIR holds every path.
keys_in_responses() {
  local dir=$1; shift
  "$DQ_PYTHON" - "$dir" "$@" <<'PY'
import glob, sys
import pydicom
files = sorted(glob.glob(sys.argv[1] + "/rsp*.dcm"))
if not files:
    sys.exit("no responses")
bad = 0
for f in files:
    ds = pydicom.dcmread(f)
    for path in sys.argv[2:]:
        node = ds
        for step in path.split("/"):
            tag = int(step, 16)
            if node is None or tag not in node:
                print(f"{f}: no {path}")
                bad += 1
                break
            el = node[tag]
            node = el.value[0] if el.VR == "SQ" and len(el.value) else None
sys.exit(1 if bad else 0)
PY
}

case $kind in
dcmqrscp)
  dq_dcmqrscp_start qr || exit 1
  run_queries qr
  port=$(port_of qr)

  # The spec's seed example, called AE left at pynetdicom's default ANY-SCP.
  out=$work/seed; mkdir -p "$out"
  (cd "$out" && "$findscu" 127.0.0.1 "$port" -k QueryRetrieveLevel=PATIENT \
     -k PatientName=CompressedSamples^CT1) > "$out/stdout" 2> "$out/log"
  st=$?
  if [ $st = 0 ] && grep -qxF 'I: (0010,0010) PN [CompressedSamples^CT1]                  # 1 PatientName' "$out/log" &&
     grep -qxF 'I: Find SCP Response: 1 - 0xFF00 (Pending)' "$out/log" &&
     grep -qxF 'I: Find SCP Result: 0x0000 (Success)' "$out/log" &&
     grep -qxF 'I: Releasing Association' "$out/log"; then
    pass "seed example (PatientName [CompressedSamples^CT1])"
  else
    fail "seed example (exit $st)"; sed 's/^/    /' "$out/log"
  fi

  # -w files: dcmdump reads them without forcing, meta as the behaviour doc says.
  f=$work/ours-patient/rsp000001.dcm
  if [ -f "$f" ] && dcmdump -q "$f" > "$work/dump.txt" 2>&1 &&
     grep -q '=FINDPatientRootQueryRetrieveInformationModel.*MediaStorageSOPClassUID' "$work/dump.txt" &&
     grep -q '=LittleEndian.*TransferSyntaxUID' "$work/dump.txt" &&
     grep -q '\[2\.25\.[0-9]*\].*MediaStorageSOPInstanceUID' "$work/dump.txt" &&
     grep -q 'ImplementationClassUID' "$work/dump.txt"; then
    pass "-w files read back by dcmdump"
  else
    fail "-w files read back by dcmdump"; sed 's/^/    /' "$work/dump.txt" 2>/dev/null
  fi

  # Each level of each Q/R model answers (counts are checked in queries.tsv).
  for m in -P -S -O; do
    for lvl in PATIENT STUDY; do
      [ "$m" = -S ] && [ "$lvl" = PATIENT ] && continue
      out=$work/level$m$lvl; mkdir -p "$out"
      (cd "$out" && "$findscu" "$m" -w -aec "$(aet_of qr)" 127.0.0.1 "$port" \
         -k QueryRetrieveLevel=$lvl -k PatientID=) > /dev/null 2> "$out/log"
      st=$?
      n=$(find "$out" -name 'rsp*.dcm' | wc -l)
      if [ $st = 0 ] && [ "$n" -gt 0 ] && grep -q 'Find SCP Result: 0x0000 (Success)' "$out/log"; then
        pass "$m $lvl: $n matches"
      else
        fail "$m $lvl"; sed 's/^/    /' "$out/log"
      fi
    done
  done

  # -S -L STUDY (--keys all): the request carries the STUDY level's U and R
  # keys (all: also the O keys), and dcmqrscp returns every U and R key in
  # each study it matches (the O keys it knows; it drops the others).
  mapfile -t ur < <(table_keys "Study Root" STUDY 't == "U" || t == "R"')
  mapfile -t uro < <(table_keys "Study Root" STUDY '1')
  for keys in required all; do
    out=$work/level-$keys; mkdir -p "$out"
    (cd "$out" && "$findscu" -S -L STUDY --keys "$keys" -w -aec "$(aet_of qr)" 127.0.0.1 "$port") \
      > /dev/null 2> "$out/log"
    st=$?
    n=$(find "$out" -name 'rsp*.dcm' | wc -l)
    # the top-level elements of the request dump: the table's top-level keys
    # and QueryRetrieveLevel, nothing else
    sent=$(awk '/^I: # Request Identifier/ { on = 1; next } on && /^I: $/ { exit }
                on && /^I: \(/ { print substr($0, 4, 11) }' "$out/log" | sort | tr '\n' ' ')
    if [ "$keys" = all ]; then table=("${uro[@]}"); else table=("${ur[@]}"); fi
    want=$(printf '%s\n' "${table[@]}" 00080052 | grep -v / |
           sed 's/^\(....\)\(....\)$/(\1,\2)/' | sort | tr '\n' ' ')
    if [ $st = 0 ] && [ "${#ur[@]}" -ge 7 ] && [ "$n" -ge 7 ] &&
       grep -qxF 'I: (0008,0052) CS [STUDY]                                  # 1 QueryRetrieveLevel' "$out/log" &&
       [ "$sent" = "$want" ] && keys_in_responses "$out" "${ur[@]}" 00080052; then
      pass "-S -L STUDY --keys $keys: $n studies, each with the ${#ur[@]} U+R keys"
    else
      fail "-S -L STUDY --keys $keys (exit $st, $n responses; sent $sent, want $want)"
      sed 's/^/    /' "$out/log"
    fi
  done

  # An unknown called AE title: dcmqrscp rejects; pynetdicom's lines, exit 1.
  "$findscu" -aec NOSUCHAE 127.0.0.1 "$port" -k PatientName= > /dev/null 2> "$work/rj.log"
  st=$?
  if [ $st = 1 ] && grep -qxF 'E: Association Rejected' "$work/rj.log" &&
     grep -q '^E: Result: Rejected Permanent, Source: Service User$' "$work/rj.log" &&
     grep -q '^E: Reason: Called AE title not recognised$' "$work/rj.log"; then
    pass "unknown called AE title rejected (exit 1)"
  else
    fail "unknown called AE title (exit $st)"; sed 's/^/    /' "$work/rj.log"
  fi

  # -f with a pydicom sample file as the query, -k on top.
  out=$work/file; mkdir -p "$out"
  (cd "$out" && "$findscu" -w 127.0.0.1 "$port" \
     -f "$DQ_PYDICOM_DATA/test_files/CT_small.dcm" -k QueryRetrieveLevel=PATIENT \
     -k PatientName=CompressedSamples* -k PixelData=) > /dev/null 2> "$out/log"
  st=$?
  # (dump to a file: with pipefail, grep -q closing the pipe early fails dcmdump)
  if [ $st = 0 ] && [ -f "$out/rsp000001.dcm" ] &&
     dcmdump -q "$out/rsp000001.dcm" > "$out/dump.txt" 2>&1 &&
     grep -q 'PN \[CompressedSamples^CT1\]' "$out/dump.txt"; then
    pass "-f CT_small.dcm as the query"
  else
    fail "-f CT_small.dcm (exit $st)"; sed 's/^/    /' "$out/log"
  fi
  ;;
wlmscpfs)
  dq_wlmscpfs_start wl || exit 1
  run_queries wl

  # -W --keys: every Type 1 return key of the worklist table (K.6-1) in each
  # response, the Scheduled Procedure Step Sequence's items' too.
  mapfile -t t1 < <(table_keys "Modality Worklist" "" 'r == "1"')
  out=$work/keys; mkdir -p "$out"
  (cd "$out" && "$findscu" -W --keys -w -aec "$(aet_of wl)" 127.0.0.1 "$(port_of wl)") \
    > /dev/null 2> "$out/log"
  st=$?
  n=$(find "$out" -name 'rsp*.dcm' | wc -l)
  if [ $st = 0 ] && [ "$n" -ge 5 ] && [ "${#t1[@]}" -ge 8 ] &&
     keys_in_responses "$out" "${t1[@]}"; then
    pass "-W --keys: $n worklist items, each with the ${#t1[@]} Type 1 return keys"
  else
    fail "-W --keys (exit $st, $n responses, ${#t1[@]} keys)"; sed 's/^/    /' "$out/log"
  fi
  ;;
orthanc)
  dq_orthanc_start or || exit 1
  run_queries or
  ;;
*)
  echo "unknown peer kind: $kind"; exit 1 ;;
esac

echo "$fails failure(s)"
exit $((fails > 0))
