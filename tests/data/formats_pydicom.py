#!/usr/bin/env python3
"""dicomdump --format json against pydicom, file by file.

    formats_pydicom.py DICOMDUMP FILE...

For each file:
  1. our JSON, parsed, equals pydicom's Dataset.to_json_dict() of the same
     file after the normalisations below (docs/formats.md lists them);
  2. pydicom.Dataset.from_json(our JSON) gives a data set equal to the one
     pydicom reads from the file, element by element, value by value.
Files dicomdump cannot decode are listed in UNREADABLE with the reason; any
other failure to read is a failure, and so is one of those files becoming
readable (the list must be kept true).
Exit status: the number of failing files.
"""
import base64
import json
import os
import traceback
import struct
import subprocess
import sys
import warnings

import pydicom
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

from formats_common import diff, norm_json, unreadable

SWAPPED = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def le_bytes(value, vr, little_endian):
    """Binary values as we write them: PS3.18 F.2.7 InlineBinary is the
    Little Endian octet stream; pydicom keeps a Big Endian file's bytes."""
    unit = SWAPPED.get(vr, 1)
    if little_endian or unit == 1 or len(value) % unit:
        return value
    return b"".join(value[i:i + unit][::-1] for i in range(0, len(value), unit))


class Ref:
    """pydicom's view of one file, element by element, with the differences
    we keep (docs/formats.md) applied to pydicom's side and noted:
      - a private element of an Implicit VR file is UN for us (PS3.5 6.2.2:
        no private dictionary); pydicom takes a VR from its private
        dictionary: compared as UN with the file's raw bytes;
      - DS/IS values pydicom cannot convert (to_json_dict raises): expected
        as the trimmed strings we keep;
      - Big Endian byte VRs: pydicom's bytes swapped to Little Endian."""

    def __init__(self, little_endian):
        self.le = little_endian
        self.notes = set()

    def private_un(self, pds, tag, our_vr):
        if our_vr != "UN" or not tag.is_private:
            return None
        raw = pds.get_item(tag)
        value = raw.value if getattr(raw, "is_raw", False) else None
        vr = pds[tag].VR  # converts: pydicom's private dictionary may name a VR
        if vr == "UN" or value is None:
            return None
        self.notes.add(f"private ({tag.group:04X},{tag.element:04X}) is UN for us, "
                       f"{vr} in pydicom's private dictionary")
        return value

    def json(self, pds, ours):
        out = {}
        for tag in pds.keys():
            if tag.element == 0:
                self.notes.add("group lengths (gggg,0000): pydicom writes them, PS3.18 F.2.2 "
                               "leaves them out (as we and DCMTK do)")
                continue
            key = f"{int(tag):08X}"
            our = ours.get(key, {}) if isinstance(ours, dict) else {}
            raw = self.private_un(pds, tag, our.get("vr"))
            if raw is not None:
                out[key] = {"vr": "UN", **({"InlineBinary": base64.b64encode(raw).decode()} if raw else {})}
                continue
            el = pds[tag]
            if el.VR == "SQ":
                items = our.get("Value", [])
                out[key] = {"vr": "SQ", "Value": [
                    self.json(it, items[i] if i < len(items) else {}) for i, it in enumerate(el.value)]}
                continue
            try:
                j = el.to_json_dict(None, 0)
            except ValueError:
                self.notes.add(f"({tag.group:04X},{tag.element:04X}) {el.VR} {el.value!r}: pydicom "
                               "cannot write it as a number; we keep the string")
                vals = [v.strip() for v in (el.value if isinstance(el.value, (list, MultiValue))
                                            else [el.value])]
                j = {"vr": el.VR, "Value": vals}
            if "InlineBinary" in j:
                b = le_bytes(base64.b64decode(j["InlineBinary"]), el.VR, self.le)
                j["InlineBinary"] = base64.b64encode(b).decode()
            out[key] = j
        return out

    def values(self, pds, back):
        """Element values of the file (pds) that compare with those of the
        data set from_json gave back (back)."""
        out = {}
        for tag in pds.keys():
            if tag.element == 0:
                continue  # group lengths: not in the model (PS3.18 F.2.2)
            b = back.get_item(tag) if back is not None and tag in back else None
            raw = self.private_un(pds, tag, b.VR if b is not None else None)
            if raw is not None:
                out[int(tag)] = ("UN", [raw] if raw else [])
                continue
            try:
                out[int(tag)] = self.value(pds[tag], back[tag] if b is not None else None)
            except Exception as exc:  # a value pydicom cannot convert
                out[int(tag)] = (pds[tag].VR, f"<pydicom: {type(exc).__name__}>")
        return out

    def value(self, el, other):
        if el.VR == "SQ":
            others = list(other.value) if other is not None and other.VR == "SQ" else []
            return ("SQ", [self.values(item, others[i] if i < len(others) else None)
                           for i, item in enumerate(el.value)])
        v = el.value
        vals = list(v) if isinstance(v, (MultiValue, list, tuple)) else [v]
        if el.is_empty or vals in ([""], [None], [b""]):
            return (el.VR, [])
        res = []
        for x in vals:
            if isinstance(x, PersonName):
                x = str(x).rstrip("=")
            elif isinstance(x, bytes):
                x = le_bytes(x, el.VR, self.le)
            elif el.VR == "FL" and isinstance(x, float):
                x = struct.unpack("<f", struct.pack("<f", x))[0]
            elif el.VR in ("DS", "IS") and x is not None and not isinstance(x, str):
                x = float(x)
            elif isinstance(x, str):
                # we trim each value (PS3.5 6.2: padding is insignificant);
                # pydicom trims only the end of the whole value for CS DA DT
                # TM AS UI UR
                x = x.rstrip(" ") if el.VR in ("LT", "ST", "UT", "UR") else x.strip(" ")
                x = x or None
            res.append(x)
        return (el.VR, res)


def norm_strings(obj):
    """pydicom's side of the JSON: each string value trimmed as we trim."""
    for el in obj.values():
        vr = el.get("vr")
        for i, v in enumerate(el.get("Value", [])):
            if vr == "SQ":
                norm_strings(v)
            elif isinstance(v, str) and vr not in ("LT", "ST", "UT", "UR"):
                el["Value"][i] = v.strip(" ")
            elif isinstance(v, str):
                el["Value"][i] = v.rstrip(" ")
    return obj


def drop_bad_numbers(obj):
    """Removes the top-level DS/IS elements holding a string from obj; their tags."""
    bad = [k for k, el in obj.items()
           if el.get("vr") in ("DS", "IS") and any(isinstance(v, str) for v in el.get("Value", []))]
    for k in bad:
        del obj[k]
    return [int(k, 16) for k in bad]


def check(dicomdump, path):
    run = subprocess.run([dicomdump, "--format", "json", path], capture_output=True)
    rejected = unreadable(path, run)
    if rejected is not None:
        return rejected
    text = run.stdout.decode("utf-8")  # must be UTF-8
    ours = json.loads(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True)
        ref = Ref(ds.is_little_endian)
        expected = norm_strings(ref.json(ds, ours))
        problems = []
        diff(norm_json(ours), norm_json(expected), "", problems)
        ds = pydicom.dcmread(path, force=True)
        # pydicom's from_json int()s/float()s every IS/DS value: the strings we
        # keep for values that are not numbers cannot go through it.
        dropped = drop_bad_numbers(ours)
        for tag in dropped:
            ref.notes.add(f"({tag >> 16:04X},{tag & 0xFFFF:04X}): a DS/IS string pydicom's "
                          "from_json cannot read, left out of the round trip")
            del ds[tag]
        back = Dataset.from_json(json.dumps(ours))
        want, got = ref.values(ds, back), Ref(True).values(back, None)
    for tag in sorted(set(want) | set(got)):
        if want.get(tag) != got.get(tag):
            problems.append(
                f"from_json ({tag >> 16:04X},{tag & 0xFFFF:04X}): file {str(want.get(tag))[:150]} "
                f"round trip {str(got.get(tag))[:150]}")
    return problems, sorted(ref.notes)


def main():
    dicomdump, files = sys.argv[1], sys.argv[2:]
    failed = 0
    for path in files:
        try:
            problems, notes = check(dicomdump, path)
        except Exception as exc:
            problems, notes = [f"{type(exc).__name__}: {exc}"], []
            if os.environ.get("DQ_DEBUG"):
                traceback.print_exc()
        if problems:
            failed += 1
            print(f"FAIL {path}")
            for p in problems[:20]:
                print(f"     {p}")
            if len(problems) > 20:
                print(f"     ... {len(problems) - 20} more")
        else:
            print(f"ok   {path}")
        for n in notes:
            print(f"     note: {n}")
    print(f"{len(files) - failed} of {len(files)} files agree with pydicom")
    return min(failed, 125)


if __name__ == "__main__":
    sys.exit(main())
