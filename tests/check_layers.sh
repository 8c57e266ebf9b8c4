#!/usr/bin/env bash
# The layer wall of src/ (docs/ARCHITECTURE.md, "Layers"): each layer is
# compiled against build/src/layer_include/<layer> and its own folder only.
# Checks, with the compiler the build uses, that a source file of a layer
# can include the headers of the layers it sees and cannot include a header
# of a layer above it (public, generated or private), and that no file in
# src/ reaches around the wall with a relative include.
#   check_layers.sh CC LAYER_INCLUDE_DIR SRC_DIR
set -u
cc=$1 views=$2 src=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dq_layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# probe LAYER HEADER yes|no: does '#include "HEADER"' compile in LAYER?
probe() {
    local layer=$1 header=$2 want=$3 got
    printf '#include "%s"\nint dq_layer_probe(void);\nint dq_layer_probe(void) { return 0; }\n' \
        "$header" >"$tmp/probe.c"
    if "$cc" -std=c11 -D_GNU_SOURCE -fsyntax-only -I"$views/$layer" -I"$src/$layer" \
        "$tmp/probe.c" 2>"$tmp/err"; then
        got=yes
    else
        got=no
    fi
    if [ "$got" != "$want" ]; then
        echo "FAIL: $layer including $header: expected $want, got $got"
        cat "$tmp/err"
        fail=1
    elif [ "$got" = no ] && ! grep -qE 'No such file|file not found' "$tmp/err"; then
        echo "FAIL: $layer including $header failed, but not because the header is hidden:"
        cat "$tmp/err"
        fail=1
    fi
}

probe core dq/error.h yes
probe core dq/version.h yes
for h in dq/dict.h dq/dataset.h dq/pdu.h dq/find.h dq/dq.h dq_gen_vrs.h dataset_impl.h; do
    probe core "$h" no
done

probe data dq/error.h yes
probe data dq/dataset.h yes
probe data dq/dict.h yes
probe data dq_gen_vrs.h yes
probe data dataset_impl.h yes
for h in dq/transport.h dq/pdu.h dq/ul.h dq/ul_actions.h dq/assoc.h dq/dimse_tables.h \
         dq/status.h dq/find.h dq/dq.h dq_gen_pdu.h dq_gen_ul.h dq_gen_dimse_codes.h \
         assoc_impl.h; do
    probe data "$h" no
done

probe net dq/dataset.h yes
probe net dq/assoc.h yes
probe net dq_gen_pdu.h yes
probe net assoc_impl.h yes
for h in dq/find.h dq/dq.h dataset_impl.h vr_impl.h; do
    probe net "$h" no
done

probe query dq/find.h yes
probe query dq/dq.h no

# No relative include out of a layer's folder ("../net/x.h", "../../include/...").
if grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\.\./' "$src"; then
    echo "FAIL: the includes above reach out of their layer's folder"
    fail=1
fi

[ "$fail" = 0 ] && echo "layers: every layer sees what it may and nothing above it"
exit "$fail"
