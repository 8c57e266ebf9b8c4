#!/usr/bin/env bash
# findscu --expand end to end against DCMTK dcmqrscp (the sample studies).
#
#   tests/e2e/expand.sh FINDSCU dcmqrscp
#
# Our findscu walks the hierarchy in one run (-L STUDY --expand image, and
# -P -L PATIENT --expand series); DCMTK's findscu walks it one query at a time
# (a level's query per match of the level above, each with the parent's
# unique keys, PS3.4 C.4.1.2.1). The (level, unique keys) sets must be equal,
# every record's parents' unique keys present, --count the number of
# records, and the models without the level refused. Exit status: failures.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dq_peers_require findscu "$DQ_PYTHON" || exit 1
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/expand
mkdir -p "$work"
dq_dcmqrscp_start qr > /dev/null || exit 1
port=$(port_of qr)
qr_aet=$(aet_of qr)

# Our walk: ndjson records (and -w files, which must be the same set).
ours() { # OUT MODEL LEVEL EXPAND
  mkdir -p "$1"
  (cd "$1" && exec "$findscu" -q "$2" -aec "$qr_aet" -L "$3" --expand "$4" -w --format ndjson \
      --output records.ndjson 127.0.0.1 "$port")
}

ours "$work/study-image" -S STUDY image || fail "-S -L STUDY --expand image: exit $?"
ours "$work/patient-series" -P PATIENT series || fail "-P -L PATIENT --expand series: exit $?"

# What DCMTK's findscu finds walking the same levels itself, against ours.
"$DQ_PYTHON" - "$work" "$port" "$qr_aet" <<'PY' || fail "the walks differ (above)"
import glob, json, os, subprocess, sys
import pydicom

work, port, qr_aet = sys.argv[1:4]
KEYS = {"PATIENT": ["PatientID"], "STUDY": ["StudyInstanceUID"],
        "SERIES": ["SeriesInstanceUID"], "IMAGE": ["SOPInstanceUID"]}
TAGS = {"PatientID": "00100020", "StudyInstanceUID": "0020000D",
        "SeriesInstanceUID": "0020000E", "SOPInstanceUID": "00080018"}
n = [0]

def dcmtk(model, level, parents):
    """DCMTK findscu at level with the parents' unique keys: the matches' keys."""
    n[0] += 1
    out = os.path.join(work, "dcmtk", str(n[0]))
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
        into.add((level,) + tuple(sorted(keys.items())))
        if len(levels) > 1:
            walk(model, levels[1:], keys, into)

def records(path, levels):
    got, bad = set(), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            level = r["00080052"]["Value"][0]
            keys = {}
            for lv in levels[: levels.index(level) + 1]:
                for k in KEYS[lv]:
                    v = r.get(TAGS[k], {}).get("Value", [""])[0]
                    if not v:
                        bad.append(f"{level} record without {k}: {line[:120]}")
                    keys[k] = v
            if r["_row"] != 1 or list(r)[0] != "_row":
                bad.append("_row is not the first member, 1: " + line[:80])
            got.add((level,) + tuple(sorted(keys.items())))
    return got, bad

fails = 0
for name, model, levels in (("study-image", "-S", ["STUDY", "SERIES", "IMAGE"]),
                            ("patient-series", "-P", ["PATIENT", "STUDY", "SERIES"])):
    want = set()
    walk(model, levels, {}, want)
    got, bad = records(os.path.join(work, name, "records.ndjson"), levels)
    files = len(glob.glob(os.path.join(work, name, "rsp*.dcm")))
    per = {lv: sum(1 for w in want if w[0] == lv) for lv in levels}
    print(f"{name}: DCMTK walk {per}, ours {len(got)} records, {files} -w files")
    for b in bad:
        print("  " + b); fails += 1
    for w in sorted(want - got):
        print("  missing:", w); fails += 1
    for g in sorted(got - want):
        print("  extra:", g); fails += 1
    if files != len(got) or not want:
        print("  -w files / records / walk size disagree"); fails += 1
sys.exit(1 if fails else 0)
PY
[ "$fails" = 0 ] && pass "--expand walks equal DCMTK's level-by-level walks"

# --count: the number of records of the same walk.
want=$(wc -l < "$work/study-image/records.ndjson")
got=$("$findscu" -q -S -aec "$qr_aet" -L STUDY --expand image --count 127.0.0.1 "$port")
if [ "$got" = "$want" ]; then pass "--count $got = the walk's records"
else fail "--count gave '$got', the walk has $want records"; fi

# Models and levels that cannot expand: usage errors, exit 2, nothing sent.
for args in "-O -L STUDY --expand series" "-W -k PatientName= --expand series" \
            "-S -L STUDY --expand study"; do
  # shellcheck disable=SC2086  # the words are the options
  "$findscu" -q $args 127.0.0.1 "$port" 2> "$work/usage.err"
  rc=$?
  if [ "$rc" = 2 ] && grep -q "argument --expand" "$work/usage.err"; then pass "$args: exit 2"
  else fail "$args: exit $rc, $(cat "$work/usage.err")"; fi
done
exit "$fails"
