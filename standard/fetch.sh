#!/bin/sh
# fetch.sh [EDITION [DIR]]: download the DocBook XML of PS3.4 .. PS3.8 of one
# edition of the DICOM standard into DIR, verify it, and print DIR on stdout
# (progress and errors go to stderr).
#
#   standard/fetch.sh                    # 2026c into the cache folder below
#   standard/fetch.sh 2026c ~/dicom/2026c
#   cmake -S . -B build -DDICOM_STANDARD_DIR=~/dicom/2026c
#
# A plain CMake configure, scripts/demo.sh and scripts/test.sh run it when no
# DICOM_STANDARD_DIR is given and ../shared/standard/current does not exist.
#
# EDITION  a release such as 2024a or 2026c, or "current" (NEMA's moving
#          alias); default $DICOM_STANDARD_EDITION, else 2026c (pinned, so
#          that builds are reproducible).
# DIR      default ${XDG_CACHE_HOME:-$HOME/.cache}/dq/standard/EDITION.
# DICOM_STANDARD_URL  where editions live (default NEMA's); the files are
#          $DICOM_STANDARD_URL/EDITION/source/docbook/partNN/partNN.xml.
#
# When DIR already holds the five parts nothing is downloaded. Otherwise each
# missing part is downloaded into a staging folder beside DIR and checked:
# well-formed XML (xmllint, or python3) whose first <subtitle> names that part
# ("PS3.6", or "PS 3.6" before 2014). Only when every part passes are they
# moved into DIR; any failure names the part and the URL, removes the staging
# folder and exits 1, so DIR never holds a partial or unverified file.
set -eu

edition=${1:-${DICOM_STANDARD_EDITION:-2026c}}
dir=${2:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/dq/standard/$edition}
base=${DICOM_STANDARD_URL:-https://dicom.nema.org/medical/dicom}
base=${base%/}
me=standard/fetch.sh
parts="04 05 06 07 08"

say() { echo "$me: $*" >&2; }

missing=""
for n in $parts; do
    [ -s "$dir/part$n.xml" ] || missing="$missing $n"
done
if [ -z "$missing" ]; then
    say "DICOM standard $edition: using $dir"
    echo "$dir"
    exit 0
fi

if command -v curl >/dev/null 2>&1; then
    get() { curl -fsS --retry 2 --connect-timeout 30 -o "$2" "$1" 2>&1; }
elif command -v wget >/dev/null 2>&1; then
    get() { wget -q -O "$2" "$1" 2>&1 || { echo "wget exit status $?"; return 1; }; }
else
    say "needs curl or wget to download the DICOM standard (apt-get install curl)"
    exit 1
fi
if command -v xmllint >/dev/null 2>&1; then
    well_formed() { xmllint --noout --nonet - <"$1" 2>&1 | head -n 1 | sed 's/^-:/line /'; }
elif command -v python3 >/dev/null 2>&1; then
    well_formed() {
        python3 -c 'import sys, xml.sax
try:
    xml.sax.parse(sys.argv[1], xml.sax.ContentHandler())
except Exception as e:
    print(e)' "$1"
    }
else
    say "needs xmllint (apt-get install libxml2-utils) or python3 to check the downloads"
    exit 1
fi

mkdir -p "$(dirname "$dir")"
staging=$(mktemp -d "$dir.download.XXXXXX")
trap 'rm -rf "$staging"' EXIT
trap 'exit 130' INT TERM

# fail NN URL REASON: the message for a part that cannot be used.
fail() {
    say "part$1.xml of DICOM standard $edition is unusable: $3"
    say "  URL: $2"
    say "  nothing was written to $dir"
    exit 1
}

for n in $missing; do
    url="$base/$edition/source/docbook/part$n/part$n.xml"
    file="$staging/part$n.xml"
    say "downloading part$n.xml ($edition) from $url"
    if ! why=$(get "$url" "$file"); then
        fail "$n" "$url" "download failed: $why"
    fi
    if [ ! -s "$file" ]; then
        fail "$n" "$url" "the download is empty"
    fi
    why=$(well_formed "$file")
    if [ -n "$why" ]; then
        fail "$n" "$url" "not well-formed XML (truncated, or an error page?): $why"
    fi
    subtitle=$(sed -n 's:.*<subtitle>\(.*\)</subtitle>.*:\1:p' "$file" | head -n 1)
    number=${n#0}
    case $subtitle in
    *"PS3.$number "* | *"PS 3.$number "* | *"PS3.$number" | *"PS 3.$number") ;;
    "") fail "$n" "$url" "no <subtitle>: not a part of the DICOM standard" ;;
    *) fail "$n" "$url" "its <subtitle> is \"$subtitle\", not PS3.$number" ;;
    esac
    say "  ok: $subtitle"
done

mkdir -p "$dir"
for n in $missing; do
    mv "$staging/part$n.xml" "$dir/part$n.xml"
done
say "DICOM standard $edition: verified in $dir"
echo "$dir"
