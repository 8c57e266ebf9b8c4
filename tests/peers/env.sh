# shellcheck shell=bash
# Real DICOM peers for end-to-end tests: DCMTK dcmqrscp, DCMTK wlmscpfs, Orthanc.
#
# Source this file from a bash test script:
#
#   source tests/peers/env.sh
#   dq_dcmqrscp_start qr            # prints "qr: dcmqrscp port=NNNNN aet=QRSCP ..."
#   findscu -aec "$DQ_PEER_QR_AET" 127.0.0.1 "$DQ_PEER_QR_PORT" ...
#   dq_peer_stop qr                 # optional: every peer is stopped on exit
#
# Every peer runs as our own process in its own process group, on a loopback port
# picked at random below the kernel's ephemeral range, with its config, data and
# log in a private temp dir. "Started" means: the process holds the listening
# socket and DCMTK's echoscu got a C-ECHO answer. Nothing lingers: an EXIT
# (and INT/TERM/HUP/PIPE) trap stops every peer and removes the temp dirs; if
# the test is killed -9, a watcher in each peer's process group stops it within
# a second; and no peer outlives DQ_PEER_LIFETIME seconds (timeout(1)).
# Nothing here needs or changes root/user identity.
#
# See tests/peers/README.md for the data each peer holds and the match sets.

if [ -n "${DQ_PEERS_ENV_LOADED:-}" ]; then
  return 0
fi
DQ_PEERS_ENV_LOADED=1

DQ_PEERS_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${DQ_PYDICOM_DATA:=/usr/lib/python3/dist-packages/pydicom/data}"
: "${DQ_PEER_TIMEOUT:=30}"      # seconds a peer may take to accept its first C-ECHO (loaded CI)
: "${DQ_PEER_LIFETIME:=900}"    # hard cap on a peer's life, in seconds
# The process whose end stops the peers (checked every second); empty: none.
: "${DQ_PEER_OWNER=$$}"
: "${DQ_PEER_VERBOSE:=0}"       # 1: print each peer's log when it is stopped
# The pydicom's python (not a pyenv one without pydicom) runs matches.py.
: "${DQ_PYTHON:=/usr/bin/python3}"

# Files loaded into dcmqrscp/Orthanc when a start names none: distinct patients,
# studies and series, one instance each (paths relative to DQ_PYDICOM_DATA).
# The charset_files entries give one Specific Character Set each.
# shellcheck disable=SC2034  # used by the peer files and the tests
DQ_SAMPLE_FILES=(
  test_files/CT_small.dcm
  test_files/MR_small.dcm
  test_files/JPEG2000.dcm
  test_files/rtplan.dcm
  test_files/rtdose.dcm
  test_files/waveform_ecg.dcm
  test_files/liver_1frame.dcm
  charset_files/chrFren.dcm
  charset_files/chrGerm.dcm
  charset_files/chrGreek.dcm
  charset_files/chrRuss.dcm
  charset_files/chrX1.dcm
  charset_files/chrH31.dcm
)

DQ_PEERS_TMP=""        # created on first start; removed by dq_peers_cleanup
DQ_PEERS__SUBSHELL=$BASH_SUBSHELL   # starts must happen at this level (see below)
DQ_PEERS_STARTED=()    # names of running peers, in start order

dq_peers__log() { echo "peers: $*" >&2; }

# ---- process groups ---------------------------------------------------------

# dq_peers__group_pids PGID: the live (non-zombie) processes of a group, one
# per line. Reads /proc/*/stat without forking: it runs in polling loops.
dq_peers__group_pids() {
  local s line f
  for s in /proc/[0-9]*/stat; do
    { read -r line < "$s"; } 2> /dev/null || continue
    # comm may hold spaces or ')': the fields after the last ')' are
    # state ppid pgrp ...
    # shellcheck disable=SC2206  # split on purpose: numeric fields
    f=(${line##*) })
    if [ "${f[2]}" = "$1" ] && [ "${f[0]}" != Z ] && [ "${f[0]}" != X ]; then
      s=${s#/proc/}
      echo "${s%/stat}"
    fi
  done
}

# dq_peers__group_alive PGID: true while any non-zombie process is in the group.
dq_peers__group_alive() {
  [ -n "$(dq_peers__group_pids "$1")" ]
}

# dq_peers__leader_alive PGID: the group leader (timeout(1), which lives exactly
# as long as the peer) is running; the owner watcher doesn't count.
dq_peers__leader_alive() {
  local line
  { read -r line < "/proc/$1/stat"; } 2> /dev/null || return 1
  line=${line##*) }
  [ "${line%% *}" != Z ] && [ "${line%% *}" != X ]
}

# dq_peers__kill_group PGID: TERM, up to 5 s grace, then KILL.
dq_peers__kill_group() {
  local pgid=$1 i
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    dq_peers__group_alive "$pgid" || return 0
    sleep 0.05
  done
  dq_peers__log "process group $pgid ignored SIGTERM for 5 s: SIGKILL"
  kill -KILL -- "-$pgid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    dq_peers__group_alive "$pgid" || return 0
    sleep 0.05
  done
  dq_peers__log "process group $pgid survived SIGKILL"
  return 1
}

# ---- ports -------------------------------------------------------------------

# dq_peers__port_in_use PORT: any TCP socket (any state) bound to PORT locally.
dq_peers__port_in_use() {
  local hex
  printf -v hex '%04X' "$1"
  awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p { found = 1 }
                    END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# dq_peers__pick_port: a random free port in 20000-32767 (below the ephemeral
# range, so outgoing connections don't take it). The peer's own bind is the
# real check: a start that loses a race is retried on another port.
dq_peers__pick_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    if ! dq_peers__port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  dq_peers__log "no free port found in 20000-32767"
  return 1
}

# dq_peers__listening PGID PORT: a process of group PGID holds a socket
# listening on PORT (so a C-ECHO answer comes from our peer, not a neighbour's).
dq_peers__listening() {
  local pgid=$1 hex inodes pid inode
  printf -v hex '%04X' "$2"
  inodes=$(awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
             /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  [ -n "$inodes" ] || return 1
  for pid in $(dq_peers__group_pids "$pgid"); do
    for inode in $inodes; do
      # shellcheck disable=SC2010  # one ls per process instead of one readlink per fd
      if ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "socket:[$inode]"; then
        return 0
      fi
    done
  done
  return 1
}

# dq_peers__echo PORT AET: one C-ECHO with short timeouts; over TLS when
# DQ_PEER_ECHO_TLS is "KEY CERT CA" (DCMTK's +tls KEY CERT +cf CA).
dq_peers__echo() {
  local tls=()
  if [ -n "${DQ_PEER_ECHO_TLS:-}" ]; then
    read -r -a tls <<< "$DQ_PEER_ECHO_TLS"
    tls=(+tls "${tls[0]}" "${tls[1]}" +cf "${tls[2]}")
  fi
  echoscu -q -to 2 -ta 2 -td 2 "${tls[@]}" -aet DQPROBE -aec "$2" 127.0.0.1 "$1" >/dev/null 2>&1
}

# ---- peer bookkeeping ----------------------------------------------------------

dq_peers__tmp() {
  if [ -z "$DQ_PEERS_TMP" ] || [ ! -d "$DQ_PEERS_TMP" ]; then
    DQ_PEERS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dq-peers.XXXXXX") || return 1
  fi
}

# dq_peers__check_name NAME: names become env var names (DQ_PEER_<NAME>_PORT).
dq_peers__check_name() {
  if ! [[ $1 =~ ^[a-z][a-z0-9_]*$ ]]; then
    dq_peers__log "bad peer name '$1' (use [a-z][a-z0-9_]*)"
    return 1
  fi
  if [ -e "$DQ_PEERS_TMP/$1" ]; then
    dq_peers__log "peer '$1' already exists"
    return 1
  fi
}

# dq_peers__var NAME FIELD -> DQ_PEER_<NAME>_<FIELD>
dq_peers__var() { local n=${1^^}; echo "DQ_PEER_${n}_$2"; }

# dq_peers__export NAME FIELD VALUE: exported, and recorded in the peer's dir.
dq_peers__export() {
  local v
  v=$(dq_peers__var "$1" "$2")
  export "$v=$3"
  echo "$2=$3" >> "$DQ_PEERS_TMP/$1/env"
}

# dq_peers__spawn DIR CMD...: runs CMD in a new session/process group under
# timeout(1) with stdin closed and output to DIR/log. Sets DQ_PEERS__PGID (also
# written to DIR/pid) and DQ_PEERS__JOB (our child, to reap). Must run in this
# shell, not in $(...), so that this shell can reap it.
dq_peers__spawn() {
  local dir=$1 i
  shift
  rm -f "$dir/pid"
  # bash -c writes its own pid, then execs timeout: that pid leads the group
  # whether or not setsid had to fork.
  # A watcher in the group ends the group when the owner (the test) is gone,
  # even if it died by SIGKILL and its EXIT trap never ran.
  # shellcheck disable=SC2016  # expanded by the inner bash
  setsid bash -c '
    echo $$ > "$0.tmp" && mv "$0.tmp" "$0" || exit 1
    if [ -n "$2" ]; then
      # (an owner that exited but was not reaped yet counts as gone)
      alive() { local l; { read -r l < "/proc/$1/stat"; } 2> /dev/null || return 1
                l=${l##*) }; [ "${l%% *}" != Z ]; }
      ( while alive "$2"; do sleep 1; done
        trap "" TERM; kill -TERM 0; sleep 2
        d=${0%/pid}; rm -rf "$d"
        # The last peer of a dead owner removes the shared temp dir too.
        set -- "${d%/*}"/*/pgid
        [ -e "$1" ] || rm -rf "${d%/*}" ) &
    fi
    exec timeout -k 3 "$1" "${@:3}"' \
    "$dir/pid" "$DQ_PEER_LIFETIME" "$DQ_PEER_OWNER" "$@" < /dev/null >> "$dir/log" 2>&1 &
  DQ_PEERS__JOB=$!
  for ((i = 0; i < 300; i++)); do
    if [ -s "$dir/pid" ]; then
      DQ_PEERS__PGID=$(< "$dir/pid")
      echo "$DQ_PEERS__JOB" > "$dir/job"
      return 0
    fi
    sleep 0.01
  done
  dq_peers__log "could not start: $*"
  return 1
}

# dq_peers__wait_ready DIR PGID PORT AET [PORT2]: until the group listens on
# PORT (and PORT2) and answers C-ECHO. Returns 2 if the peer died (e.g. the
# port was taken meanwhile: the caller retries), 1 on timeout.
dq_peers__wait_ready() {
  local dir=$1 pgid=$2 port=$3 aet=$4 port2=${5:-} deadline
  deadline=$((SECONDS + DQ_PEER_TIMEOUT))
  while :; do
    if ! dq_peers__leader_alive "$pgid"; then
      return 2
    fi
    # DQ_PEER_READY=listen: for peers started to refuse associations.
    if dq_peers__listening "$pgid" "$port" &&
       { [ -z "$port2" ] || dq_peers__listening "$pgid" "$port2"; } &&
       { [ "${DQ_PEER_READY:-echo}" = listen ] || dq_peers__echo "$port" "$aet"; }; then
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.05
  done
}

dq_peers__show_log() {
  if [ -f "$1/log" ]; then
    echo "---- $1/log (last 30 lines)" >&2
    tail -n 30 "$1/log" >&2
    echo "----" >&2
  fi
}

# dq_peers__start NAME KIND NPORTS AET LAUNCH_FN [ARGS...]: the start loop shared
# by all peers. LAUNCH_FN DIR PORT [PORT2] ARGS... writes config and spawns
# (dq_peers__spawn). Up to 5 attempts on fresh ports.
dq_peers__start() {
  local name=$1 kind=$2 nports=$3 aet=$4 launch=$5 dir attempt port port2 pgid rc t0
  shift 5
  # In a pipeline or $(...) the peer would escape this shell's bookkeeping and
  # its EXIT trap: refuse rather than leave it to the watcher.
  if [ "$BASH_SUBSHELL" != "$DQ_PEERS__SUBSHELL" ]; then
    dq_peers__log "start $name in the shell that sourced env.sh, not in a pipeline or \$(...)"
    return 1
  fi
  dq_peers__tmp || return 1
  dq_peers__check_name "$name" || return 1
  dir=$DQ_PEERS_TMP/$name
  t0=$(date +%s%N)
  for ((attempt = 1; attempt <= 5; attempt++)); do
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(dq_peers__pick_port) || return 1
    port2=""
    if [ "$nports" = 2 ]; then
      port2=$(dq_peers__pick_port) || return 1
      [ "$port2" != "$port" ] || continue
    fi
    DQ_PEERS__PGID=""
    "$launch" "$dir" "$port" ${port2:+"$port2"} "$@" || {
      dq_peers__show_log "$dir"; rm -rf "$dir"; return 1; }
    pgid=$DQ_PEERS__PGID
    echo "$pgid" > "$dir/pgid"
    DQ_PEERS_STARTED+=("$name")
    rc=0
    dq_peers__wait_ready "$dir" "$pgid" "$port" "$aet" "$port2" || rc=$?
    if [ "$rc" = 0 ]; then
      dq_peers__export "$name" KIND "$kind"
      dq_peers__export "$name" PORT "$port"
      [ -z "$port2" ] || dq_peers__export "$name" HTTP_PORT "$port2"
      dq_peers__export "$name" AET "$aet"
      dq_peers__export "$name" PID "$pgid"
      dq_peers__export "$name" DIR "$dir"
      echo "$name: $kind port=$port${port2:+ http_port=$port2} aet=$aet pid=$pgid" \
           "ready_ms=$((($(date +%s%N) - t0) / 1000000))"
      return 0
    fi
    dq_peers__kill_group "$pgid"
    wait "$DQ_PEERS__JOB" 2>/dev/null || true
    dq_peers__forget "$name"
    if [ "$rc" = 1 ]; then
      dq_peers__log "$name: $kind did not accept C-ECHO on port $port within ${DQ_PEER_TIMEOUT}s"
      dq_peers__show_log "$dir"
      rm -rf "$dir"
      return 1
    fi
    # Died before answering: most likely lost the port to someone else. Retry,
    # unless the log says otherwise (config error, missing binary...).
    if ! grep -qiE 'in use|cannot listen|bind|network connection failed' "$dir/log" 2> /dev/null; then
      dq_peers__log "$name: $kind exited during start-up"
      dq_peers__show_log "$dir"
      rm -rf "$dir"
      return 1
    fi
    dq_peers__log "$name: port $port was taken, retrying"
  done
  dq_peers__log "$name: $kind could not start after 5 attempts"
  rm -rf "$dir"
  return 1
}

dq_peers__forget() {
  local i keep=()
  for i in "${DQ_PEERS_STARTED[@]}"; do
    [ "$i" = "$1" ] || keep+=("$i")
  done
  DQ_PEERS_STARTED=("${keep[@]}")
}

# dq_peer_stop NAME: stops the peer (its whole process group) and removes its dir.
dq_peer_stop() {
  local name=$1 dir pgid f
  dir=$DQ_PEERS_TMP/$name
  if [ -z "$DQ_PEERS_TMP" ] || [ ! -f "$dir/pgid" ]; then
    dq_peers__log "no peer named '$name'"
    return 1
  fi
  pgid=$(cat "$dir/pgid")
  dq_peers__kill_group "$pgid" || return 1
  # Reap it when it is this shell's child (not when started from a subshell).
  [ ! -f "$dir/job" ] || wait "$(< "$dir/job")" 2>/dev/null || true
  [ "$DQ_PEER_VERBOSE" = 1 ] && dq_peers__show_log "$dir"
  for f in KIND PORT HTTP_PORT AET PID DIR; do
    unset "$(dq_peers__var "$name" "$f")"
  done
  dq_peers__forget "$name"
  rm -rf "$dir"
}

# dq_peers_cleanup: stops every peer this shell started and removes the temp dir.
# Installed as the EXIT trap; call it yourself if you replace that trap.
dq_peers_cleanup() {
  local n
  for n in "${DQ_PEERS_STARTED[@]}"; do
    dq_peer_stop "$n" || true
  done
  if [ -n "$DQ_PEERS_TMP" ] && [ -d "$DQ_PEERS_TMP" ]; then
    rm -rf "$DQ_PEERS_TMP"
  fi
  DQ_PEERS_TMP=""
}

trap 'dq_peers_cleanup' EXIT
trap 'dq_peers_cleanup; trap - INT; kill -INT $$' INT
trap 'dq_peers_cleanup; trap - TERM; kill -TERM $$' TERM
trap 'dq_peers_cleanup; trap - HUP; kill -HUP $$' HUP
trap 'dq_peers_cleanup; trap - PIPE; kill -PIPE $$' PIPE

# dq_peers_require CMD...: true if every command exists, else says which is missing.
dq_peers_require() {
  local c missing=()
  for c in "$@"; do
    command -v "$c" > /dev/null 2>&1 || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    dq_peers__log "missing: ${missing[*]} (scripts/deps.sh installs them)"
    return 1
  fi
}

# dq_sample_path FILE: absolute path of a sample (absolute paths pass through;
# bare names are looked up in pydicom's test_files/ then charset_files/).
dq_sample_path() {
  case $1 in
    /*) echo "$1" ;;
    */*) echo "$DQ_PYDICOM_DATA/$1" ;;
    *)
      if [ -f "$DQ_PYDICOM_DATA/test_files/$1" ]; then echo "$DQ_PYDICOM_DATA/test_files/$1"
      else echo "$DQ_PYDICOM_DATA/charset_files/$1"; fi ;;
  esac
}

# dq_worklist_build OUTDIR: the committed worklist dumps turned into .wl files
# (made once per shell, then copied).
dq_worklist_build() {
  local out=$1 cache d
  dq_peers__tmp || return 1
  cache=$DQ_PEERS_TMP/.worklist
  if [ ! -d "$cache" ]; then
    mkdir -p "$cache.tmp" || return 1
    for d in "$DQ_PEERS_HOME"/worklist/*.dump; do
      d=${d##*/}
      dump2dcm -q -g +te "$DQ_PEERS_HOME/worklist/$d" "$cache.tmp/${d%.dump}.wl" || {
        dq_peers__log "dump2dcm failed on worklist/$d"; rm -rf "$cache.tmp"; return 1; }
    done
    mv "$cache.tmp" "$cache" || return 1
  fi
  mkdir -p "$out" && cp "$cache"/*.wl "$out/"
}

# dq_matches DIR KEYWORD...: the sorted match set of the response files in DIR.
dq_matches() {
  "$DQ_PYTHON" "$DQ_PEERS_HOME/matches.py" "$@"
}

# ---- the standard queries (queries.tsv) and their expected match sets -------

# dq_query_names [KIND]: the query names of queries.tsv (those run against KIND).
dq_query_names() {
  awk -F'\t' -v k="${1:-}" '!/^#/ && NF >= 5 && (k == "" || index("," $2 ",", "," k ",")) { print $1 }' \
    "$DQ_PEERS_HOME/queries.tsv"
}

# dq_query_load NAME: sets DQ_Q_PEERS (comma list), DQ_Q_MODEL (-P/-S/-O/-W),
# DQ_Q_K (array: the -k values), DQ_Q_ARGS (array: -k K -k K ...) and
# DQ_Q_KEYS (array: keys matches.py prints).
dq_query_load() {
  local line
  line=$(awk -F'\t' -v n="$1" '!/^#/ && $1 == n' "$DQ_PEERS_HOME/queries.tsv")
  if [ -z "$line" ]; then
    dq_peers__log "no query named '$1' in queries.tsv"
    return 1
  fi
  local name peers model k keys
  IFS=$'\t' read -r name peers model k keys <<< "$line"
  # shellcheck disable=SC2034  # for the callers
  DQ_Q_PEERS=$peers
  DQ_Q_MODEL=$model
  IFS=';' read -r -a DQ_Q_K <<< "$k"
  IFS=' ' read -r -a DQ_Q_KEYS <<< "$keys"
  DQ_Q_ARGS=()
  for k in "${DQ_Q_K[@]}"; do DQ_Q_ARGS+=(-k "$k"); done
}

# dq_query_expected NAME KIND: path of the expected match set.
dq_query_expected() { echo "$DQ_PEERS_HOME/expected/$1.$2.tsv"; }

# dq_find CLIENT PEER OUTDIR MODEL [ARGS...]: one C-FIND by CLIENT against the
# running peer PEER. CLIENT is "dcmtk" (DCMTK's findscu, -X) or the path of our
# findscu (-w, run inside OUTDIR); either way the responses end up as rsp*.dcm
# in OUTDIR and the client's output in OUTDIR/findscu.log; returns the client's
# exit status. Called AE: DQ_FIND_AEC, default the peer's AE title; "-" leaves
# the client's own default (ANY-SCP for both).
# DQ_FIND_TLS_OURS / DQ_FIND_TLS_DCMTK (arrays, may be unset): options put
# before the others, e.g. (--tls --tls-ca ca.pem) and (+tls k.pem c.pem +cf ca.pem).
dq_find() {
  local client=$1 peer=$2 out=$3 port aet aec=()
  shift 3
  port=$(dq_peers__var "$peer" PORT); port=${!port}
  aet=$(dq_peers__var "$peer" AET); aet=${!aet}
  aet=${DQ_FIND_AEC:-$aet}
  [ "$aet" = - ] || aec=(-aec "$aet")
  mkdir -p "$out" || return 1
  if [ "$client" = dcmtk ]; then
    findscu "${DQ_FIND_TLS_DCMTK[@]}" -X -od "$out" -aet DQTEST "${aec[@]}" -to 10 -ta 10 -td 30 \
      127.0.0.1 "$port" "$@" > "$out/findscu.log" 2>&1
  else
    (cd "$out" && exec "$client" "${DQ_FIND_TLS_OURS[@]}" -aet DQTEST "${aec[@]}" -w 127.0.0.1 \
      "$port" "$@") > "$out/findscu.log" 2>&1
  fi
}

# dq_query_run CLIENT PEER NAME OUTDIR: query NAME of queries.tsv by CLIENT
# (as for dq_find) against the running peer PEER.
dq_query_run() {
  dq_query_load "$3" || return 1
  dq_find "$1" "$2" "$4" "$DQ_Q_MODEL" "${DQ_Q_ARGS[@]}"
}

# dq_query_dcmtk PEER NAME OUTDIR: dq_query_run with DCMTK's findscu.
dq_query_dcmtk() { dq_query_run dcmtk "$@"; }

# dq_query_check PEER NAME OUTDIR: the match set of the response files in OUTDIR
# (any client's) against expected/NAME.<peer kind>.tsv. Prints a diff and fails
# on a mismatch. DQ_UPDATE_EXPECTED=1 writes the expected file instead.
dq_query_check() {
  dq_query_load "$2" || return 1
  dq_matches "$3" "${DQ_Q_KEYS[@]}" > "$3/matches.tsv" || return 1
  dq_query__compare "$@"
}

# dq_query_check_many PEER OUTROOT NAME...: dq_query_check for several queries
# whose answers are in OUTROOT/NAME, with one python run. Prints "ok NAME (N)"
# or the diff per query; fails if any differs.
dq_query_check_many() {
  local peer=$1 root=$2 q status=0
  shift 2
  for q in "$@"; do
    dq_query_load "$q" || return 1
    printf '%s\t%s\n' "$root/$q" "${DQ_Q_KEYS[*]}"
  done | "$DQ_PYTHON" "$DQ_PEERS_HOME/matches.py" --batch || return 1
  for q in "$@"; do
    if dq_query__compare "$peer" "$q" "$root/$q"; then
      echo "ok   $q ($(wc -l < "$root/$q/matches.tsv") matches)"
    else
      echo "FAIL $q"
      status=1
    fi
  done
  return $status
}

# dq_query__compare PEER NAME OUTDIR: OUTDIR/matches.tsv against the expected set.
dq_query__compare() {
  local peer=$1 name=$2 out=$3 kind exp
  kind=$(dq_peers__var "$peer" KIND); kind=${!kind}
  exp=$(dq_query_expected "$name" "$kind")
  if [ "${DQ_UPDATE_EXPECTED:-0}" = 1 ]; then
    mkdir -p "${exp%/*}" && cp "$out/matches.tsv" "$exp"
    return
  fi
  if [ ! -f "$exp" ]; then
    dq_peers__log "missing $exp (DQ_UPDATE_EXPECTED=1 writes it)"
    return 1
  fi
  if ! diff -u "$exp" "$out/matches.tsv" >&2; then
    dq_peers__log "$name against $kind: match set differs from ${exp#"$DQ_PEERS_HOME"/}"
    return 1
  fi
}

# shellcheck source=dcmqrscp.sh
source "$DQ_PEERS_HOME/dcmqrscp.sh"
# shellcheck source=wlmscpfs.sh
source "$DQ_PEERS_HOME/wlmscpfs.sh"
# shellcheck source=orthanc.sh
source "$DQ_PEERS_HOME/orthanc.sh"
# shellcheck source=tls_proxy.sh
source "$DQ_PEERS_HOME/tls_proxy.sh"
