#!/usr/bin/env bash
# findscu --expand end to end against a real Query/Retrieve SCP holding the
# sample studies (and copies of one with new UIDs): DCMTK dcmqrscp or Orthanc.
#
#   tests/e2e/expand.sh FINDSCU dcmqrscp|orthanc
#
# Our findscu walks the hierarchy in one run (-S -L STUDY --expand image, and
# -P -L PATIENT --expand series); DCMTK's findscu walks it one query at a time
# (a level's query per match of the level above, each with the parent's
# unique keys, PS3.4 C.4.1.2.1). Per walk: the (level, unique keys) sets must
# be equal, every record's parents' unique keys present, and every level's
# set that of the files loaded into the peer (read with pydicom). Then
# --count the number of records, and the models without the level refused.
# Exit status: failures.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dq_peers_require findscu "$DQ_PYTHON" || exit 1
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/expand-$kind
mkdir -p "$work"

# make_copies: copies of CT_small.dcm with new UIDs (pydicom's generate_uid,
# derived from the original's so every run makes the same), for a second
# image in its series, a second series in its study and a second study of its
# patient: the samples alone hold one instance per patient, study and series,
# which would not catch a walk that expands only the first match of a level.
make_copies() {
  "$DQ_PYTHON" - "$(dq_sample_path CT_small.dcm)" "$work" <<'PY'
import os, sys
import pydicom
from pydicom.uid import generate_uid

src, work = sys.argv[1:3]
for name, new in (("image", ["SOPInstanceUID"]),
                  ("series", ["SeriesInstanceUID", "SOPInstanceUID"]),
                  ("study", ["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"])):
    ds = pydicom.dcmread(src)
    for k in new:
        setattr(ds, k, generate_uid(entropy_srcs=[str(getattr(ds, k)), name]))
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    out = os.path.join(work, f"CT_small-{name}.dcm")
    ds.save_as(out, write_like_original=False)
    print(out)
PY
}

# The files the peer holds: the default samples and the copies, named to its
# start explicitly so that the files check reads exactly what was loaded.
loaded=()
for f in "${DQ_SAMPLE_FILES[@]}"; do loaded+=("$(dq_sample_path "$f")"); done
mapfile -t -O "${#loaded[@]}" loaded < <(make_copies)
[ "${#loaded[@]}" = $((${#DQ_SAMPLE_FILES[@]} + 3)) ] || { echo "could not make the copies"; exit 1; }
printf '%s\n' "${loaded[@]}" > "$work/loaded.txt"

case $kind in
dcmqrscp) dq_dcmqrscp_start qr "${loaded[@]}" > /dev/null || exit 1 ;;
orthanc) dq_orthanc_start qr "${loaded[@]}" > /dev/null || exit 1 ;;
*) echo "usage: $0 FINDSCU dcmqrscp|orthanc"; exit 1 ;;
esac
port=$(port_of qr)
qr_aet=$(aet_of qr)

# walk_ours NAME MODEL LEVEL EXPAND: our walk in $work/NAME, ndjson records
# (and -w files, which must be the same set).
walk_ours() {
  mkdir -p "$work/$1"
  (cd "$work/$1" && exec "$findscu" -q "$2" -aec "$qr_aet" -L "$3" --expand "$4" -w \
      --format ndjson --output records.ndjson 127.0.0.1 "$port") 2> "$work/$1/findscu.log" ||
    { fail "$2 -L $3 --expand $4: exit $?"; sed 's/^/    /' "$work/$1/findscu.log"; }
}

# The comparisons, in Python: "walks NAME MODEL LEVELS" (ours against DCMTK's
# findscu walking the levels itself) and "files NAME LEVELS" (ours against
# the loaded files). LEVELS: comma list, top down.
cat > "$work/expand.py" <<'PY'
import glob, json, os, subprocess, sys
import pydicom

KEYS = {"PATIENT": ["PatientID"], "STUDY": ["StudyInstanceUID"],
        "SERIES": ["SeriesInstanceUID"], "IMAGE": ["SOPInstanceUID"]}
TAGS = {"PatientID": "00100020", "StudyInstanceUID": "0020000D",
        "SeriesInstanceUID": "0020000E", "SOPInstanceUID": "00080018"}
work, port, qr_aet, what, name = sys.argv[1:6]
n = [0]

def entry(level, keys):
    return (level,) + tuple(sorted(keys.items()))

def dcmtk(model, level, parents):
    """DCMTK findscu at level with the parents' unique keys: the matches' keys."""
    n[0] += 1
    out = os.path.join(work, name, "dcmtk", str(n[0]))
    os.makedirs(out)
    args = ["findscu", "-aec", qr_aet, model, "-X", "-od", out, "-k", "QueryRetrieveLevel=" + level]
    args += sum((["-k", f"{k}={v}"] for k, v in parents.items()), [])
    args += sum((["-k", k + "="] for k in KEYS[level]), [])
    subprocess.run(args + ["127.0.0.1", port], check=True, capture_output=True)
    found = []
    for f in sorted(glob.glob(os.path.join(out, "rsp*.dcm"))):
        ds = pydicom.dcmread(f)
        found.append({k: str(ds.get(k, "")) for k in KEYS[level]})
    return found

def walk(model, levels, parents, into):
    level = levels[0]
    for m in dcmtk(model, level, parents):
        keys = dict(parents, **m)
        into.add(entry(level, keys))
        if len(levels) > 1:
            walk(model, levels[1:], keys, into)

def records(levels):
    """Our records' (level, unique keys of it and the levels above) set."""
    got, bad = set(), []
    with open(os.path.join(work, name, "records.ndjson"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            level = r.get("00080052", {}).get("Value", [""])[0]
            if level not in levels:
                bad.append(f"record of level '{level}': {line[:120]}"); continue
            keys = {}
            for lv in levels[: levels.index(level) + 1]:
                for k in KEYS[lv]:
                    v = r.get(TAGS[k], {}).get("Value", [""])[0]
                    if not v:
                        bad.append(f"{level} record without {k}: {line[:120]}")
                    keys[k] = v
            if r["_row"] != 1 or list(r)[0] != "_row":
                bad.append("_row is not the first member, 1: " + line[:80])
            got.add(entry(level, keys))
    return got, bad

def loaded(levels):
    """The loaded files' (level, unique keys) set, every level of the walk."""
    want = set()
    with open(os.path.join(work, "loaded.txt"), encoding="utf-8") as f:
        paths = f.read().split()
    for p in paths:
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        keys = {}
        for lv in levels:
            for k in KEYS[lv]:
                keys[k] = str(ds.get(k, ""))
            want.add(entry(lv, keys))
    return want, len(paths)

def compare(want, got, bad):
    for b in bad:
        print("  " + b)
    for w in sorted(want - got):
        print("  missing:", w)
    for g in sorted(got - want):
        print("  extra:", g)
    return len(bad) + len(want ^ got)

def per_level(s, levels):
    return {lv: sum(1 for e in s if e[0] == lv) for lv in levels}

if what == "walks":
    model, levels = sys.argv[6], sys.argv[7].split(",")
    want = set()
    walk(model, levels, {}, want)
    got, bad = records(levels)
    files = len(glob.glob(os.path.join(work, name, "rsp*.dcm")))
    print(f"{name}: DCMTK walk {per_level(want, levels)}, ours {len(got)} records, {files} -w files")
    fails = compare(want, got, bad)
    if files != len(got) or not want:
        print("  -w files / records / walk size disagree"); fails += 1
else:
    levels = sys.argv[6].split(",")
    want, nfiles = loaded(levels)
    got, bad = records(levels)
    print(f"{name}: {nfiles} files loaded {per_level(want, levels)}, ours {per_level(got, levels)}")
    fails = compare(want, got, bad)
sys.exit(1 if fails else 0)
PY

# check_walks NAME MODEL LEVELS: our walk equals DCMTK's level by level.
check_walks() {
  if "$DQ_PYTHON" "$work/expand.py" "$work" "$port" "$qr_aet" walks "$@"; then
    pass "$1: --expand walk equals DCMTK findscu's level-by-level walk"
  else
    fail "$1: the walks differ (above)"
  fi
}

# check_files NAME LEVELS: every level of our walk is that of the loaded files.
check_files() {
  if "$DQ_PYTHON" "$work/expand.py" "$work" "$port" "$qr_aet" files "$@"; then
    pass "$1: --expand walk equals the files loaded into $kind"
  else
    fail "$1: the walk differs from the loaded files (above)"
  fi
}

# check_count: --count is the number of records of the same walk.
check_count() {
  local want got
  want=$(wc -l < "$work/study-image/records.ndjson")
  got=$("$findscu" -q -S -aec "$qr_aet" -L STUDY --expand image --count 127.0.0.1 "$port")
  if [ "$got" = "$want" ]; then pass "--count $got = the walk's records"
  else fail "--count gave '$got', the walk has $want records"; fi
}

# check_usage: models and levels that cannot expand are usage errors, exit 2,
# nothing sent.
check_usage() {
  local args rc
  for args in "-O -L STUDY --expand series" "-W -k PatientName= --expand series" \
              "-S -L STUDY --expand study"; do
    # shellcheck disable=SC2086  # the words are the options
    "$findscu" -q $args 127.0.0.1 "$port" 2> "$work/usage.err"
    rc=$?
    if [ "$rc" = 2 ] && grep -q "argument --expand" "$work/usage.err"; then pass "$args: exit 2"
    else fail "$args: exit $rc, $(cat "$work/usage.err")"; fi
  done
}

# check_jobs NAME MODEL LEVEL EXPAND: the walk with --jobs 4 spreads its
# queries over several associations and writes the same records, byte for
# byte (a row's records are joined in the walk's order whichever association
# ran each query), and as many -w files.
check_jobs() {
  local dir=$work/$1-jobs assocs
  mkdir -p "$dir"
  (cd "$dir" && exec "$findscu" "$2" -aec "$qr_aet" -L "$3" --expand "$4" --jobs 4 -w \
      --format ndjson --output records.ndjson 127.0.0.1 "$port") 2> "$dir/findscu.log" ||
    { fail "$2 -L $3 --expand $4 --jobs 4: exit $?"; sed 's/^/    /' "$dir/findscu.log"; return; }
  assocs=$(grep -c "^I: Association Accepted" "$dir/findscu.log")
  if ! cmp -s "$work/$1/records.ndjson" "$dir/records.ndjson"; then
    fail "$1 --jobs 4: records differ from --jobs 1's"
    diff "$work/$1/records.ndjson" "$dir/records.ndjson" | head -5 | sed 's/^/    /'
  elif [ "$(find "$dir" -maxdepth 1 -name 'rsp*.dcm' | wc -l)" != \
         "$(find "$work/$1" -maxdepth 1 -name 'rsp*.dcm' | wc -l)" ]; then
    fail "$1 --jobs 4: a different number of -w files"
  elif [ "$assocs" -lt 2 ]; then
    fail "$1 --jobs 4: the walk ran on $assocs association(s)"
  else
    pass "$1 --jobs 4: the same records as --jobs 1, on $assocs associations"
  fi
}

# check_batch_ordered: a --batch of walks (each loaded file's PatientID, a
# wildcard, a no-match, twice over) with --jobs 4 --ordered writes what
# --jobs 1 writes, byte for byte: rows in input order, each row's records in
# its walk's order, whichever association ran which query.
check_batch_ordered() {
  local dir=$work/batch j
  mkdir -p "$dir"
  { echo PatientID
    for _ in 1 2; do
      "$DQ_PYTHON" -c 'import sys, pydicom
for f in sys.argv[1:]: print(pydicom.dcmread(f, stop_before_pixels=True).PatientID)' "${loaded[@]}"
      echo '*'; echo NO-SUCH-PATIENT
    done; } > "$dir/rows.csv"
  for j in 1 4; do
    "$findscu" -q -S -aec "$qr_aet" -L STUDY --expand image --batch "$dir/rows.csv" --jobs "$j" \
      --ordered --format ndjson --output "$dir/jobs$j.ndjson" 127.0.0.1 "$port" \
      2> "$dir/jobs$j.log" || { fail "--batch --expand --jobs $j: exit $?"; return; }
  done
  if [ ! -s "$dir/jobs1.ndjson" ]; then fail "--batch --expand: no records"
  elif cmp -s "$dir/jobs1.ndjson" "$dir/jobs4.ndjson"; then
    pass "--batch --expand --jobs 4 --ordered: $(wc -l < "$dir/jobs4.ndjson") records, as --jobs 1's"
  else fail "--batch --expand --jobs 4 --ordered: records differ from --jobs 1's"; fi
}

walk_ours study-image -S STUDY image
walk_ours patient-series -P PATIENT series
check_walks study-image -S STUDY,SERIES,IMAGE
check_walks patient-series -P PATIENT,STUDY,SERIES
check_files study-image STUDY,SERIES,IMAGE
check_files patient-series PATIENT,STUDY,SERIES
check_jobs study-image -S STUDY image
check_jobs patient-series -P PATIENT series
check_batch_ordered
check_count
check_usage
exit "$fails"
