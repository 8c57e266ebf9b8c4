#!/usr/bin/python3
"""Print the match set of C-FIND response files, one line per response, sorted.

usage: matches.py [--glob PATTERN] DIR KEY [KEY...]
       matches.py --batch < JOBS     (lines "DIR<TAB>KEY KEY...": writes DIR/matches.tsv)

DIR holds the response identifiers as Part 10 files: DCMTK `findscu -X`
writes rsp0001.dcm..., our findscu `-w` writes rsp000001.dcm...; every
rsp*.dcm there (or every file matching PATTERN) is read, without force: a file
pydicom cannot read as Part 10 is an error. With --glob the peers' own data
files can be listed the same way, to check an expected set against the data. KEY is a keyword or a path into a sequence item, e.g.
PatientName or ScheduledProcedureStepSequence[0].Modality.

Each line is KEY=VALUE fields joined by TAB, values decoded through the
response's Specific Character Set and written as UTF-8; multi-valued elements
joined with a backslash; trailing padding dropped (as pydicom does); a key the
response lacks prints as KEY!absent. Lines are sorted (duplicates kept), so
two runs compare with `diff`: the tests/peers/expected/*.tsv files are such
output.
"""
import glob
import os
import re
import sys
import warnings

try:
    import pydicom
except ImportError:  # pragma: no cover - depends on the host
    sys.exit("matches.py: pydicom is missing (Debian package python3-pydicom)")

STEP = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?$")


def lookup(ds, path):
    """Value at a dotted keyword path, or None when absent."""
    node = ds
    steps = path.split(".")
    for i, step in enumerate(steps):
        m = STEP.match(step)
        if not m:
            sys.exit(f"matches.py: bad key {path!r}")
        keyword, index = m.group(1), m.group(2)
        if keyword not in node:
            return None
        elem = node[keyword]
        if index is not None:
            if elem.VR != "SQ" or int(index) >= len(elem.value):
                return None
            node = elem.value[int(index)]
            if i == len(steps) - 1:
                return "(item)"
            continue
        if i != len(steps) - 1:
            if elem.VR != "SQ" or not elem.value:
                return None
            node = elem.value[0]
            continue
        return text(elem)
    return None


def text(elem):
    if elem.VR == "SQ":
        return f"({len(elem.value)} items)"
    value = elem.value
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value)


def match_line(ds, keys):
    """One response's line: KEY=VALUE fields (KEY!absent) joined by TAB."""
    fields = []
    for key in keys:
        value = lookup(ds, key)
        fields.append(f"{key}!absent" if value is None else f"{key}={value}")
    return "\t".join(fields)


def match_lines(folder, pattern, keys):
    """The sorted match lines of the files in folder."""
    lines = []
    for path in sorted(glob.glob(os.path.join(folder, pattern))):
        try:
            ds = pydicom.dcmread(path)
            ds.decode()
        except Exception as exc:  # report which file, then fail
            sys.exit(f"matches.py: {path}: {exc}")
        lines.append(match_line(ds, keys))
    lines.sort()
    return "".join(line + "\n" for line in lines).encode("utf-8")


def main(argv):
    # The samples have known oddities (e.g. a non-conformant UID) that pydicom
    # warns about on every read: not the subject here.
    warnings.simplefilter("ignore")
    pattern = "rsp*.dcm"
    if argv[1:2] == ["--batch"]:
        # One interpreter for many sets: pydicom's import is most of the cost.
        for job in sys.stdin.read().splitlines():
            folder, _, keys = job.partition("\t")
            with open(os.path.join(folder, "matches.tsv"), "wb") as out:
                out.write(match_lines(folder, pattern, keys.split()))
        return 0
    if len(argv) > 2 and argv[1] == "--glob":
        pattern = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    sys.stdout.buffer.write(match_lines(argv[1], pattern, argv[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
