#!/usr/bin/env bash
# dicomdump --format json|xml on every pydicom test file: test_files (the
# DICOMDIR tests' files included) and charset_files; the non-DICOM files
# among them (README, *.json, *.txt, *.dump, *.gz) are left out.
#
#   tests/e2e/formats.sh DICOMDUMP pydicom|dcm2json|dcm2xml
#
# pydicom: our JSON equals pydicom's Dataset.to_json_dict() after the
#   documented normalisations, and pydicom's Dataset.from_json of it gives
#   back the file's data set value by value (tests/data/formats_pydicom.py).
# dcm2json, dcm2xml: our JSON / XML against DCMTK's dcm2json and
#   dcm2xml --native-format, element by element (tests/data/formats_dcmtk.py).
# Every difference kept on purpose is printed as a note (docs/formats.md
# explains each); any other difference fails.
# Exit status: number of failing files.
set -uo pipefail
dicomdump=$(realpath -- "$1")
kind=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../peers/env.sh
source "$here/../peers/env.sh"

case $kind in
  pydicom) tool=$DQ_PYTHON; args=("$here/../data/formats_pydicom.py" "$dicomdump") ;;
  dcm2json) tool=dcm2json; args=("$here/../data/formats_dcmtk.py" json "$dicomdump") ;;
  dcm2xml) tool=dcm2xml; args=("$here/../data/formats_dcmtk.py" xml "$dicomdump") ;;
  *) echo "usage: $0 DICOMDUMP pydicom|dcm2json|dcm2xml" >&2; exit 2 ;;
esac
dq_peers_require "$DQ_PYTHON" "$tool" || exit 1

files=()
while IFS= read -r -d '' f; do
  files+=("$f")
done < <(find "$DQ_PYDICOM_DATA/test_files" "$DQ_PYDICOM_DATA/charset_files" -type f \
  ! -name README ! -name '*.json' ! -name '*.txt' ! -name '*.dump' ! -name '*.gz' \
  ! -name '*.py' ! -name '*.pyc' -print0 | sort -z)
if [ ${#files[@]} -lt 150 ]; then
  echo "FAIL only ${#files[@]} pydicom test files found under $DQ_PYDICOM_DATA"
  exit 1
fi
"$DQ_PYTHON" "${args[@]}" "${files[@]}"
