#!/usr/bin/python3
"""Reference for the dump test: prints a DICOM file's data set the way
pynetdicom's findscu logs identifiers (pretty_dataset layout), computed from
pydicom's own reading of the file. Written for this project's tests; the
layout rules are documented in src/dump.c.

usage: pretty_ref.py FILE...   (Debian's /usr/bin/python3 with python3-pydicom)
Each file's lines follow a line "=== FILE"; a file pydicom cannot read gets
"=== FILE" and "!!! error".
"""
import sys
import warnings

import pydicom

BYTE_VRS = ('OB', 'OD', 'OF', 'OL', 'OW', 'OV')


def value_of(elem):
    if elem.VR == 'SQ':
        n = len(elem.value)
        return '(Sequence with %d item%s)' % (n, '' if n == 1 else 's')
    if elem.VM == 0:
        return '(no value available)'
    if elem.VR in BYTE_VRS:
        data = elem.value
        if len(data) <= 13:
            return '[' + ' '.join('%02x' % b for b in data) + ']'
        return '(%d bytes of binary data)' % len(data)
    if elem.VM == 1:
        return '[%s]' % (elem.value,)
    return '[%s]' % '\\'.join(str(v) for v in elem.value)


def lines(ds, indent=0):
    for elem in ds:
        # pydicom 2.3 under Python 3.11 formats its VR enum as "VR.OW";
        # pynetdicom's intent (and its output with other versions) is "OW".
        vr = getattr(elem.VR, 'value', elem.VR)
        text = '(%04X,%04X) %s %s # %d %s' % (
            elem.tag.group, elem.tag.element, vr, value_of(elem).ljust(40),
            elem.VM, elem.keyword)
        if elem.VR == 'SQ':
            yield text
            for i, item in enumerate(elem.value):
                yield '  ' * (indent + 1) + '(Sequence item #%d)' % (i + 1)
                yield from lines(item, indent + 2)
        else:
            yield '  ' * indent + text


def main():
    warnings.simplefilter('ignore')
    for path in sys.argv[1:]:
        print('=== ' + path)
        try:
            ds = pydicom.dcmread(path, force=True)
            out = list(lines(ds))
        except Exception as exc:  # a broken file: the C side skips it
            out = ['!!! %s' % exc]
        for line in out:
            print(line)


if __name__ == '__main__':
    main()
