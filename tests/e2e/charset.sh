#!/usr/bin/env bash
# findscu's query text in the identifier's character set, end to end.
#
#   tests/e2e/charset.sh FINDSCU dcmqrscp|orthanc|wlmscpfs
#
# dcmqrscp, orthanc: the peer holds pydicom's French, Greek, Japanese (ISO
# 2022 IR 87), Korean (IR 149) and Chinese (ISO_IR 192, GB18030) samples and a
# JIS X 0212 (IR 159) one written by pydicom here; each is queried by its own
# patient name typed in UTF-8, with its file's Specific Character Set given
# by -k (for French also by -f, and with the -k keys in the other order) and
# must come back, alone. The request dump shows the name as typed.
# wlmscpfs: a worklist entry without Specific Character Set whose name is
# Latin-1 bytes shows as pydicom decodes it (default encoding), in the log
# and in dicomdump of the -w file.
# Exit status: number of failures.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dicomdump=$(dirname "$findscu")/dicomdump

dq_peers_require "$DQ_PYTHON" dump2dcm || exit 1
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/e2e-charset-$kind
mkdir -p "$work"

# A JIS X 0212 sample: pydicom's own writer encodes the name (ISO 2022 IR 159
# has no sample among pydicom's files).
ir159=$work/chrIR159.dcm
"$DQ_PYTHON" - "$DQ_PYDICOM_DATA/charset_files/chrH31.dcm" "$ir159" <<'PY' || exit 1
import sys
import pydicom
from pydicom.uid import generate_uid
ds = pydicom.dcmread(sys.argv[1])
ds.SpecificCharacterSet = ['', 'ISO 2022 IR 87', 'ISO 2022 IR 159']
ds.PatientName = 'Hojo^Kanji=丂丨^山田'
ds.PatientID = 'IR159EXAMPLE'
ds.StudyInstanceUID = generate_uid()
ds.SeriesInstanceUID = generate_uid()
ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
ds.save_as(sys.argv[2])
PY

# name|Specific Character Set|PatientName typed|PatientID it must find
cases=(
  "french|ISO_IR 100|Buc^Jérôme|SCSFREN"
  "greek|ISO_IR 126|Διονυσιος|SCSGREEK"
  "ir87|\\ISO 2022 IR 87|Yamada^Tarou=山田^太郎=やまだ^たろう|H31EXAMPLE"
  "ir159|\\ISO 2022 IR 87\\ISO 2022 IR 159|Hojo^Kanji=丂丨^山田|IR159EXAMPLE"
  "korean|\\ISO 2022 IR 149|Hong^Gildong=洪^吉洞=홍^길동|I2EXAMPLE"
  "utf8|ISO_IR 192|Wang^XiaoDong=王^小東*|X1EXAMPLE"
  "gb18030|GB18030|Wang^XiaoDong=王^小东*|X2EXAMPLE"
)
samples=(charset_files/chrFren.dcm charset_files/chrGreek.dcm charset_files/chrH31.dcm
         "$ir159" charset_files/chrI2.dcm charset_files/chrX1.dcm charset_files/chrX2.dcm)

# query OUT PORT AET ARGS...: our findscu -w into OUT, log in OUT/log.
query() {
  local out=$1 port=$2 aet=$3
  shift 3
  mkdir -p "$out"
  (cd "$out" && "$findscu" -w -aet DQTEST -aec "$aet" -td 30 127.0.0.1 "$port" "$@") \
    > "$out/stdout" 2> "$out/log"
}

# found OUT ID NAME: exactly one match, the patient ID, and the request dump
# shows the name as typed (what the peer decodes).
found() {
  local out=$1 id=$2 name=$3 n
  n=$(grep -c '^I: Find SCP Response: [0-9]* - 0xFF0[01] (Pending)$' "$out/log")
  [ "$n" = 1 ] && grep -q "^I: (0010,0020) LO \[$id\] " "$out/log" &&
    grep -qF "I: (0010,0010) PN [$name]" "$out/log" &&
    grep -qx 'I: Find SCP Result: 0x0000 (Success)' "$out/log"
}

run_cases() {
  local port=$1 aet=$2 c tag cs name id out
  for c in "${cases[@]}"; do
    IFS='|' read -r tag cs name id <<< "$c"
    out=$work/$tag
    query "$out" "$port" "$aet" -k QueryRetrieveLevel=PATIENT -k "SpecificCharacterSet=$cs" \
      -k "PatientName=$name" -k PatientID=
    if found "$out" "$id" "$name"; then
      pass "$tag: '$name' in '$cs' finds $id"
    else
      fail "$tag: '$name' in '$cs' should find $id alone"; sed 's/^/    /' "$out/log"
    fi
  done
  # The character set given after the name, and from a -f file.
  out=$work/french-order
  query "$out" "$port" "$aet" -k QueryRetrieveLevel=PATIENT -k "PatientName=Buc^Jérôme" \
    -k PatientID= -k "SpecificCharacterSet=ISO_IR 100"
  if found "$out" SCSFREN "Buc^Jérôme"; then pass "french: character set after the name";
  else fail "french: character set after the name"; sed 's/^/    /' "$out/log"; fi
  out=$work/french-file
  mkdir -p "$out"
  "$DQ_PYTHON" - "$out/q.dcm" <<'PY' || fail "writing the -f query"
import sys
from pydicom.dataset import Dataset
ds = Dataset()
ds.SpecificCharacterSet = 'ISO_IR 100'
ds.QueryRetrieveLevel = 'PATIENT'
ds.PatientID = ''
ds.is_little_endian = True
ds.is_implicit_VR = True
ds.save_as(sys.argv[1])
PY
  query "$out" "$port" "$aet" -f q.dcm -k "PatientName=Buc^Jérôme"
  if found "$out" SCSFREN "Buc^Jérôme"; then pass "french: character set from the -f file";
  else fail "french: character set from the -f file"; sed 's/^/    /' "$out/log"; fi
}

case $kind in
dcmqrscp)
  dq_dcmqrscp_start qr "${samples[@]}" || exit 1
  run_cases "$DQ_PEER_QR_PORT" "$DQ_PEER_QR_AET"
  ;;
orthanc)
  dq_orthanc_start or "${samples[@]}" || exit 1
  run_cases "$DQ_PEER_OR_PORT" "$DQ_PEER_OR_AET"
  ;;
wlmscpfs)
  # An entry without Specific Character Set whose name is Latin-1 bytes (what
  # some worklist brokers send); pydicom reads it with its default encoding.
  # Added beside the standard entries once wlmscpfs runs (it reads the folder
  # on every query), so their match sets stay as tests/peers/README.md says.
  dq_wlmscpfs_start wl || exit 1
  mkdir -p "$work/wl"
  # wl01 with another patient (0xDC is Ü in ISO 8859-1) and accession number.
  sed -e 's/^(0010,0010) PN .*/(0010,0010) PN [M\xDCLLER^HANS]/' -e 's/WL0001/WL0006/' \
      -e 's/ACC0001/ACC0006/' "$DQ_PEERS_HOME/worklist/wl01.dump" > "$work/wl/wl06.dump"
  dump2dcm -q -g +te "$work/wl/wl06.dump" "$DQ_PEER_WL_DIR/wl/$DQ_PEER_WL_AET/wl06.wl" ||
    { fail "dump2dcm"; exit 1; }
  out=$work/worklist
  query "$out" "$DQ_PEER_WL_PORT" "$DQ_PEER_WL_AET" -W -k PatientID=WL0006 -k PatientName=
  if grep -qF 'I: (0010,0010) PN [MÜLLER^HANS]' "$out/log" && ! grep -qF '\xDC' "$out/log"; then
    pass "worklist without a character set: MÜLLER^HANS in the log"
  else
    fail "worklist without a character set in the log"; sed 's/^/    /' "$out/log"
  fi
  if [ -f "$out/rsp000001.dcm" ] && "$dicomdump" "$out/rsp000001.dcm" > "$out/dump.txt" 2>&1 &&
     grep -qF 'PN [MÜLLER^HANS]' "$out/dump.txt"; then
    pass "worklist without a character set: dicomdump of the -w file"
  else
    fail "dicomdump of the -w file"; sed 's/^/    /' "$out/dump.txt" 2>/dev/null
  fi
  if [ -f "$out/rsp000001.dcm" ] &&
     [ "$("$DQ_PYTHON" -c 'import sys, pydicom; print(pydicom.dcmread(sys.argv[1]).PatientName)' \
          "$out/rsp000001.dcm")" = 'MÜLLER^HANS' ]; then
    pass "worklist without a character set: pydicom reads the -w file the same"
  else
    fail "pydicom reading the -w file"
  fi
  ;;
*)
  echo "unknown peer kind: $kind"; exit 1 ;;
esac
exit "$fails"
