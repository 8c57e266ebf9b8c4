#!/usr/bin/env bash
# findscu --batch (many queries at once) end to end against real peers.
#
#   tests/e2e/batch_peers.sh FINDSCU dcmqrscp|wlmscpfs
#
# dcmqrscp (the default samples): a 200-row CSV batch made from the studies the
# peer holds (queried first with DCMTK's findscu): rows matching one study,
# several (wildcards, a date range), none, and malformed rows (a value too long
# for its VR, invalid UTF-8, too many cells). Each good row's matches (its
# StudyInstanceUIDs) must be those DCMTK's findscu returns for that row's query
# run alone; each bad row one error record (_row, _status, _error) and one
# "E: Row N:" line; exit 3. Run with --format ndjson and csv, --jobs 1 and 4,
# --jobs 4 --ordered (input order), --output FILE (equal to stdout as a set);
# --jobs N requests N associations (-d log);
# every record's _row a JSON number and first member (CSV: first column); a
# row's records contiguous. The same batch as TSV (--batch-format tsv and
# detected) gives the CSV batch's records. --count (batch and single query,
# with and without --format) equals the number of -w files of the same query.
# Two -f files: one C-FIND each on one association, records _row 1 and 2.
# wlmscpfs (tests/peers/worklist): a -W batch of station AE / modality /
# patient name rows (and malformed ones), in ndjson and csv, --jobs 1 and 4,
# and as TSV with --ordered: each row's AccessionNumbers those of DCMTK's
# findscu -W for the row alone.
# Exit status: 0 when every check passed.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dq_peers_require findscu "$DQ_PYTHON" || exit 1
[ -x "$findscu" ] || { echo "no findscu at $findscu"; exit 1; }
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/batch-$kind
mkdir -p "$work"
py=$work/batch.py

# The python side: batch generation, DCMTK's answers, our records parsed
# strictly (json.loads, csv module) and compared.
cat > "$py" <<'PY'
import csv, glob, json, os, random, re, sys

def rsp_values(d, keyword):
    import pydicom
    out = []
    for f in sorted(glob.glob(os.path.join(d, "rsp*.dcm"))):
        ds = pydicom.dcmread(f, force=True)
        out.append(str(ds.get(keyword, "")))
    return out

def write_rows(path, header, rows, sep):
    # rows: lists of str (or bytes for a cell that is not UTF-8); TSV has no
    # quoting (only "" stands for the empty value): a quoted CSV cell goes bare.
    if sep == "\t":
        rows = [[c[1:-1] if isinstance(c, str) and len(c) > 2 and c[0] == c[-1] == '"' else c
                 for c in r] for r in rows]
    with open(path, "wb") as f:
        f.write(sep.join(header).encode() + b"\n")
        for r in rows:
            f.write(sep.encode().join(c if isinstance(c, bytes) else c.encode() for c in r) + b"\n")

def save_plan(work, header, rows, kinds, sep_rows=True):
    """rows[i] cells; kinds[i] 'good' or 'bad'. Writes batch.csv, batch.tsv,
    plan.tsv (row, kind, query index) and queries.json (distinct good rows)."""
    write_rows(os.path.join(work, "batch.csv"), header, rows, ",")
    write_rows(os.path.join(work, "batch.tsv"), header, rows, "\t")
    queries, index = [], {}
    with open(os.path.join(work, "plan.tsv"), "w") as f:
        for n, (r, k) in enumerate(zip(rows, kinds), 1):
            q = ""
            if k == "good":
                key = tuple(c.strip('"') for c in r)
                if key not in index:
                    index[key] = len(queries)
                    queries.append(key)
                q = index[key]
            f.write(f"{n}\t{k}\t{q}\n")
    with open(os.path.join(work, "queries.json"), "w") as f:
        json.dump({"header": header, "queries": queries}, f)

def gen_qr(work, studies_dir):
    rng = random.Random(20261201)
    studies = []
    import pydicom
    for f in sorted(glob.glob(os.path.join(studies_dir, "rsp*.dcm"))):
        ds = pydicom.dcmread(f, force=True)
        studies.append((str(ds.PatientID), str(ds.StudyInstanceUID)))
    if len(studies) < 10:
        sys.exit(f"only {len(studies)} studies in {studies_dir}")
    header = ["PatientID", "StudyInstanceUID", "StudyDate"]
    wild = ["*", "SCS*", "id*", "*1", "*EXAMPLE", "?CT1"]
    rows, kinds = [], []
    bad = ["long-lo", "long-ui", "utf8", "cells"]
    for n in range(1, 201):
        p, u = rng.choice(studies)
        kind = "good"
        if n % 17 == 0:
            b = bad[(n // 17) % len(bad)]
            kind = "bad"
            if b == "long-lo":      # LO: 64 characters at most (PS3.5 6.2)
                r = ["L" * 65, "", ""]
            elif b == "long-ui":    # UI: 64 bytes at most
                r = ["", "1." + "2" * 63, ""]
            elif b == "utf8":
                r = [b"BAD\xff\xfeID", "", ""]
            else:
                r = [p, u, "", "extra"]
        else:
            t = n % 8
            if t == 0:
                r = [p, "", ""]
            elif t == 1:
                r = ["", u, ""]
            elif t == 2:
                r = [p, u, ""]
            elif t == 3:              # a patient with another patient's study
                p2, _ = rng.choice([s for s in studies if s[0] != p])
                r = [p2, u, ""]
            elif t == 4:
                r = [rng.choice(wild), "", ""]
            elif t == 5:
                r = ["", "", rng.choice(["20040101-20041231", "-20031231", "20030716"])]
            elif t == 6:
                r = [f"NOSUCH{n % 3}", "", ""]
            else:
                r = ['"' + p + '"', "", '""']   # quoted cells
        rows.append(r)
        kinds.append(kind)
    save_plan(work, header, rows, kinds)

def gen_wl(work):
    rng = random.Random(5)
    s = "ScheduledProcedureStepSequence[0]."
    header = [s + "ScheduledStationAETitle", s + "Modality", "PatientName"]
    stations = ["CT01", "MR01", "US01", "XX99", "", "*", "?R01"]
    modalities = ["CT", "MR", "US", "", "", "OT"]
    names = ["DOE^JOHN", "DOE*", "SMITH^JANE", "", "", "NOBODY", "*JANE"]
    rows, kinds = [], []
    for n in range(1, 61):
        kind = "good"
        if n % 15 == 0:
            kind = "bad"
            b = (n // 15) % 3
            if b == 0:
                r = ["S" * 17, "", ""]          # AE: 16 characters at most
            elif b == 1:
                r = ["CT01", "CT", "", "more"]
            else:
                r = ["", "", b"\xc3\x28OE"]
        else:
            r = [rng.choice(stations), rng.choice(modalities), rng.choice(names)]
        rows.append(r)
        kinds.append(kind)
    save_plan(work, header, rows, kinds)

def ref_args(work, *template):
    """One args file per distinct query: the template -k's with the row's cells."""
    q = json.load(open(os.path.join(work, "queries.json")))
    os.makedirs(os.path.join(work, "ref"), exist_ok=True)
    for i, cells in enumerate(q["queries"]):
        vals = dict(zip(q["header"], cells))
        args = []
        for kv in template:
            k, _, v = kv.partition("=")
            if vals.get(k, ""):
                v = vals[k]
            args += ["-k", f"{k}={v}"]
        with open(os.path.join(work, "ref", f"{i}.args"), "w") as f:
            f.write("\n".join(args) + "\n")
    print(len(q["queries"]))

def expected(work, keyword):
    out = []
    for line in open(os.path.join(work, "plan.tsv")):
        n, k, q = line.rstrip("\n").split("\t")
        if k == "bad":
            out.append(f"{n}\t!error")
        else:
            out += [f"{n}\t{v}" for v in rsp_values(os.path.join(work, "ref", q), keyword)]
    print("\n".join(sorted(out)))

def parse(fmt, path, tag, column):
    """Our records -> [(row, value or '!error')] in output order; checks each
    record's shape."""
    recs, errs = [], []
    data = open(path, "rb").read().decode("utf-8")
    if fmt == "ndjson":
        for i, line in enumerate(data.splitlines(), 1):
            pairs = json.loads(line, object_pairs_hook=list)
            if not pairs or pairs[0][0] != "_row" or type(pairs[0][1]) is not int:
                errs.append(f"line {i}: _row is not the first member or not a number: {line[:80]}")
                continue
            obj = json.loads(line)
            row = obj["_row"]
            if "_error" in obj:
                # _status: 0xHHHH, absent when no final status came (docs/formats.md)
                st = obj.get("_status", "0x0000")
                if (not isinstance(obj["_error"], str) or not obj["_error"] or
                        not isinstance(st, str) or not re.fullmatch(r"0x[0-9A-F]{4}", st) or
                        [k for k, _ in pairs] != ["_row"] + (["_status"] if "_status" in obj else []) + ["_error"]):
                    errs.append(f"line {i}: bad error record {line[:120]}")
                recs.append((row, "!error"))
            else:
                el = obj.get(tag, {})
                recs.append((row, str((el.get("Value") or [""])[0])))
    else:
        rows = list(csv.reader(data.splitlines(), delimiter="," if fmt == "csv" else "\t",
                               strict=True))
        h = rows[0]
        if h[0] != "_row" or "_error" not in h or "_status" not in h or column not in h:
            errs.append(f"header {h}")
            return recs, errs
        ie, ic, st = h.index("_error"), h.index(column), h.index("_status")
        for i, r in enumerate(rows[1:], 2):
            if (len(r) != len(h) or not r[0].isdigit() or
                    not re.fullmatch(r"(0x[0-9A-F]{4})?", r[st]) or (r[st] and not r[ie])):
                errs.append(f"line {i}: {r}")
                continue
            recs.append((int(r[0]), "!error" if r[ie] else r[ic]))
    return recs, errs

def check(fmt, path, tag, column, want, ordered):
    recs, errs = parse(fmt, path, tag, column)
    rows = [r for r, _ in recs]
    blocks = [r for i, r in enumerate(rows) if i == 0 or rows[i - 1] != r]
    if len(blocks) != len(set(blocks)):
        errs.append("a row's records are not contiguous")
    if ordered and blocks != sorted(blocks):
        errs.append("rows not in input order with --ordered")
    got = sorted(f"{r}\t{v}" for r, v in recs)
    exp = open(want).read().split("\n")
    exp = [e for e in exp if e]
    if got != sorted(exp):
        g, e = set(got), set(exp)
        errs.append(f"records differ from DCMTK's: missing {sorted(e - g)[:8]} extra {sorted(g - e)[:8]}"
                    f" ({len(got)} records, {len(exp)} expected)")
    for e in errs:
        print("    " + e)
    if not errs:
        print(f"{len(recs)} records, {len(set(rows))} rows")
    sys.exit(1 if errs else 0)

def counts(fmt, path):
    """--count output -> 'row<TAB>count' lines."""
    data = open(path, encoding="utf-8").read()
    out = []
    if fmt == "ndjson":
        for line in data.splitlines():
            pairs = json.loads(line, object_pairs_hook=list)
            assert pairs[0][0] == "_row" and type(pairs[0][1]) is int, line
            o = json.loads(line)
            out.append(f"{o['_row']}\t{o['_count']}")
    else:
        for line in data.splitlines():
            out.append(line)
    print("\n".join(sorted(out)))

cmd = sys.argv[1]
if cmd == "gen-qr": gen_qr(*sys.argv[2:])
elif cmd == "gen-wl": gen_wl(*sys.argv[2:])
elif cmd == "ref-args": ref_args(*sys.argv[2:])
elif cmd == "expected": expected(*sys.argv[2:])
elif cmd == "check": check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6],
                           sys.argv[7] == "ordered")
elif cmd == "values": print("\n".join(sorted(rsp_values(sys.argv[2], sys.argv[3]))))
elif cmd == "counts": counts(sys.argv[2], sys.argv[3])
else: sys.exit("unknown command " + cmd)
PY
pyb() { "$DQ_PYTHON" "$py" "$@"; }

# ours PEER NAME ARGS...: our findscu against PEER in $work/NAME (stdout in
# out, stderr in log, exit status in rc).
ours() {
  local peer=$1 d=$work/$2 rc=0
  shift 2
  mkdir -p "$d" || return 1
  (cd "$d" && exec "$findscu" -aet DQTEST -aec "$(aet_of "$peer")" -td 30 \
     127.0.0.1 "$(port_of "$peer")" "$@") > "$d/out" 2> "$d/log" || rc=$?
  echo "$rc" > "$d/rc"
}

# reference PEER MODEL TEMPLATE...: DCMTK's findscu once per distinct good row
# of the batch (queries.json), answers in $work/ref/N.
reference() {
  local peer=$1 model=$2 n i args t0=$SECONDS
  shift 2
  n=$(pyb ref-args "$work" "$@") || return 1
  for ((i = 0; i < n; i++)); do
    mapfile -t args < "$work/ref/$i.args"
    dq_find dcmtk "$peer" "$work/ref/$i" "$model" "${args[@]}" ||
      { fail "DCMTK findscu failed on query $i: ${args[*]}"; sed 's/^/    /' "$work/ref/$i/findscu.log"; }
  done
  echo "DCMTK findscu: $n distinct queries, $((SECONDS - t0)) s"
}

# bad_rows: the malformed rows' numbers, sorted.
bad_rows() { awk -F'\t' '$2 == "bad" { print $1 }' "$work/plan.tsv"; }

# check_run NAME FORMAT FILE TAG COLUMN [ordered]: a batch run's exit status,
# E: Row lines and records against the expected pairs.
check_run() {
  local name=$1 fmt=$2 file=$3 tag=$4 col=$5 ord=${6:-} d=$work/$1 msg rc
  rc=$(< "$d/rc")
  if [ "$rc" != 3 ]; then
    fail "$name: exit $rc, want 3 (malformed rows)"; tail -n 5 "$d/log" | sed 's/^/    /'; return
  fi
  if ! diff <(bad_rows) <(sed -n 's/^E: Row \([0-9]*\):.*/\1/p' "$d/log" | sort -n | uniq) > /dev/null; then
    fail "$name: the E: Row N: lines are not the malformed rows'"
    grep '^E:' "$d/log" | head -n 5 | sed 's/^/    /'
    return
  fi
  if msg=$(pyb check "$fmt" "$file" "$tag" "$col" "$work/expected.tsv" "$ord"); then
    pass "$name: $msg, each row as DCMTK's findscu alone, E: Row lines, exit 3"
  else
    fail "$name"; echo "$msg"
  fi
}

# same_set NAME A B: two outputs hold the same lines (as multisets).
same_set() {
  if diff <(sort "$2") <(sort "$3") > /dev/null; then pass "$1"
  else fail "$1"; diff <(sort "$2") <(sort "$3") | head -n 6 | sed 's/^/    /'; fi
}

# The batch under test, set by the peer's case: peer name, model option, the
# record's element (DICOM JSON tag, CSV column) and the template's -k args.
b_peer="" b_model="" b_tag="" b_col="" b_k=()

# batch NAME FORMAT FILE [ordered] -- ARGS...: our findscu on the batch (b_*,
# ARGS added), its records in FILE (relative to $work/NAME) checked.
batch() {
  local name=$1 fmt=$2 file=$3 ord=$4
  shift 5
  ours "$b_peer" "$name" "$b_model" "${b_k[@]}" --format "$fmt" "$@"
  check_run "$name" "$fmt" "$work/$name/$file" "$b_tag" "$b_col" "$ord"
}

# prepare TEMPLATE...: DCMTK's answers to the rows gen-* wrote, and from them
# the expected (row, value) pairs.
prepare() {
  reference "$b_peer" "$b_model" "$@"
  pyb expected "$work" "$b_col" > "$work/expected.tsv" || { fail "expected set"; return 1; }
  echo "expected: $(grep -c . "$work/expected.tsv") (row, match) pairs, $(bad_rows | wc -l) malformed rows"
}

# formats_jobs: the CSV batch with --format ndjson and csv, --jobs 1 and 4.
formats_jobs() {
  local fmt jobs name n
  for fmt in ndjson csv; do
    for jobs in 1 4; do
      name=$fmt-j$jobs
      # -d: the association requests are logged (as D: lines in a batch)
      batch "$name" "$fmt" out "" -- --batch "$work/batch.csv" --jobs "$jobs" -d
      n=$(grep -c 'Requesting Association' "$work/$name/log")
      if [ "$n" = "$jobs" ]; then pass "$name: $n association(s)"
      else fail "$name: $n associations requested, want $jobs"; fi
    done
  done
}

qr_template=(QueryRetrieveLevel=STUDY PatientID= StudyInstanceUID= StudyDate=)

# The 200-row study batch in every format and job count.
qr_batch() {
  local t0=$SECONDS fmt name k
  b_peer=qr b_model=-S b_tag=0020000D b_col=StudyInstanceUID b_k=()
  for k in "${qr_template[@]}"; do b_k+=(-k "$k"); done
  dq_find dcmtk qr "$work/studies" -S -k QueryRetrieveLevel=STUDY -k PatientID= \
    -k StudyInstanceUID= || { fail "DCMTK findscu: the study list"; return; }
  pyb gen-qr "$work" "$work/studies" || { fail "batch generation"; return; }
  prepare "${qr_template[@]}" || return
  formats_jobs
  for fmt in ndjson csv; do
    batch "$fmt-j4-ordered" "$fmt" out ordered -- --batch "$work/batch.csv" --jobs 4 --ordered
    name=$fmt-j4-output
    batch "$name" "$fmt" "records.$fmt" "" -- --batch "$work/batch.csv" --jobs 4 \
      --output "$work/$name/records.$fmt"
    if [ -s "$work/$name/out" ]; then fail "$name: records on stdout too"; fi
    same_set "$fmt --output FILE: the file holds the records of stdout (--jobs 1)" \
      "$work/$fmt-j1/out" "$work/$name/records.$fmt"
  done
  # TSV batch: the CSV batch's records.
  batch tsv-given ndjson out "" -- --batch "$work/batch.tsv" --batch-format tsv
  batch tsv-detected ndjson out "" -- --batch "$work/batch.tsv"
  for name in tsv-given tsv-detected; do
    same_set "$name: TSV batch gives the CSV batch's records" "$work/ndjson-j1/out" "$work/$name/out"
  done
  echo "study batch: $((SECONDS - t0)) s"
}

# --count against the number of -w files of the same query, for a few rows.
qr_count() {
  local vals=("*" "SCS*" "1CT1" "NOSUCH" "id*") i v n want=() got
  printf 'PatientID\n' > "$work/count.csv"
  for ((i = 0; i < ${#vals[@]}; i++)); do
    v=${vals[$i]}
    printf '%s\n' "$v" >> "$work/count.csv"
    ours qr "count-w$i" -S -w -k QueryRetrieveLevel=STUDY -k "PatientID=$v" -k StudyInstanceUID=
    n=$(find "$work/count-w$i" -name 'rsp*.dcm' | wc -l)
    want+=("$((i + 1))	$n")
    ours qr "count-1-$i" -S --count -k QueryRetrieveLevel=STUDY -k "PatientID=$v" -k StudyInstanceUID=
    got=$(< "$work/count-1-$i/out")
    if [ "$(< "$work/count-w$i/rc")" = 0 ] && [ "$got" = "$n" ]; then
      pass "--count PatientID=$v: $got, as many as the -w files"
    else
      fail "--count PatientID=$v: '$got', -w wrote $n files"
    fi
  done
  printf '%s\n' "${want[@]}" | sort > "$work/count-want"
  ours qr count-batch -S --count "${b_k[@]}" --batch "$work/count.csv"
  ours qr count-batch-nd -S --count "${b_k[@]}" --batch "$work/count.csv" --format ndjson --jobs 2
  for name in count-batch count-batch-nd; do
    local fmt=plain
    [ "$name" = count-batch-nd ] && fmt=ndjson
    if [ "$(< "$work/$name/rc")" = 0 ] &&
       pyb counts "$fmt" "$work/$name/out" > "$work/$name/counts" &&
       diff "$work/count-want" "$work/$name/counts" > /dev/null; then
      pass "--batch --count ($fmt): each row's count is the number of -w files"
    else
      fail "--batch --count ($fmt): exit $(< "$work/$name/rc")"
      diff "$work/count-want" "$work/$name/counts" | sed 's/^/    /'
    fi
  done
}

# Two -f query files: one C-FIND each on one association.
qr_files() {
  "$DQ_PYTHON" - "$work" <<'PYF' || { fail "query files"; return; }
import sys
from pydicom.dataset import Dataset
# A bare data set (no File Meta), implicit VR little endian: both findscus read it.
for name, pid in (("q1.dcm", "1CT1"), ("q2.dcm", "SCS*")):
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.PatientID = pid
    ds.StudyInstanceUID = ""
    ds.is_little_endian, ds.is_implicit_VR = True, True
    ds.save_as(f"{sys.argv[1]}/{name}")
PYF
  local i
  : > "$work/files-want.tsv"
  for i in 1 2; do
    dq_find dcmtk qr "$work/files-ref$i" -S "$work/q$i.dcm" ||
      { fail "DCMTK findscu on q$i.dcm"; return; }
    pyb values "$work/files-ref$i" StudyInstanceUID | sed "s/^/$i\t/" >> "$work/files-want.tsv"
  done
  ours qr files -S -d --format ndjson -f "$work/q1.dcm" -f "$work/q2.dcm"
  local log=$work/files/log nassoc
  nassoc=$(grep -c 'Requesting Association' "$log")
  if [ "$(< "$work/files/rc")" = 0 ] && [ "$nassoc" = 1 ] &&
     grep -q 'Sending Find Request: MsgID 1$' "$log" &&
     grep -q 'Sending Find Request: MsgID 2$' "$log" &&
     [ "$(grep -c 'Sending Find Request' "$log")" = 2 ]; then
    pass "two -f files: two C-FINDs (MsgID 1, 2) on one association"
  else
    fail "two -f files: exit $(< "$work/files/rc"), $nassoc associations"
    grep -E 'Association|Find Request' "$log" | sed 's/^/    /'
  fi
  local msg
  if msg=$(pyb check ndjson "$work/files/out" 0020000D StudyInstanceUID "$work/files-want.tsv" ordered); then
    pass "two -f files: records _row 1 and 2, each file's matches as DCMTK's ($msg)"
  else
    fail "two -f files: records"; echo "$msg"
  fi
}

wl_batch() {
  local t0=$SECONDS
  dq_query_load worklist || { fail "no worklist query"; return; }
  b_peer=wl b_model=-W b_tag=00080050 b_col=AccessionNumber b_k=("${DQ_Q_ARGS[@]}")
  pyb gen-wl "$work" || { fail "batch generation"; return; }
  prepare "${DQ_Q_K[@]}" || return
  formats_jobs
  batch tsv ndjson out ordered -- --batch "$work/batch.tsv" --jobs 2 --ordered
  echo "worklist batch: $((SECONDS - t0)) s"
}

case $kind in
dcmqrscp)
  dq_dcmqrscp_start qr || exit 1
  qr_batch
  qr_count
  qr_files
  ;;
wlmscpfs)
  dq_wlmscpfs_start wl || exit 1
  wl_batch
  ;;
*)
  echo "unknown peer kind: $kind"; exit 1 ;;
esac

echo "$fails failure(s)"
exit $((fails > 0))
