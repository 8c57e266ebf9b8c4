"""Helpers shared by formats_pydicom.py and formats_dcmtk.py: the
normalisations every DICOM JSON document goes through before comparing, and
a structural diff that names where two documents differ."""
import base64
import re
import struct


def norm_json(obj):
    """The normalisations both sides go through before comparing:
    - pydicom writes "Value": [] for a sequence with no items; PS3.18 F.2.5
      says an empty element has no Value: dropped;
    - pydicom writes "" for an empty value among several and {"Alphabetic":
      ""} for an empty name group; we write null and leave the group out:
      "" and null compare equal, empty PN groups are dropped;
    - numbers: ours keep the file's decimal digits (DS "1.50"), pydicom's are
      Python floats: compared as floats; FL as float32, as it is stored
      (we print the shortest digits of the float32, pydicom its double).
    """
    out = {}
    for key, el in obj.items():
        vr = el.get("vr")
        e = {"vr": vr}
        if "InlineBinary" in el:
            e["InlineBinary"] = base64.b64decode(el["InlineBinary"])
        if "BulkDataURI" in el:
            e["BulkDataURI"] = el["BulkDataURI"]
        if "Value" in el and el["Value"] != []:
            e["Value"] = [norm_value(v, vr) for v in el["Value"]]
        out[key] = e
    return out


def norm_value(v, vr):
    if vr == "SQ":
        return norm_json(v)
    if vr == "PN":
        if v is None or v == "":
            return None
        return {k: g for k, g in v.items() if g not in ("", None)} or None
    if v == "":
        return None
    if vr == "FL" and isinstance(v, (int, float)):
        return struct.unpack("<f", struct.pack("<f", v))[0]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v




def diff(a, b, path, out, names=("ours", "pydicom")):
    """Appends to out one line per place a (ours) and b (the reference) differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}/{k}: only {names[1]} has it: {str(b[k])[:120]}")
            elif k not in b:
                out.append(f"{path}/{k}: only {names[0]} has it: {str(a[k])[:120]}")
            else:
                diff(a[k], b[k], f"{path}/{k}", out, names)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out, names)
    elif a != b and not (isinstance(a, float) and isinstance(b, float) and a != a and b != b):
        out.append(f"{path}: {names[0]} {str(a)[:120]!r} {names[1]} {str(b)[:120]!r}")


# pydicom test files dicomdump's decoder rejects (file name -> its error, as
# a pattern): truncated or malformed files pydicom reads leniently. Listed
# so the comparisons fail if one more is rejected, or one of these is read.
UNREADABLE = {
    "MR_truncated.dcm": "value length [0-9]+ exceeds the [0-9]+ bytes left",
    "rtplan_truncated.dcm": "value length [0-9]+ exceeds the [0-9]+ bytes left",
    "no_meta.dcm": "value length [0-9]+ exceeds the [0-9]+ bytes left",
    "SC_rgb_jpeg.dcm": "invalid VR bytes",
    "DICOMDIR-nooffset": "item length [0-9]+ exceeds the [0-9]+ bytes left",
}



def unreadable(path, run):
    """None when dicomdump (finished process run) read the file; else
    ([problems], [notes]) for the caller to return."""
    name = path.rsplit("/", 1)[-1]
    if run.returncode != 0:
        if name in UNREADABLE and re.search(UNREADABLE[name], run.stderr.decode()):
            return [], [f"dicomdump rejects the file ({UNREADABLE[name]}): not compared"]
        return [f"dicomdump failed: {run.stderr.decode().strip()}"], []
    if name in UNREADABLE:
        return ["listed as unreadable but dicomdump read it: update UNREADABLE"], []
    return None
