# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/test.sh (the README's two commands):
# dq_locate_standard SOURCE_DIR sets and exports DICOM_STANDARD_DIR the way a
# plain CMake configure chooses it (CMakeLists.txt): the variable when set,
# else SOURCE_DIR/../shared/standard/current when it exists, else the download
# cache, filled by standard/fetch.sh on first use.
dq_locate_standard() {
  local src=$1
  if [[ -z ${DICOM_STANDARD_DIR:-} ]]; then
    if [[ -f $src/../shared/standard/current/part06.xml ]]; then
      DICOM_STANDARD_DIR=$src/../shared/standard/current
    elif ! DICOM_STANDARD_DIR=$(sh "$src/standard/fetch.sh"); then
      echo "the DICOM standard's XML could not be downloaded (messages above); see standard/README.md" >&2
      return 1
    fi
  fi
  export DICOM_STANDARD_DIR
}
