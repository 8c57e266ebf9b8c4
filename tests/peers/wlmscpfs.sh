# shellcheck shell=bash
# DCMTK wlmscpfs (Modality Worklist SCP) serving tests/peers/worklist/*.dump.
# Sourced by env.sh.
#
# dq_wlmscpfs_start NAME [-- WLMSCPFS_OPTION...]
#   Options after -- go to wlmscpfs (e.g. --refuse, --reject, --sleep-during 5,
#   --no-fail). -csk is always given: each response carries its file's own
#   Specific Character Set (without it, non-ASCII names come back unlabelled).
# Environment:
#   DQ_WL_AET   its AE title (default WLMSCP). ANY-SCP, pynetdicom's default
#               called AE, serves the same worklist: wlmscpfs looks worklists up
#               in a folder named after the called AE title.
# Sets DQ_PEER_<NAME>_{PORT,AET,PID,DIR,KIND}.

dq_wlmscpfs__launch() {
  local dir=$1 port=$2 aet=$3
  shift 3
  [ "${1:-}" != -- ] || shift
  dq_worklist_build "$dir/wl/$aet" || return 1
  : > "$dir/wl/$aet/lockfile"
  [ "$aet" = ANY-SCP ] || ln -s "$aet" "$dir/wl/ANY-SCP"
  dq_peers__spawn "$dir" wlmscpfs -csk -dfp "$dir/wl" "$@" "$port"
}

dq_wlmscpfs_start() {
  local name=$1 a DQ_PEER_READY=${DQ_PEER_READY:-echo}
  shift
  dq_peers_require wlmscpfs dump2dcm echoscu || return 1
  # A peer told to refuse or reject cannot answer C-ECHO: listening is ready.
  for a in "$@"; do
    case $a in --refuse | --reject) DQ_PEER_READY=listen ;; esac
  done
  dq_peers__start "$name" wlmscpfs 1 "${DQ_WL_AET:-WLMSCP}" dq_wlmscpfs__launch \
    "${DQ_WL_AET:-WLMSCP}" "$@"
}
