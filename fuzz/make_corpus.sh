#!/usr/bin/env bash
# Regenerates the seed corpora fuzz/corpus/<harness>/seed-* with the
# library's own encoders (fuzz/make_corpus.c). Regression inputs (any file
# not named seed-*, e.g. crash-<bug>) are left alone.
#   fuzz/make_corpus.sh [BUILD_DIR]     (default: build-corpus, configured here)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build-corpus}
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target fuzz_make_corpus -j 2 >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/fuzz/fuzz_make_corpus" "$tmp"
for dir in "$tmp"/*/; do
  name=$(basename "$dir")
  mkdir -p "$here/fuzz/corpus/$name"
  rm -f "$here/fuzz/corpus/$name"/seed-*
  cp "$dir"/seed-* "$here/fuzz/corpus/$name/"
  echo "$name: $(find "$dir" -maxdepth 1 -type f -name "seed-*" | wc -l) seeds, $(cat "$dir"/seed-* | wc -c) bytes"
done
