#!/usr/bin/env python3
"""dicomdump --format json|xml against DCMTK's dcm2json and
dcm2xml --native-format, file by file, where both define the same thing.

    formats_dcmtk.py json|xml DICOMDUMP FILE...

Both documents are parsed and compared element by element (tag, VR,
keyword, private creator, every value, person name component, item and
inline binary). The differences we keep on purpose (docs/formats.md) are
normalised away and reported as notes; any other difference fails. A file
DCMTK cannot convert (ISO 2022 IR 87 with glibc's iconv, compressed pixel
data in JSON, ...) or that dicomdump rejects is noted, with DCMTK's reason.
Exit status: the number of failing files.
"""
import base64
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import pydicom.datadict

from formats_common import diff, norm_json, unreadable

SWAPPED = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}
NUMERIC = {"DS", "IS", "FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"}


def pn_empty(v):
    """A name made only of delimiters ("^^^^") has no value for DCMTK."""
    return v is None or (isinstance(v, dict) and all(not re.sub(r"[\^=]", "", g or "") for g in v.values()))


class Keep:
    """The differences from DCMTK we keep, applied to both sides (a, ours;
    b, DCMTK's) of one data set in the DICOM JSON shape, and noted."""

    def __init__(self, xml):
        self.notes = set()
        self.xml = xml

    def note(self, key, text):
        self.notes.add(f"({key[:4]},{key[4:8]}) {text}" if key else text)

    def apply(self, a, b):
        if self.xml:
            self.private_tags(a, b)
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key), b.get(key)
            if key == "00080005" and y and y.get("Value") == ["ISO_IR 192"] and x != y:
                self.note("", "(0008,0005): DCMTK writes ISO_IR 192 after converting (adding "
                              "it when absent); we keep the file's value (as pydicom)")
                a.pop(key, None)
                del b[key]
            elif x is not None and y is not None:
                self.element(key, x, y)

    def private_tags(self, a, b):
        """A private element without its Private Creator in the data set:
        dcm2xml writes gggg00ee anyway (the block is lost); we keep the tag."""
        for key in [k for k in a if "@" not in k and int(k[:4], 16) & 1 and int(k[4:6], 16)]:
            zeroed = key[:4] + "00" + key[6:8]
            if key not in b and zeroed in b:
                self.note(key, "private, no Private Creator: we keep the whole tag, "
                               "dcm2xml writes gggg00ee")
                b[key] = b.pop(zeroed)

    def element(self, key, x, y):
        if x.get("vr") == "PN" and "Value" in x and all(pn_empty(v) for v in x["Value"]) \
                and "Value" not in y:
            self.note(key, "PN of only '^': a value for us (as pydicom), empty for DCMTK")
            del x["Value"]
        if self.xml and "keyword" in x and "keyword" not in y \
                and pydicom.datadict.dictionary_is_retired(int(key[:8], 16)):
            self.note(key, f"retired {x['keyword']}: we write its PS3.6 keyword, dcm2xml none")
            del x["keyword"]
        if y.get("vr") == "UN" and x.get("vr") not in ("UN", "SQ") \
                and un_matches(y.get("InlineBinary", b""), x):
            self.note(key, f"explicit UN of a known tag: we read it as {x['vr']} (as pydicom, "
                           "PS3.5 6.2.2), DCMTK keeps UN")
            y.clear()
            y.update(x)
        if y.get("vr") == "UN" and x.get("vr") == "SQ":
            self.note(key, "explicit UN sequence: a sequence for us (as pydicom), bytes for "
                           "DCMTK: not compared here")
            x.clear()
            y.clear()
        self.binary(key, x, y)
        if self.xml and x.get("vr") == "PN" and "Value" in x and "Value" in y:
            self.pn_phonetic(key, x["Value"], y["Value"])
        if x.get("vr") == "SQ" and y.get("vr") == "SQ":
            for p, q in zip(x.get("Value", []), y.get("Value", [])):
                if isinstance(p, dict) and isinstance(q, dict):
                    self.apply(p, q)

    def binary(self, key, x, y):
        ib_x, ib_y = x.get("InlineBinary"), y.get("InlineBinary")
        if ib_x is None or ib_y is None:
            return
        if ib_y == b"" and ib_x:
            self.note(key, "encapsulated pixel data, which dcm2xml writes empty: not compared")
            del x["InlineBinary"], y["InlineBinary"]
            if x["vr"] == "OW" and y["vr"] == "OB":
                self.note(key, "encapsulated pixel data declared OW: we keep the file's VR "
                               "(as pydicom), dcm2xml writes OB")
                y["vr"] = "OW"
            return
        if len(ib_x) % 2 and ib_y == ib_x + b"\0":
            self.note(key, f"{x['vr']}: odd length kept (as pydicom); DCMTK pads it")
            y["InlineBinary"] = ib_x
        unit = SWAPPED.get(x.get("vr"))
        if unit and ib_x != ib_y and ib_x == swap(ib_y, unit):
            self.note(key, f"{x['vr']}: dcm2xml writes the words big endian; we (and "
                           "dcm2json) write Little Endian (PS3.18 F.2.7)")
            y["InlineBinary"] = ib_x

    def pn_phonetic(self, key, ours, theirs):
        """dcm2xml repeats the ideographic group as phonetic when the value
        ends with an empty phonetic group ("A=B=")."""
        for v, w in zip(ours, theirs):
            if isinstance(v, dict) and isinstance(w, dict) and "Phonetic" not in v \
                    and w.get("Phonetic") is not None and w.get("Phonetic") == w.get("Ideographic"):
                self.note(key, "PN: dcm2xml repeats the ideographic group as an empty "
                               "phonetic one")
                del w["Phonetic"]


def as_text(el):
    """An element's values as the text they were read from."""
    def one(v):
        if isinstance(v, dict):
            return "=".join(v.get(g, "") for g in ("Alphabetic", "Ideographic", "Phonetic")).rstrip("=")
        return "" if v is None else str(v)
    return "\\".join(one(v) for v in el.get("Value", []))


BINARY = {"US": "<H", "SS": "<h", "UL": "<I", "SL": "<i", "FL": "<f", "FD": "<d",
          "UV": "<Q", "SV": "<q"}


def un_matches(raw, el):
    """Do the bytes DCMTK kept as UN hold the values we read?"""
    vals = el.get("Value", [])
    if el["vr"] == "AT":
        return raw == b"".join(struct.pack("<HH", int(v, 16) >> 16, int(v, 16) & 0xFFFF) for v in vals)
    if el["vr"] in BINARY:
        fmt = BINARY[el["vr"]]
        return raw == b"".join(struct.pack(fmt, v if fmt[1] in "fd" else int(v)) for v in vals)
    raw = raw.rstrip(b" \0").decode("latin-1")
    if el["vr"] in NUMERIC and raw:
        try:
            return [float(v) for v in raw.split("\\")] == [float(v) for v in el.get("Value", [])]
        except (TypeError, ValueError):
            return False
    return raw == as_text(el)


def swap(b, unit):
    return b"".join(b[i:i + unit][::-1] for i in range(0, len(b) - len(b) % unit, unit))


def dcmtk(args):
    run = subprocess.run(args, capture_output=True)
    err = run.stderr.decode(errors="replace").strip().splitlines()
    reason = next((l for l in err if l.startswith(("F:", "E:"))), err[0] if err else "")
    return run.returncode, run.stdout, reason


# ---- XML: the Native DICOM Model parsed into the DICOM JSON shape -------------

def xml_dataset(node, vr_of_tag=None):
    out = {}
    for at in node.findall("DicomAttribute"):
        tag, vr = at.get("tag"), at.get("vr")
        creator = at.get("privateCreator")
        key = tag + (f"@{creator}" if creator else "")
        el = {"vr": vr}
        if at.get("keyword"):
            el["keyword"] = at.get("keyword")
        values = []
        for v in at:
            n = int(v.get("number", "0"))
            if v.tag == "Value":
                values.append((n, xml_number(v.text, vr)))
            elif v.tag == "PersonName":
                pn = {}
                for g in v:
                    comps = {c.tag: c.text or "" for c in g}
                    pn[g.tag] = "^".join(comps.get(c, "") for c in (
                        "FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix")).rstrip("^")
                values.append((n, pn))
            elif v.tag == "Item":
                values.append((n, xml_dataset(v)))
            elif v.tag == "InlineBinary":
                el["InlineBinary"] = base64.b64decode(v.text or "")
        if values:
            el["Value"] = [x for _, x in sorted(values, key=lambda t: t[0])]
        out[key] = el
    return out


def xml_number(text, vr):
    if text is None:
        return None
    if vr in NUMERIC:
        try:
            f = float(text)
            return struct.unpack("<f", struct.pack("<f", f))[0] if vr == "FL" else f
        except ValueError:
            return text
    return text


def norm_xml(obj):
    for el in obj.values():
        if el.get("vr") == "PN" and "Value" in el:
            el["Value"] = [{k: g for k, g in v.items() if g} or None if isinstance(v, dict) else v
                           for v in el["Value"]]
        if el.get("vr") == "SQ":
            for item in el.get("Value", []):
                norm_xml(item)
    return obj


def check(fmt, dicomdump, path):
    run = subprocess.run([dicomdump, "--format", fmt, path], capture_output=True)
    rejected = unreadable(path, run)
    if rejected is not None:
        return rejected
    if fmt == "json":
        rc, out, reason = dcmtk(["dcm2json", "-fc", path])
    else:
        rc, out, reason = dcmtk(["dcm2xml", "-nat", "+U8", "+Eb", "+M", path])
    if rc != 0:
        return [], [f"DCMTK cannot convert it: {reason}"]
    try:
        theirs_text = out.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [f"DCMTK's output is not UTF-8 ({exc.reason}): not compared"]
    ours_text = run.stdout.decode("utf-8")
    if fmt == "json":
        ours, theirs = norm_json(json.loads(ours_text)), norm_json(json.loads(theirs_text))
    else:
        ours = norm_xml(xml_dataset(ET.fromstring(ours_text)))
        theirs = norm_xml(xml_dataset(ET.fromstring(theirs_text)))
    keep = Keep(fmt == "xml")
    keep.apply(ours, theirs)
    problems = []
    diff(ours, theirs, "", problems, ("ours", "DCMTK"))
    return problems, sorted(keep.notes)


def main():
    fmt, dicomdump, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    failed = 0
    for path in files:
        try:
            problems, notes = check(fmt, dicomdump, path)
        except Exception as exc:
            problems, notes = [f"{type(exc).__name__}: {exc}"], []
        print(f"{'FAIL' if problems else 'ok  '} {path}")
        for p in problems[:20]:
            print(f"     {p}")
        for n in notes:
            print(f"     note: {n}")
        failed += bool(problems)
    print(f"{len(files) - failed} of {len(files)} files agree with DCMTK ({fmt})")
    return min(failed, 125)


if __name__ == "__main__":
    sys.exit(main())
