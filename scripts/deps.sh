#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need (when run as root),
# or prints the exact apt-get line to run. Sourced or run by the other scripts.
set -euo pipefail
DQ_PACKAGES=(cmake make gcc clang pkg-config libxml2-dev zlib1g-dev libcriterion-dev
             dcmtk python3-pydicom orthanc curl time)
# DICOM over TLS: OpenSSL 3 (the TLS transport; -DDQ_TLS=OFF builds without
# it), and for the TLS tests the openssl tool (test certificates) and socat
# (a TLS front for peers without TLS).
DQ_PACKAGES+=(libssl-dev openssl socat)
# Checking a downloaded standard (standard/fetch.sh: xmllint) and rendering the
# man pages (tests/check_man.sh: groff).
DQ_PACKAGES+=(libxml2-utils groff-base)
# Lint of every shell script (scripts/shellcheck.sh, ctest shellcheck).
DQ_PACKAGES+=(shellcheck)
# The C style check (scripts/format.sh --check, ctest format).
DQ_PACKAGES+=(clang-format)
missing=()
for p in "${DQ_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
