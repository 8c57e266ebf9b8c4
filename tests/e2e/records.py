#!/usr/bin/python3
"""Turn findscu --format output into match lines, as matches.py prints them.

usage: records.py FORMAT FILE KEY [KEY...]
       records.py --batch < JOBS   (lines "FORMAT<TAB>FILE<TAB>DIR<TAB>KEY KEY...":
                                    writes DIR/records.tsv and, from DIR's rsp*.dcm,
                                    DIR/matches.tsv)

FORMAT is json, ndjson, csv, tsv or xml. Each document is parsed strictly
(json.loads, Python's csv module, xml.etree): a malformed one is an error.
JSON and XML records become pydicom data sets (Dataset.from_json; the
Native DICOM Model is read into the same JSON model first) and go through
matches.py's own lookup, so a record prints exactly as the response file it
came from. CSV/TSV cells are text: a key prints as KEY=cell, so an absent
element and an empty one look the same (the caller maps matches.py's
KEY!absent to KEY= before comparing).
"""
import csv
import io
import json
import os
import sys
import warnings
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
import matches  # noqa: E402  (tests/peers/matches.py)
import pydicom  # noqa: E402

NS = "{http://dicom.nema.org/PS3.19/models/NativeDICOM}"
PN_PARTS = ["FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix"]


def local(tag):
    return tag.split("}", 1)[-1]


def xml_person_name(pn):
    groups = {}
    for group in pn:
        parts = {local(c.tag): (c.text or "") for c in group}
        groups[local(group.tag)] = "^".join(parts.get(p, "") for p in PN_PARTS).rstrip("^")
    return groups


def xml_to_json(model):
    """A <NativeDicomModel> as the DICOM JSON Model's dict."""
    out = {}
    for attr in model:
        if local(attr.tag) != "DicomAttribute":
            raise ValueError(f"unexpected element {attr.tag}")
        vr = attr.get("vr")
        entry = {"vr": vr}
        values, items, names, inline = {}, {}, {}, None
        for child in attr:
            kind = local(child.tag)
            if kind == "Value":
                values[int(child.get("number"))] = child.text or ""
            elif kind == "Item":
                items[int(child.get("number"))] = xml_to_json(child)
            elif kind == "PersonName":
                names[int(child.get("number"))] = xml_person_name(child)
            elif kind == "InlineBinary":
                inline = child.text or ""
        if items:
            entry["Value"] = [items[k] for k in sorted(items)]
        elif names:
            entry["Value"] = [names[k] for k in sorted(names)]
        elif values:
            vals = [values[k] for k in sorted(values)]
            if vr in ("US", "UL", "SS", "SL", "UV", "SV"):
                vals = [int(v) for v in vals]
            elif vr in ("FL", "FD"):
                vals = [float(v) for v in vals]
            entry["Value"] = vals
        elif inline is not None:
            entry["InlineBinary"] = inline
        out[attr.get("tag")] = entry
    return out


def json_records(fmt, data):
    if fmt == "json":
        doc = json.loads(data)
        if not isinstance(doc, list):
            raise ValueError("the json document is not an array")
        return doc
    if fmt == "ndjson":
        text = data.decode("utf-8")
        if text and not text.endswith("\n"):
            raise ValueError("the last ndjson line is not complete")
        return [json.loads(line) for line in text.splitlines()]
    root = ET.fromstring(data)
    if local(root.tag) != "NativeDicomModels":
        raise ValueError(f"root element {root.tag}")
    return [xml_to_json(m) for m in root]


def cell_lines(fmt, data, keys):
    text = data.decode("utf-8")
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    else:
        esc = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}

        def unescape(cell):
            out, i = [], 0
            while i < len(cell):
                if cell[i] == "\\":
                    out.append(esc[cell[i + 1]])
                    i += 2
                else:
                    out.append(cell[i])
                    i += 1
            return "".join(out)

        rows = [[unescape(c) for c in line.split("\t")] for line in text.split("\n")[:-1]]
    header, body = rows[0], rows[1:]
    for row in body:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells under {len(header)} columns")
    cols = [header.index(k) for k in keys]
    return sorted("\t".join(f"{k}={row[c]}" for k, c in zip(keys, cols)) for row in body)


def record_lines(fmt, path, keys):
    with open(path, "rb") as f:
        data = f.read()
    if fmt in ("csv", "tsv"):
        lines = cell_lines(fmt, data, keys)
    else:
        lines = sorted(
            matches.match_line(pydicom.Dataset.from_json(obj), keys)
            for obj in json_records(fmt, data)
        )
    return "".join(line + "\n" for line in lines).encode("utf-8")


def main(argv):
    warnings.simplefilter("ignore")
    if argv[1:2] == ["--batch"]:
        status = 0
        for job in sys.stdin.read().splitlines():
            fmt, path, folder, keys = job.split("\t")
            try:
                lines = record_lines(fmt, path, keys.split())
            except Exception as exc:  # one bad document: say which, go on
                print(f"records.py: {path}: {exc!r}", file=sys.stderr)
                lines, status = b"(unreadable)\n", 1
            with open(os.path.join(folder, "records.tsv"), "wb") as out:
                out.write(lines)
            with open(os.path.join(folder, "matches.tsv"), "wb") as out:
                out.write(matches.match_lines(folder, "rsp*.dcm", keys.split()))
        return status
    if len(argv) < 4:
        sys.exit(__doc__.split("\n\n")[1])
    sys.stdout.buffer.write(record_lines(argv[1], argv[2], argv[3:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
