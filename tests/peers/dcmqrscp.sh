# shellcheck shell=bash
# DCMTK dcmqrscp (Query/Retrieve SCP: Patient Root, Study Root, Patient/Study Only).
# Sourced by env.sh.
#
# dq_dcmqrscp_start NAME [FILE...] [-- DCMQRSCP_OPTION...]
#   FILEs: pydicom sample names (CT_small.dcm, charset_files/chrFren.dcm) or
#   absolute paths; none given = DQ_SAMPLE_FILES. Options after -- go to
#   dcmqrscp itself (e.g. -QP -QS to offer Patient/Study Only alone, -XF).
# Environment:
#   DQ_QR_AET   its AE title (default QRSCP, what the spec's seed example shows
#               as RetrieveAETitle). ANY-SCP, pynetdicom's default called AE,
#               is configured too, on the same storage: dcmqrscp rejects a
#               called AE title it doesn't know.
#   DQ_QR_LOAD  dcmqridx (default: index the files before start, no network) or
#               storescu (C-STORE them once it runs).
# Sets DQ_PEER_<NAME>_{PORT,AET,PID,DIR,KIND}.

dq_dcmqrscp__launch() {
  local dir=$1 port=$2 aet=$3 load=$4 f src opts=() files=() seen_sep=0
  shift 4
  for f in "$@"; do
    if [ "$seen_sep" = 1 ]; then opts+=("$f"); continue; fi
    if [ "$f" = -- ]; then seen_sep=1; continue; fi
    files+=("$f")
  done
  mkdir -p "$dir/db" || return 1
  : > "$dir/files"
  for f in "${files[@]}"; do
    src=$(dq_sample_path "$f")
    if [ ! -f "$src" ]; then
      dq_peers__log "dcmqrscp: no such sample file: $f ($src)"
      return 1
    fi
    echo "$src" >> "$dir/files"
  done
  # Copies are named by basename: two samples with one name would collide.
  if [ -n "$(sed 's|.*/||' "$dir/files" | sort | uniq -d)" ]; then
    dq_peers__log "dcmqrscp: two sample files share a name"
    return 1
  fi
  if [ "$load" = dcmqridx ] && [ -s "$dir/files" ]; then
    # dcmqridx records the paths it indexes: index private copies.
    local copies=() srcs=()
    mapfile -t srcs < "$dir/files"
    cp -- "${srcs[@]}" "$dir/db/" || return 1
    for src in "${srcs[@]}"; do copies+=("$dir/db/${src##*/}"); done
    if ! dcmqridx -q "$dir/db" "${copies[@]}" >> "$dir/log" 2>&1; then
      dq_peers__log "dcmqrscp: dcmqridx could not index the files (see $dir/log)"
      dq_peers__show_log "$dir"
      return 1
    fi
  fi
  {
    echo "# dcmqrscp config written by tests/peers/dcmqrscp.sh"
    echo "NetworkTCPPort  = $port"
    echo "MaxPDUSize      = 16384"
    echo "MaxAssociations = 16"
    # No UserName/GroupName: as root, dcmqrscp would switch to that user.
    echo "HostTable BEGIN"
    echo "HostTable END"
    echo "VendorTable BEGIN"
    echo "VendorTable END"
    echo "AETable BEGIN"
    echo "$aet  $dir/db  RW  (1000, 1024mb)  ANY"
    [ "$aet" = ANY-SCP ] || echo "ANY-SCP  $dir/db  RW  (1000, 1024mb)  ANY"
    echo "AETable END"
  } > "$dir/dcmqrscp.cfg"
  # +xw: accept the JPEG 2000 sample when it is C-STOREd.
  dq_peers__spawn "$dir" dcmqrscp -c "$dir/dcmqrscp.cfg" +xw "${opts[@]}" "$port"
}

dq_dcmqrscp_start() {
  local name=$1 aet=${DQ_QR_AET:-QRSCP} load=${DQ_QR_LOAD:-dcmqridx} args port dir
  shift
  dq_peers_require dcmqrscp dcmqridx echoscu storescu || return 1
  case $load in dcmqridx | storescu) ;; *)
    dq_peers__log "DQ_QR_LOAD must be dcmqridx or storescu, not '$load'"; return 1 ;;
  esac
  args=("$@")
  # No files before "--" (or no args at all): the default sample set.
  if [ ${#args[@]} -eq 0 ] || [ "${args[0]}" = -- ]; then
    args=("${DQ_SAMPLE_FILES[@]}" "${args[@]}")
  fi
  dq_peers__start "$name" dcmqrscp 1 "$aet" dq_dcmqrscp__launch "$aet" "$load" "${args[@]}" ||
    return 1
  if [ "$load" = storescu ]; then
    port=$(dq_peers__var "$name" PORT); port=${!port}
    dir=$DQ_PEERS_TMP/$name
    local files=()
    mapfile -t files < "$dir/files"
    if [ ${#files[@]} -gt 0 ] &&
       ! storescu -q -nh -xw -aet DQLOAD -aec "$aet" 127.0.0.1 "$port" "${files[@]}" \
           >> "$dir/storescu.log" 2>&1; then
      dq_peers__log "$name: storescu could not store every file (see below)"
      cat "$dir/storescu.log" >&2
      dq_peer_stop "$name"
      return 1
    fi
  fi
}
