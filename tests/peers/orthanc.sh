# shellcheck shell=bash
# Orthanc (Debian 1.10) as our own foreground process: Q/R SCP for the samples
# and, through its ModalityWorklists plugin, worklist SCP for
# tests/peers/worklist/*.dump. Sourced by env.sh.
#
# dq_orthanc_start NAME [FILE...]
#   FILEs as for dq_dcmqrscp_start (none = DQ_SAMPLE_FILES), uploaded over its
#   REST API with curl once it runs.
# Environment:
#   DQ_ORTHANC_AET      its AE title (default ORTHANC; it accepts any called AE)
#   DQ_ORTHANC_THREADS  DicomThreadsCount (default: Orthanc's own, 4)
#   DQ_ORTHANC_TLS      "CERT KEY CA REQUIRED": DICOM over TLS only (Orthanc's
#                       DicomTls* settings; REQUIRED true: client certificates
#                       are required); start with DQ_PEER_ECHO_TLS set too
# Sets DQ_PEER_<NAME>_{PORT,HTTP_PORT,AET,PID,DIR,KIND}.

DQ_ORTHANC_WORKLIST_PLUGIN=/usr/share/orthanc/plugins/libModalityWorklists.so

# dq_orthanc__json STRING: STRING as a JSON string literal.
dq_orthanc__json() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

dq_orthanc__launch() {
  local dir=$1 port=$2 http=$3 aet=$4 threads="" tls="" t=()
  mkdir -p "$dir/storage" "$dir/index" "$dir/tmp" || return 1
  dq_worklist_build "$dir/wl" || return 1
  [ -z "${DQ_ORTHANC_THREADS:-}" ] || threads="\"DicomThreadsCount\": $DQ_ORTHANC_THREADS,"
  if [ -n "${DQ_ORTHANC_TLS:-}" ]; then
    read -r -a t <<< "$DQ_ORTHANC_TLS"
    tls="\"DicomTlsEnabled\": true, \"DicomTlsCertificate\": $(dq_orthanc__json "${t[0]}"),
  \"DicomTlsPrivateKey\": $(dq_orthanc__json "${t[1]}"),
  \"DicomTlsTrustedCertificates\": $(dq_orthanc__json "${t[2]}"),
  \"DicomTlsRemoteCertificateRequired\": ${t[3]},"
  fi
  # Settings from ../shared/peers/NOTES.md: loopback only, no called-AE check,
  # FIND always allowed, UTF-8 default (Latin1 drops Greek/Cyrillic/CJK), no
  # result limit. No user switch: safe as root.
  cat > "$dir/orthanc.json" <<EOF
{
  "Name": "dq-test-$port",
  "StorageDirectory": $(dq_orthanc__json "$dir/storage"),
  "IndexDirectory": $(dq_orthanc__json "$dir/index"),
  "TemporaryDirectory": $(dq_orthanc__json "$dir/tmp"),
  "DicomServerEnabled": true,
  "DicomAet": $(dq_orthanc__json "$aet"),
  "DicomPort": $port,
  "HttpServerEnabled": true,
  "HttpPort": $http,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "SslEnabled": false,
  "DicomCheckCalledAet": false,
  "DicomAlwaysAllowEcho": true,
  "DicomAlwaysAllowFind": true,
  "DicomAlwaysAllowFindWorklist": true,
  "DefaultEncoding": "Utf8",
  "LimitFindResults": 0,
  "LimitFindInstances": 0,
  "SaveJobs": false,
  "ExecuteLuaEnabled": false,
  "StorageCompression": false,
  $threads
  $tls
  "Plugins": [ $(dq_orthanc__json "$DQ_ORTHANC_WORKLIST_PLUGIN") ],
  "Worklists": { "Enable": true, "Database": $(dq_orthanc__json "$dir/wl") }
}
EOF
  dq_peers__spawn "$dir" Orthanc "$dir/orthanc.json"
}

dq_orthanc_start() {
  local name=$1 aet=${DQ_ORTHANC_AET:-ORTHANC} http f src code dir files=()
  shift
  dq_peers_require Orthanc curl dump2dcm echoscu || return 1
  if [ ! -f "$DQ_ORTHANC_WORKLIST_PLUGIN" ]; then
    dq_peers__log "Orthanc worklist plugin missing: $DQ_ORTHANC_WORKLIST_PLUGIN"
    return 1
  fi
  files=("$@")
  [ ${#files[@]} -gt 0 ] || files=("${DQ_SAMPLE_FILES[@]}")
  for f in "${files[@]}"; do
    src=$(dq_sample_path "$f")
    if [ ! -f "$src" ]; then
      dq_peers__log "orthanc: no such sample file: $f ($src)"
      return 1
    fi
  done
  dq_peers__start "$name" orthanc 2 "$aet" dq_orthanc__launch "$aet" || return 1
  http=$(dq_peers__var "$name" HTTP_PORT); http=${!http}
  dir=$DQ_PEERS_TMP/$name
  for f in "${files[@]}"; do
    src=$(dq_sample_path "$f")
    code=$(curl -sS -o "$dir/upload.out" -w '%{http_code}' --max-time 20 \
                -X POST --data-binary @"$src" "http://127.0.0.1:$http/instances" 2>> "$dir/log") || code=curl-failed
    if [ "$code" != 200 ]; then
      dq_peers__log "$name: upload of $f to Orthanc failed ($code)"
      cat "$dir/upload.out" >&2 2>/dev/null
      dq_peer_stop "$name"
      return 1
    fi
  done
  rm -f "$dir/upload.out"
}
