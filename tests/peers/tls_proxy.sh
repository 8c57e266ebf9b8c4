# shellcheck shell=bash
# A TLS front for a plaintext peer (Debian's dcmqrscp and wlmscpfs have no
# TLS): socat's OPENSSL-LISTEN terminating TLS, one connection each, in front
# of a running peer; also the odd servers the TLS failure tests need.
# Sourced by env.sh.
#
# dq_tls_proxy_start NAME BACKEND SSLOPTS
#   BACKEND: a running peer's name (its KIND and AET are taken over, so the
#   standard queries' expected sets apply) or a port number (KIND scripted,
#   AET ANY-SCP: e.g. tests/scp's dq_test_scp); SSLOPTS: socat OPENSSL-LISTEN
#   options, e.g. "cert=srv.pem,key=srv.key,cafile=ca.pem,verify=0".
# dq_tls_silent_start NAME
#   accepts TCP connections and never answers (a handshake that hangs).
# Sets DQ_PEER_<NAME>_{PORT,AET,PID,DIR,KIND}. Ready = listening.

dq_tls_proxy__launch() {
  local dir=$1 port=$2 backend_port=$3 opts=$4
  dq_peers__spawn "$dir" socat -d "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,$opts" \
    "TCP:127.0.0.1:$backend_port"
}

dq_tls_proxy_start() {
  local name=$1 backend=$2 opts=$3 v kind aet bport
  dq_peers_require socat || return 1
  if [[ $backend =~ ^[0-9]+$ ]]; then
    bport=$backend kind=scripted aet=ANY-SCP
  else
    v=$(dq_peers__var "$backend" PORT); bport=${!v}
    v=$(dq_peers__var "$backend" KIND); kind=${!v}
    v=$(dq_peers__var "$backend" AET); aet=${!v}
  fi
  DQ_PEER_READY=listen dq_peers__start "$name" "$kind" 1 "$aet" dq_tls_proxy__launch \
    "$bport" "$opts"
}

dq_tls_silent__launch() {
  dq_peers__spawn "$1" socat "TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork" SYSTEM:"sleep 120"
}

dq_tls_silent_start() {
  dq_peers_require socat || return 1
  DQ_PEER_READY=listen dq_peers__start "$1" silent 1 NONE dq_tls_silent__launch
}
