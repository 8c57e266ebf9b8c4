#!/bin/sh
# fetch.sh EDITION DIR: download the DocBook XML of PS3.4 .. PS3.8 of one
# edition of the DICOM standard from NEMA into DIR, for DICOM_STANDARD_DIR.
#
#   standard/fetch.sh 2026c ~/dicom/2026c
#   cmake -S . -B build -DDICOM_STANDARD_DIR=~/dicom/2026c
#
# EDITION is a release such as 2024a or 2026c, or "current". Needs curl or
# wget and internet access (the development machines have none, so this
# script is not exercised by the tests). Each file is downloaded to a
# temporary name and only kept when it looks like DocBook with a <subtitle>.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 EDITION DIR   (e.g. $0 2026c ./standard-2026c)" >&2
    exit 2
fi
edition=$1
dir=$2
base="https://dicom.nema.org/medical/dicom/$edition/source/docbook"

if command -v curl >/dev/null 2>&1; then
    get() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
    get() { wget -q -O "$2" "$1"; }
else
    echo "$0: needs curl or wget (apt-get install curl)" >&2
    exit 1
fi

mkdir -p "$dir"
for n in 04 05 06 07 08; do
    url="$base/part$n/part$n.xml"
    tmp="$dir/part$n.xml.part"
    echo "fetching $url"
    if ! get "$url" "$tmp"; then
        rm -f "$tmp"
        echo "$0: download failed: $url (is \"$edition\" an edition NEMA publishes?)" >&2
        exit 1
    fi
    if ! head -c 4096 "$tmp" | grep -q '<subtitle>'; then
        rm -f "$tmp"
        echo "$0: $url is not DocBook XML with a <subtitle>" >&2
        exit 1
    fi
    mv "$tmp" "$dir/part$n.xml"
    sed -n 's:.*<subtitle>\(.*\)</subtitle>.*:  \1:p' "$dir/part$n.xml" | head -n 1
done
echo "done: configure with -DDICOM_STANDARD_DIR=$dir"
