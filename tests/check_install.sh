#!/usr/bin/env bash
# check_install.sh BUILD SOURCE LIBDIR VERSION SHARED CC [CFLAG...]
# (ctest install): installs BUILD into a temporary prefix and uses it as a
# distribution and another program would (cmake/install.cmake):
#   - the files are where GNUInstallDirs puts them, libdq.so has SONAME
#     libdq.so.<major> and exports only dq_ symbols;
#   - no installed header includes a header that is not installed;
#   - nothing installed names the build or source tree (text files, binaries
#     without their debug info, RUNPATH);
#   - tests/consumer/main.c, which includes only <dq/dq.h>, builds and runs
#     with pkg-config and with find_package(dq), static and shared (SHARED=OFF:
#     static only), and prints the version and editions findscu --version does;
#   - DESTDIR stages the same files under DESTDIR/PREFIX.
# CFLAGs (the sanitizer flags of an ASan build) are added to the consumer's.
set -euo pipefail
build=$1 src=$2 libdir=$3 version=$4 shared=$5 cc=$6
shift 6
cflags=("$@")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dq-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
p=$tmp/prefix
fails=0
fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}

cmake --install "$build" --prefix "$p" >"$tmp/install.log"

# ---- layout -------------------------------------------------------------------
files=(bin/findscu bin/dicomdump "$libdir/libdq.a" include/dq/dq.h include/dq/version.h
  "$libdir/pkgconfig/dq.pc" "$libdir/cmake/dq/dqConfig.cmake" "$libdir/cmake/dq/dqConfigVersion.cmake"
  share/man/man1/findscu.1 share/man/man1/dicomdump.1 share/doc/dq/README.md share/doc/dq/LICENSE)
[[ $shared == ON ]] && files+=("$libdir/libdq.so" "$libdir/libdq.so.0" "$libdir/libdq.so.$version")
for f in "${files[@]}"; do
  [[ -e $p/$f ]] || fail "not installed: $f"
done
if [[ $shared == ON ]]; then
  soname=$(readelf -d "$p/$libdir/libdq.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [[ $soname == "libdq.so.${version%%.*}" ]] || fail "SONAME is '$soname', not libdq.so.${version%%.*}"
  exported=$(nm -D --defined-only "$p/$libdir/libdq.so" | awk '{print $NF}')
  others=$(grep -v '^dq_' <<<"$exported" || true)
  [[ -z $others ]] || fail "libdq.so exports symbols outside dq_: $(tr '\n' ' ' <<<"$others")"
  grep -qx dq_version <<<"$exported" || fail "libdq.so does not export dq_version"
fi

# ---- headers: self-contained, no private generated header -------------------------
for h in "$p"/include/dq/*.h; do
  while read -r inc; do
    [[ -e $p/include/$inc || -e $p/include/dq/$inc ]] || fail "$(basename "$h") includes \"$inc\", which is not installed"
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$h")
done
for h in "$p"/include/dq/dq_gen_*.h; do
  [[ $h == *_codes.h ]] || fail "a private generated header is installed: $(basename "$h")"
done

# ---- no reference to the build or source tree -----------------------------------
build_abs=$(cd "$build" && pwd -P)
src_abs=$(cd "$src" && pwd -P)
if grep -rIl -e "$build_abs" -e "$src_abs" "$p" >"$tmp/refs"; then
  fail "installed text files name the build or source tree: $(tr '\n' ' ' <"$tmp/refs")"
fi
# Binaries: without their debug info (which names the compiled files, as any
# -g build's does; packagers split it off), and no RUNPATH/RPATH. A sanitizer
# build (CFLAGs given) is exempt from the first: ASan and UBSan record source
# file names in the code for their reports.
while read -r bin; do
  cp "$bin" "$tmp/stripped"
  strip --strip-debug "$tmp/stripped"
  if [[ ${#cflags[@]} == 0 ]] && grep -q -e "$build_abs" -e "$src_abs" "$tmp/stripped"; then
    fail "${bin#"$p"/} names the build or source tree outside its debug info"
  fi
  if readelf -d "$bin" 2>/dev/null | grep -E 'R(UN)?PATH'; then
    fail "${bin#"$p"/} has an RPATH/RUNPATH"
  fi
done < <(find "$p/bin" "$p/$libdir" -type f \( -perm -u+x -o -name '*.a' \))

# ---- the installed tools ------------------------------------------------------------
"$p/bin/findscu" --version >"$tmp/version" || fail "installed findscu --version failed"
"$p/bin/findscu" --help >"$tmp/help" || fail "installed findscu --help failed"
grep -q '^usage: findscu' "$tmp/help" || fail "installed findscu --help printed no usage line"
"$p/bin/dicomdump" --help >"$tmp/help" || fail "installed dicomdump --help failed"
grep -q '^usage: dicomdump' "$tmp/help" || fail "installed dicomdump --help printed no usage line"
[[ $(head -n 1 "$tmp/version") == "findscu (dq) $version" ]] || fail "findscu --version: $(head -n 1 "$tmp/version")"
# What the consumer must print: the version, then each part's edition.
{
  echo "dq $version"
  sed -n 's/^  DICOM \(PS3\.[0-9]*\) \([^ ]*\) - .*/\1 \2/p' "$tmp/version"
  echo "(0010,0010) PN PatientName"
} >"$tmp/expected"

# ---- consumers ----------------------------------------------------------------------
# run_consumer NAME EXE: runs EXE with the prefix's libraries, compares its output.
run_consumer() {
  if ! LD_LIBRARY_PATH=$p/$libdir "$2" >"$tmp/$1.out" 2>&1; then
    fail "$1: the consumer failed: $(cat "$tmp/$1.out")"
  elif ! diff -u "$tmp/expected" "$tmp/$1.out"; then
    fail "$1: unexpected output"
  fi
}
# links_libdq_so EXE: does EXE need libdq.so at run time?
links_libdq_so() { readelf -d "$1" | grep -q 'NEEDED.*\[libdq\.so'; }

export PKG_CONFIG_PATH=$p/$libdir/pkgconfig
[[ $(pkg-config --modversion dq) == "$version" ]] || fail "dq.pc: version $(pkg-config --modversion dq)"
pkg-config --print-variables dq | grep -qx prefix || fail "dq.pc has no prefix"
[[ $(pkg-config --variable=prefix dq) == "$p" ]] || fail "dq.pc: prefix $(pkg-config --variable=prefix dq), not $p"
grep -q '^License: MIT' "$p/$libdir/pkgconfig/dq.pc" || fail "dq.pc does not name the license"
main=$src/tests/consumer/main.c
# shellcheck disable=SC2046 # pkg-config's output is meant to be split
if [[ $shared == ON ]]; then
  "$cc" "${cflags[@]}" -o "$tmp/pc-shared" "$main" $(pkg-config --cflags --libs dq)
  links_libdq_so "$tmp/pc-shared" || fail "pkg-config shared: not linked with libdq.so"
  run_consumer pkg-config-shared "$tmp/pc-shared"
fi
# Static: the same flags with --static (Requires.private, Libs.private), libdq.a
# named explicitly, since -ldq prefers the .so where both are installed.
static_libs=$(pkg-config --static --libs dq)
# shellcheck disable=SC2046,SC2086
"$cc" "${cflags[@]}" -o "$tmp/pc-static" "$main" $(pkg-config --cflags dq) ${static_libs//-ldq/-l:libdq.a}
links_libdq_so "$tmp/pc-static" && fail "pkg-config static: linked with libdq.so"
run_consumer pkg-config-static "$tmp/pc-static"

# cmake_consumer NAME [cmake args]: configures and builds tests/consumer.
cmake_consumer() {
  local name=$1
  shift
  if ! cmake -S "$src/tests/consumer" -B "$tmp/$name" -DCMAKE_PREFIX_PATH="$p" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${cflags[*]}" "$@" >"$tmp/$name.log" 2>&1 ||
    ! cmake --build "$tmp/$name" >>"$tmp/$name.log" 2>&1; then
    cat "$tmp/$name.log" >&2
    fail "$name: find_package(dq) project did not build"
    return 0
  fi
  run_consumer "$name" "$tmp/$name/consumer"
}
if [[ $shared == ON ]]; then
  cmake_consumer cmake-shared
  links_libdq_so "$tmp/cmake-shared/consumer" || fail "cmake shared: not linked with libdq.so"
fi
cmake_consumer cmake-static -Ddq_USE_STATIC_LIBS=ON
links_libdq_so "$tmp/cmake-static/consumer" && fail "cmake static: linked with libdq.so"

# ---- DESTDIR ------------------------------------------------------------------------
DESTDIR=$tmp/stage cmake --install "$build" --prefix /opt/dq-test >/dev/null
[[ -x $tmp/stage/opt/dq-test/bin/findscu ]] || fail "DESTDIR: findscu not under DESTDIR/PREFIX"
[[ ! -e /opt/dq-test ]] || fail "DESTDIR: files written to the prefix itself"
grep -qx 'prefix=/opt/dq-test' "$tmp/stage/opt/dq-test/$libdir/pkgconfig/dq.pc" ||
  fail "DESTDIR: dq.pc's prefix is not the install prefix"

if [[ $fails -gt 0 ]]; then
  echo "install: $fails failure(s)" >&2
  exit 1
fi
echo "install: layout, exports, headers, pkg-config and find_package (static$([[ $shared == ON ]] && echo ", shared")), DESTDIR: ok"
