#!/usr/bin/env bash
# Shows the main job (README's first command): builds the project, starts real
# DICOM peers on loopback ports and runs our findscu against them:
#   1. the spec's seed example (-k QueryRetrieveLevel=PATIENT -k PatientName=)
#      against a DCMTK dcmqrscp holding pydicom's CT_small.dcm;
#   2. a Study Root study-level query (-S) against a dcmqrscp holding pydicom's
#      sample files (tests/peers/README.md lists them);
#   3. a Modality Worklist query (-W) against DCMTK wlmscpfs serving
#      tests/peers/worklist/.
# The peers are stopped and their temp dirs removed when it ends (also on Ctrl-C).
# Environment: DQ_BUILD_DIR (default build), DICOM_STANDARD_DIR (default
# ../shared/standard/current beside the checkout; without either, the edition
# standard/fetch.sh downloads into ~/.cache/dq/standard on first use).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here" || exit 1

bash scripts/deps.sh || exit 1

build=${DQ_BUILD_DIR:-build}
# shellcheck source=../standard/locate.sh
source "$here/standard/locate.sh"
dq_locate_standard "$here" || exit 1
echo "== building in $build/"
if ! cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
       -DDICOM_STANDARD_DIR="$DICOM_STANDARD_DIR" > /dev/null ||
   ! cmake --build "$build" -j "$(nproc)" > "$build/demo-build.log" 2>&1; then
  tail -n 40 "$build/demo-build.log" 2> /dev/null
  echo "demo: the build failed (full log: $build/demo-build.log)" >&2
  exit 1
fi

findscu=$here/$build/cli/findscu
if [ ! -x "$findscu" ]; then
  echo "demo: findscu is not built yet ($build/cli/findscu does not exist): nothing to show." >&2
  echo "demo: the peers harness itself is checked by: ctest --test-dir $build -L peers" >&2
  exit 1
fi

# shellcheck source=../tests/peers/env.sh
source "$here/tests/peers/env.sh"

# run ARGS...: prints the command as typed, then runs it.
status=0
run() {
  local shown=findscu a
  for a in "$@"; do
    case $a in *[\ \[\]\\]* | '') shown+=" '$a'" ;; *) shown+=" $a" ;; esac
  done
  echo
  echo "\$ $shown"
  "$findscu" "$@" || { echo "demo: findscu exited with status $?" >&2; status=1; }
}

echo "== starting peers"
dq_dcmqrscp_start seed CT_small.dcm || exit 1
dq_dcmqrscp_start samples || exit 1
dq_wlmscpfs_start worklist || exit 1

echo
echo "== 1. the spec's seed example: Patient Root, PATIENT level (dcmqrscp with CT_small.dcm)"
run 127.0.0.1 "$DQ_PEER_SEED_PORT" -aec QRSCP -k QueryRetrieveLevel=PATIENT -k PatientName=

echo
echo "== 2. Study Root, STUDY level (dcmqrscp with ${#DQ_SAMPLE_FILES[@]} sample files)"
run 127.0.0.1 "$DQ_PEER_SAMPLES_PORT" -aec QRSCP -S -k QueryRetrieveLevel=STUDY \
  -k PatientName= -k PatientID= -k StudyInstanceUID= -k StudyDate= -k StudyID=

echo
echo "== 3. Modality Worklist (wlmscpfs)"
run 127.0.0.1 "$DQ_PEER_WORKLIST_PORT" -aec WLMSCP -W -k PatientName= -k PatientID= \
  -k AccessionNumber= -k 'ScheduledProcedureStepSequence[0].Modality=' \
  -k 'ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=' \
  -k 'ScheduledProcedureStepSequence[0].ScheduledStationAETitle='

echo
echo "== stopping peers"
dq_peers_cleanup
exit $status
