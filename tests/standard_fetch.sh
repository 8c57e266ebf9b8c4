#!/usr/bin/env bash
# standard_fetch.sh SOURCE PARTS_DIR [--first-build CC]: the standard-on-first-
# build path without internet. A folder laid out like NEMA's site
# (EDITION/source/docbook/partNN/partNN.xml), made of copies of PARTS_DIR's
# parts and of broken ones, is served by python3 -m http.server on a loopback
# port, and DICOM_STANDARD_URL points standard/fetch.sh at it.
#
# Default (ctest standard_fetch): fetch.sh downloads and verifies a good
# edition into an XDG_CACHE_HOME cache, a second run uses the cache without a
# request; broken editions (a truncated part, an HTML error page, a 404, the
# wrong part) each fail with a message naming the part and the URL, exit 1
# and leave nothing in the cache.
#
# --first-build CC (ctest standard_first_build): a copy of the source tree with
# no ../shared beside it and no DICOM_STANDARD_DIR is configured, first for a
# broken edition (the configure must fail, naming the part and URL), then for
# the good one (which downloads the standard), built and installed; then the source copy, its
# build and the cache are deleted and the installed findscu --version, --help
# and dicomdump --help must still work and name the served editions.
set -euo pipefail
src=$1
parts=$2
mode=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dq-fetch.XXXXXX")
server=""
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}
unset DICOM_STANDARD_DIR DICOM_STANDARD_EDITION
export XDG_CACHE_HOME=$tmp/cache

# ---- the site -------------------------------------------------------------------
www=$tmp/www
# edition NAME: a good edition (links to PARTS_DIR's parts); callers break one.
edition() {
  local n
  for n in 04 05 06 07 08; do
    mkdir -p "$www/$1/source/docbook/part$n"
    ln -s "$(cd "$parts" && pwd)/part$n.xml" "$www/$1/source/docbook/part$n/part$n.xml"
  done
}
part_path() { echo "$www/$1/source/docbook/part$2/part$2.xml"; }
edition 2026c
edition truncated
rm "$(part_path truncated 06)"
head -c 200000 "$parts/part06.xml" >"$(part_path truncated 06)"
edition htmlpage
rm "$(part_path htmlpage 05)"
printf '<!DOCTYPE html>\n<html><head><title>Error</title></head><body><p>Service unavailable</body></html>\n' \
  >"$(part_path htmlpage 05)"
edition notfound
rm "$(part_path notfound 07)"
edition wrongpart
rm "$(part_path wrongpart 08)"
ln -s "$(cd "$parts" && pwd)/part07.xml" "$(part_path wrongpart 08)"

python3 -u -m http.server --bind 127.0.0.1 --directory "$www" 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/server.out" | head -n 1)
  [[ -n $port ]] && break
  sleep 0.05
done
[[ -n $port ]] || { echo "http.server did not start: $(cat "$tmp/server.log")" >&2; exit 1; }
export DICOM_STANDARD_URL=http://127.0.0.1:$port
requests() { grep -c '"GET ' "$tmp/server.log" || true; }
cache=$XDG_CACHE_HOME/dq/standard

if [[ $mode == --first-build ]]; then
  cc=$4
  # A source tree with nothing beside it: no ../shared/standard/current.
  mkdir -p "$tmp/checkout/dq"
  tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$tmp/checkout/dq" -xf -
  # A broken edition stops the configure, naming the part and its URL.
  if DICOM_STANDARD_EDITION=truncated cmake -S "$tmp/checkout/dq" -B "$tmp/checkout/broken" \
    -DCMAKE_C_COMPILER="$cc" -DDQ_TESTS=OFF >"$tmp/broken.log" 2>&1; then
    fail "configure succeeded with a truncated part06.xml"
  fi
  grep -qF "part06.xml of DICOM standard truncated is unusable" "$tmp/broken.log" ||
    fail "the failed configure does not name part06.xml: $(tail -n 5 "$tmp/broken.log")"
  grep -qF "URL: $DICOM_STANDARD_URL/truncated/source/docbook/part06/part06.xml" "$tmp/broken.log" ||
    fail "the failed configure does not give the URL"
  [[ ! -e $cache/truncated ]] || fail "the failed configure left files in the cache"
  rm -rf "$tmp/checkout/broken"
  before=$(requests)
  if ! cmake -S "$tmp/checkout/dq" -B "$tmp/checkout/build" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDQ_TESTS=OFF >"$tmp/configure.log" 2>&1; then
    cat "$tmp/configure.log" >&2
    echo "FAIL: the first configure did not succeed" >&2
    exit 1
  fi
  grep -q "DICOM standard XML: $cache/2026c" "$tmp/configure.log" ||
    fail "configure did not use the downloaded edition: $(grep 'DICOM standard' "$tmp/configure.log")"
  [[ $(($(requests) - before)) == 5 ]] || fail "configure made $(($(requests) - before)) requests, not 5"
  if ! cmake --build "$tmp/checkout/build" -j2 --target findscu dicomdump >"$tmp/build.log" 2>&1 ||
    ! cmake --build "$tmp/checkout/build" -j2 --target dq_shared >>"$tmp/build.log" 2>&1 ||
    ! cmake --install "$tmp/checkout/build" --prefix "$tmp/prefix" >>"$tmp/build.log" 2>&1; then
    tail -n 40 "$tmp/build.log" >&2
    echo "FAIL: build or install from the downloaded standard failed" >&2
    exit 1
  fi
  rm -rf "$tmp/checkout" "$cache"
  "$tmp/prefix/bin/findscu" --version >"$tmp/version" || fail "installed findscu --version failed"
  for n in 4 5 6 7 8; do
    want=$(sed -n 's:.*<subtitle>\(.*\)</subtitle>.*:\1:p' "$parts/part0$n.xml" | head -n 1)
    grep -qF "$want" "$tmp/version" || fail "findscu --version does not name '$want'"
  done
  "$tmp/prefix/bin/findscu" --help >"$tmp/help" || fail "installed findscu --help failed"
  grep -q '^usage: findscu' "$tmp/help" || fail "installed findscu --help printed no usage line"
  "$tmp/prefix/bin/dicomdump" --help >"$tmp/help" || fail "installed dicomdump --help failed"
  grep -q '^usage: dicomdump' "$tmp/help" || fail "installed dicomdump --help printed no usage line"
  [[ $fails == 0 ]] || exit 1
  echo "first build: downloaded, verified, configured, built, installed; tools work without the build tree"
  exit 0
fi

fetch() { sh "$src/standard/fetch.sh" "$@"; }

# ---- a good edition, then from the cache ------------------------------------------------
if ! dir=$(fetch 2>"$tmp/good.err"); then
  cat "$tmp/good.err" >&2
  fail "fetching a good edition failed"
fi
[[ $dir == "$cache/2026c" ]] || fail "fetch.sh printed '$dir', not $cache/2026c"
for n in 04 05 06 07 08; do
  cmp -s "$parts/part$n.xml" "$cache/2026c/part$n.xml" || fail "part$n.xml in the cache differs from the served one"
done
grep -q 'downloading part06.xml (2026c) from http://127.0.0.1' "$tmp/good.err" || fail "no progress line for part06"
[[ $(requests) == 5 ]] || fail "the first run made $(requests) requests, not 5"
dir=$(fetch 2>"$tmp/again.err") || fail "the second run failed"
[[ $dir == "$cache/2026c" ]] || fail "the second run printed '$dir'"
[[ $(requests) == 5 ]] || fail "the second run downloaded again ($(requests) requests in all)"
grep -q 'using' "$tmp/again.err" || fail "the second run did not say it uses the cache"

# scripts/demo.sh and scripts/test.sh find it the same way (standard/locate.sh)
# from a checkout with no ../shared beside it.
mkdir -p "$tmp/locate/dq/standard"
cp "$src/standard/fetch.sh" "$tmp/locate/dq/standard/"
located=$(
  # shellcheck source=../standard/locate.sh
  source "$src/standard/locate.sh"
  dq_locate_standard "$tmp/locate/dq" 2>/dev/null && echo "$DICOM_STANDARD_DIR"
) || fail "dq_locate_standard failed"
[[ $located == "$cache/2026c" ]] || fail "dq_locate_standard chose '$located', not the cache"

# ---- broken editions ------------------------------------------------------------------
# broken EDITION PART REASON: fetch.sh must fail, naming PART and its URL and
# REASON, and leave nothing for EDITION in the cache.
broken() {
  local ed=$1 part=$2 reason=$3 status=0
  fetch "$ed" >"$tmp/$ed.out" 2>"$tmp/$ed.err" || status=$?
  if [[ $status == 0 ]]; then
    fail "$ed: fetch.sh succeeded"
    return
  fi
  grep -qF "part$part.xml of DICOM standard $ed is unusable" "$tmp/$ed.err" || fail "$ed: the message does not name part$part.xml"
  grep -qF "URL: $DICOM_STANDARD_URL/$ed/source/docbook/part$part/part$part.xml" "$tmp/$ed.err" ||
    fail "$ed: the message does not give the URL"
  grep -qiE "$reason" "$tmp/$ed.err" || fail "$ed: the message does not say '$reason'"
  [[ ! -s $tmp/$ed.out ]] || fail "$ed: printed a folder on failure"
  [[ ! -e $cache/$ed ]] || fail "$ed: left files in the cache: $(ls "$cache/$ed")"
  if compgen -G "$cache/$ed.download.*" >/dev/null; then
    fail "$ed: left a staging folder"
  fi
  echo "$ed: $(grep -m1 unusable "$tmp/$ed.err")"
}
broken truncated 06 'not well-formed XML'
broken htmlpage 05 'not well-formed XML|subtitle'
broken notfound 07 '404'
broken wrongpart 08 'PS3.7.*not PS3.8'

# An explicit folder and edition, as the README's offline instructions give.
fetch 2026c "$tmp/explicit" >/dev/null 2>&1 || fail "fetch.sh 2026c DIR failed"
[[ -f $tmp/explicit/part08.xml ]] || fail "fetch.sh 2026c DIR did not fill DIR"

[[ $fails == 0 ]] || exit 1
echo "standard/fetch.sh: download, verification, cache and broken downloads: ok"
