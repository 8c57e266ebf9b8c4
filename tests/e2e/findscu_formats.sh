#!/usr/bin/env bash
# findscu --format end to end against real peers (DCMTK dcmqrscp, DCMTK
# wlmscpfs, Orthanc).
#
#   tests/e2e/findscu_formats.sh FINDSCU dcmqrscp|wlmscpfs|orthanc
#
# For the peer kind: start it with the default data (tests/peers) and run every
# query of tests/peers/queries.tsv meant for it once per format (json, ndjson,
# csv, tsv, xml), each run with -w too. The records (parsed strictly by
# tests/e2e/records.py: json.loads, Python's csv module, xml.etree) must equal
# the -w files of the same run, and those DCMTK findscu's matches. Then per
# peer: names in other character sets arrive as UTF-8 (Greek ISO_IR 126,
# Japanese ISO 2022 IR 87, Greek ISO_IR 192), a worklist query with sequence
# columns chosen by --columns. Exit status: number of failures.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dq_peers_require findscu "$DQ_PYTHON" || exit 1
[ -x "$findscu" ] || { echo "no findscu at $findscu"; exit 1; }
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/formats-$kind
mkdir -p "$work"
# DQ_E2E_FORMATS: a subset, while debugging one writer.
read -r -a formats <<< "${DQ_E2E_FORMATS:-json ndjson csv tsv xml}"


# ours PEER OUTDIR FORMAT ARGS...: our findscu with -w and --format FORMAT in
# OUTDIR, the document in OUTDIR/records.FORMAT (json through stdout, the
# others through --output).
ours() {
  local peer=$1 out=$2 fmt=$3 dest=()
  shift 3
  mkdir -p "$out" || return 1
  [ "$fmt" = json ] || dest=(--output "records.$fmt")
  (cd "$out" && exec "$findscu" -w --format "$fmt" "${dest[@]}" -aet DQTEST \
      -aec "$(aet_of "$peer")" -td 30 127.0.0.1 "$(port_of "$peer")" "$@") \
    > "$out/stdout" 2> "$out/findscu.log" || return 1
  [ "$fmt" != json ] || mv "$out/stdout" "$out/records.json"
}

# Every query in every format, then one python run for all the documents.
run_queries() {
  local peer=$1 q fmt out jobs=$work/jobs.tsv
  : > "$jobs"
  for q in $(dq_query_names "$kind"); do
    dq_query_load "$q" || return 1
    if ! dq_query_dcmtk "$peer" "$q" "$work/dcmtk-$q" ||
       ! dq_query_check "$peer" "$q" "$work/dcmtk-$q" > /dev/null; then
      fail "$q: DCMTK findscu disagrees with expected/$q.$kind.tsv"
    fi
    # CSV/TSV: the default columns (the -k keys) when they hold every key
    # compared, else those keys by --columns.
    local cols=() k
    for k in "${DQ_Q_KEYS[@]}"; do
      [[ ";${DQ_Q_K[*]/%/;}" == *";$k=;"* || " ${DQ_Q_K[*]} " == *" $k="* ]] && continue
      cols=(--columns "$(IFS=,; echo "${DQ_Q_KEYS[*]}")"); break
    done
    for fmt in "${formats[@]}"; do
      out=$work/$q-$fmt
      local extra=()
      [ "$fmt" = csv ] || [ "$fmt" = tsv ] && extra=("${cols[@]}")
      if ! ours "$peer" "$out" "$fmt" "$DQ_Q_MODEL" "${extra[@]}" "${DQ_Q_ARGS[@]}"; then
        fail "$q --format $fmt: findscu failed"; sed 's/^/    /' "$out/findscu.log"; continue
      fi
      printf '%s\t%s\t%s\t%s\n' "$fmt" "$out/records.$fmt" "$out" "${DQ_Q_KEYS[*]}" >> "$jobs"
    done
  done
  "$DQ_PYTHON" "$here/records.py" --batch < "$jobs" || fail "records.py could not read every document"
  while IFS=$'\t' read -r fmt _ out _; do
    q=${out##*/}; q=${q%-"$fmt"}
    local want=$out/matches.tsv
    # CSV/TSV cells cannot tell an absent element from an empty one.
    if [ "$fmt" = csv ] || [ "$fmt" = tsv ]; then
      sed 's/!absent/=/g' "$out/matches.tsv" > "$out/matches-cells.tsv"; want=$out/matches-cells.tsv
    fi
    if ! diff -u "$want" "$out/records.tsv"; then
      fail "$q --format $fmt: the records differ from the -w files"
    elif ! diff -u "$work/dcmtk-$q/matches.tsv" "$out/matches.tsv"; then
      fail "$q --format $fmt: the -w files differ from DCMTK findscu's matches"
    else
      pass "$q --format $fmt: $(wc -l < "$out/records.tsv") records, as the -w files and DCMTK"
    fi
  done < "$jobs"
}

# has_text FILE TEXT...: every TEXT is in FILE (as UTF-8 bytes).
has_text() {
  local f=$1 t
  shift
  for t in "$@"; do grep -qF -- "$t" "$f" || { echo "    '$t' not in $f"; return 1; }; done
}

case $kind in
dcmqrscp)
  dq_dcmqrscp_start qr || exit 1
  run_queries qr
  # chrGreek.dcm (ISO_IR 126) and chrH31.dcm (ISO 2022 IR 87) as UTF-8 bytes
  # (records.py compared the whole names already; JSON and XML split a PN
  # into its groups and components).
  for fmt in "${formats[@]}"; do
    whole=()
    [ "$fmt" = csv ] || [ "$fmt" = tsv ] && whole=('Yamada^Tarou=山田^太郎=やまだ^たろう')
    if has_text "$work/patient-$fmt/records.$fmt" 'Διονυσιος' '山田' 'たろう' 'Jérôme' \
         'Люкceмбypг' "${whole[@]}"; then
      pass "--format $fmt: Greek (ISO_IR 126) and Japanese (ISO 2022 IR 87) names in UTF-8"
    else
      fail "--format $fmt: names not in UTF-8"
    fi
  done
  ;;
wlmscpfs|orthanc)
  if [ "$kind" = wlmscpfs ]; then dq_wlmscpfs_start wl || exit 1; peer=wl
  else dq_orthanc_start or || exit 1; peer=or; fi
  run_queries "$peer"
  # Sequence columns chosen with --columns, CSV read back with Python's csv.
  out=$work/columns
  colist='AccessionNumber,ScheduledProcedureStepSequence[0].Modality,PatientName,'
  colist+='ScheduledProcedureStepSequence[0].ScheduledStationAETitle'
  if ours "$peer" "$out" csv --columns "$colist" -W -k PatientName= -k AccessionNumber= \
       -k 'ScheduledProcedureStepSequence[0].Modality=' \
       -k 'ScheduledProcedureStepSequence[0].ScheduledStationAETitle=' &&
     "$DQ_PYTHON" - "$out/records.csv" > "$out/rows.txt" <<'PY' &&
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = ["|".join(row) for row in csv.reader(f, strict=True)]
print("\n".join(rows[:1] + sorted(rows[1:])))  # the peer's order varies
PY
     diff -u - "$out/rows.txt" <<'ROWS'
AccessionNumber|ScheduledProcedureStepSequence[0].Modality|PatientName|ScheduledProcedureStepSequence[0].ScheduledStationAETitle
ACC0001|CT|DOE^JOHN|CT01
ACC0002|MR|DOE^JOHN|MR01
ACC0003|US|SMITH^JANE|US01
ACC0004|CT|Müller^Jürgen|CT01
ACC0005|MR|Παπαδόπουλος^Νίκος|MR01
ROWS
  then
    pass "worklist: sequence columns by --columns, names in UTF-8"
  else
    fail "worklist: sequence columns"; sed 's/^/    /' "$out/findscu.log"
  fi
  ;;
*)
  echo "unknown peer kind: $kind"; exit 1 ;;
esac

echo "$fails failure(s)"
exit $((fails > 0))
