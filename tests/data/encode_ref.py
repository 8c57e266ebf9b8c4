#!/usr/bin/python3
"""Reference for the charset test: how pydicom writes a str value.

usage: encode_ref.py CASES   (Debian's /usr/bin/python3 with python3-pydicom)
       encode_ref.py --identifier KEYWORD=VALUE...
CASES has one case a line: Specific Character Set (values separated by '\\',
'-' for none), a tab, the VR, a tab, the value (UTF-8). For each case one line
is printed: the value's bytes in hex as pydicom's writer puts them in an
Implicit VR Little Endian data set (an odd length padded with a space), then " W" when pydicom
warned that it used replacement characters; "!" when it refused to encode.
--identifier: the data set pynetdicom's findscu builds from these -k
keywords (text values, set as str) as pydicom writes it in Implicit VR Little
Endian, in hex. Written for this project's tests.
"""
import sys
import warnings

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset

TAG = 0x00431010  # any tag: an implicit VR writer takes the VR given


def encode(charset, vr, value):
    ds = Dataset()
    if charset != '-':
        ds.SpecificCharacterSet = charset.split('\\') if '\\' in charset else charset
    ds.add(DataElement(TAG, vr, value))
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        write_dataset(fp, ds)
    raw = fp.getvalue()
    at = raw.index(b'\x43\x00\x10\x10')
    n = int.from_bytes(raw[at + 4:at + 8], 'little')
    out = raw[at + 8:at + 8 + n]
    replaced = any('replacement characters' in str(w.message) for w in caught)
    return out, replaced


def identifier(keys):
    ds = Dataset()
    for key in keys:
        keyword, value = key.split('=', 1)
        setattr(ds, keyword, value)
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = True
    write_dataset(fp, ds)
    print(fp.getvalue().hex())


def main():
    warnings.simplefilter('ignore')  # pydicom's value checks; replacement is recorded
    if sys.argv[1] == '--identifier':
        identifier(sys.argv[2:])
        return
    with open(sys.argv[1], encoding='utf-8', errors='surrogateescape') as f:
        for line in f:
            charset, vr, value = line.rstrip('\n').split('\t')
            try:
                out, replaced = encode(charset, vr, value)
                print(out.hex() + (' W' if replaced else ''))
            except Exception:  # pydicom refuses: the C side must refuse too
                print('!')


if __name__ == '__main__':
    main()
