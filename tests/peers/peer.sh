#!/usr/bin/env bash
# Command-line front end to env.sh, for tests that are not bash scripts (a
# Criterion test calls it with popen()/system()):
#
#   peer.sh start KIND STATE_DIR [ARGS...]   KIND: dcmqrscp | wlmscpfs | orthanc
#       Starts the peer in STATE_DIR (created; must not hold a peer already),
#       prints KEY=VALUE lines on stdout once it answers C-ECHO
#       (KIND, PORT, AET, PID, DIR, and HTTP_PORT for orthanc) and returns,
#       leaving the peer running. ARGS as for dq_<KIND>_start after its NAME.
#   peer.sh stop STATE_DIR
#       Stops it and removes STATE_DIR.
#
# The peer is stopped within a second when its owner ends: by default the
# process that ran peer.sh (looking through a `sh -c` wrapper, as system() and
# popen() make); DQ_PEER_OWNER=PID names another, DQ_PEER_OWNER= none (then
# only DQ_PEER_LIFETIME bounds it).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  echo "usage: peer.sh start dcmqrscp|wlmscpfs|orthanc STATE_DIR [ARGS...]" >&2
  echo "       peer.sh stop STATE_DIR" >&2
  exit 2
}

# default_owner: our parent, or its parent when the parent is a `sh -c` wrapper.
default_owner() {
  local owner=$PPID cmd line rest f
  cmd=$(tr '\0' ' ' < "/proc/$owner/cmdline" 2> /dev/null) || cmd=""
  case $cmd in
    sh\ -c\ * | /bin/sh\ -c\ * | dash\ -c\ * | bash\ -c\ *)
      if { read -r line < "/proc/$owner/stat"; } 2> /dev/null; then
        rest=${line##*) }
        read -r -a f <<< "$rest"
        owner=${f[1]}
      fi ;;
  esac
  echo "$owner"
}

[ $# -ge 2 ] || usage
cmd=$1
shift

case $cmd in
start)
  [ $# -ge 2 ] || usage
  kind=$1 state=$2
  shift 2
  case $kind in dcmqrscp | wlmscpfs | orthanc) ;; *) usage ;; esac
  case $state in /*) ;; *) state=$PWD/$state ;; esac
  if [ -e "$state/peer" ]; then
    echo "peer.sh: $state already holds a peer" >&2
    exit 1
  fi
  if [ -z "${DQ_PEER_OWNER+set}" ]; then
    DQ_PEER_OWNER=$(default_owner)
  fi
  export DQ_PEER_OWNER
  # shellcheck source=env.sh
  source "$here/env.sh"
  mkdir -p "$state" || exit 1
  DQ_PEERS_TMP=$state
  "dq_${kind}_start" peer "$@" >&2 || exit 1
  cat "$state/peer/env"
  # Leave it running: the owner or peer.sh stop ends it.
  trap - EXIT INT TERM HUP PIPE
  exit 0
  ;;
stop)
  state=$1
  case $state in /*) ;; *) state=$PWD/$state ;; esac
  # shellcheck source=env.sh
  source "$here/env.sh"
  if [ ! -f "$state/peer/pgid" ]; then
    echo "peer.sh: no peer in $state" >&2
    exit 1
  fi
  DQ_PEERS_TMP=$state
  DQ_PEERS_STARTED=(peer)
  dq_peers_cleanup
  trap - EXIT
  [ ! -e "$state" ]
  ;;
*)
  usage
  ;;
esac
