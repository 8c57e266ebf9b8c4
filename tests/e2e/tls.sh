#!/usr/bin/env bash
# findscu over TLS end to end (README "Secure connections").
#
#   tests/e2e/tls.sh FINDSCU dcmqrscp|orthanc|failures|bytes [DQ_TEST_SCP]
#
# Certificates are made for the run (tls_certs.sh). dcmqrscp: the standard
# queries through a socat TLS front of dcmqrscp, by our findscu and DCMTK's
# (+tls), the same match sets as in plaintext (expected/); mutual TLS with
# an encrypted client key; close_notify on release. orthanc: the same against
# Orthanc's own DICOM TLS with client certificates required. failures: each
# failure case gives exit 1, one error line with OpenSSL's reason, within its
# bound; Ctrl-C ends a hanging handshake at once. bytes: the A-ASSOCIATE-RQ
# over TLS equals the plaintext one (the scripted SCP behind socat).
# Exit status: number of failures (0 = all passed).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mode=$kind
scp=${3:-}

dq_peers_require findscu socat openssl "$DQ_PYTHON" || exit 1
dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/tls-$mode
C=$work/certs
mkdir -p "$work"
bash "$here/tls_certs.sh" "$C" || { echo "could not make the test certificates"; exit 1; }
SRV="cert=$C/srv.pem,key=$C/srv.key,verify=0"
# Debian's DCMTK findscu is built with OpenSSL (+tls): the comparison client.
dcmtk_tls=0
if findscu --help 2>&1 | grep -- '+tls' > /dev/null; then dcmtk_tls=1; fi
echo "DCMTK findscu with TLS: $([ $dcmtk_tls = 1 ] && echo yes || echo no)"

# run_queries PEER KIND: every standard query for KIND over TLS, ours and DCMTK's.
run_queries() {
  local peer=$1 kind=$2 q n
  for q in $(dq_query_names "$kind"); do
    if ! dq_query_run "$findscu" "$peer" "$q" "$work/ours-$q" ||
       ! dq_query_check "$peer" "$q" "$work/ours-$q"; then
      fail "$q over TLS: our match set differs from expected/$q.$kind.tsv"
      sed 's/^/    /' "$work/ours-$q/findscu.log" | tail -5; continue
    fi
    n=$(wc -l < "$work/ours-$q/matches.tsv")
    if [ $dcmtk_tls = 1 ]; then
      if ! dq_query_dcmtk "$peer" "$q" "$work/dcmtk-$q" ||
         ! dq_query_check "$peer" "$q" "$work/dcmtk-$q" ||
         ! diff -u "$work/dcmtk-$q/matches.tsv" "$work/ours-$q/matches.tsv"; then
        fail "$q over TLS: DCMTK findscu +tls disagrees"; continue
      fi
    fi
    pass "$q over TLS: $n matches, as in plaintext$([ $dcmtk_tls = 1 ] && echo ' and as DCMTK findscu +tls')"
  done
}

# expect_fail NAME MAXSECONDS PATTERN ARGS...: our findscu with ARGS exits 1
# within MAXSECONDS with exactly one E: line, matching PATTERN (grep -E).
expect_fail() {
  local name=$1 max=$2 pat=$3 log=$work/fail-$1.log t0 st el n want=${EXPECT_LINES:-1}
  shift 3
  t0=$(date +%s%N)
  "$findscu" "$@" -k QueryRetrieveLevel=PATIENT > /dev/null 2> "$log"
  st=$?
  el=$((($(date +%s%N) - t0) / 1000000))
  n=$(grep -c '^E: ' "$log")
  if [ $st = 1 ] && [ "$n" = "$want" ] && grep -qE "^E: .*($pat)" "$log" &&
     [ $el -le $((max * 1000)) ]; then
    pass "$name: exit 1 after ${el} ms: $(grep '^E: ' "$log" | tr '\n' ' ')"
  else
    fail "$name: status $st, $n error lines, ${el} ms (want 1, $want lines, one matching '$pat', <= ${max} s)"
    sed 's/^/    /' "$log"
  fi
}

# expect_ok NAME ARGS...: our findscu with ARGS finds the seed patient.
expect_ok() {
  local name=$1 log=$work/ok-$1.log
  shift
  if "$findscu" "$@" -k QueryRetrieveLevel=PATIENT -k PatientName=CompressedSamples^CT1 \
       > /dev/null 2> "$log" && grep -qxF 'I: Find SCP Response: 1 - 0xFF00 (Pending)' "$log" &&
     grep -qxF 'I: Find SCP Result: 0x0000 (Success)' "$log"; then
    pass "$name"
  else
    fail "$name"; sed 's/^/    /' "$log"
  fi
}


case $mode in
dcmqrscp)
  dq_dcmqrscp_start qr || exit 1
  dq_tls_proxy_start tq qr "$SRV" || exit 1
  DQ_FIND_TLS_OURS=(--tls --tls-ca "$C/ca.pem" --tls-sni localhost)
  DQ_FIND_TLS_DCMTK=(+tls "$C/cli.key" "$C/cli.pem" +cf "$C/ca.pem")
  run_queries tq dcmqrscp
  # -d: what was negotiated, and the peer's certificate.
  expect_ok debug-info --tls --tls-ca "$C/ca.pem" -d -aec QRSCP localhost "$(port_of tq)"
  log=$work/ok-debug-info.log
  if grep -qE '^D: TLS connection: TLSv1\.[23], cipher suite [A-Z0-9_-]+$' "$log" &&
     grep -qxF 'D: TLS peer certificate subject: CN=localhost' "$log" &&
     grep -qxF 'D: TLS peer certificate issuer: CN=dq-test-ca (verified)' "$log"; then
    pass "-d shows protocol, cipher suite, subject and issuer"
  else
    fail "-d TLS lines"; grep 'TLS' "$log"
  fi
  # Every profile negotiates with an RSA server.
  for p in bcp195-nd bcp195 bcp195-ex; do
    expect_ok "profile-$p" --tls --tls-profile "$p" --tls-ca "$C/ca.pem" -aec QRSCP localhost \
      "$(port_of tq)"
  done
  # TLS 1.2 only at the server: the profiles' TLS 1.2 suites are used.
  dq_tls_proxy_start t12 qr "$SRV,openssl-max-proto-version=TLS1.2" || exit 1
  for p in bcp195-nd bcp195 bcp195-ex; do
    expect_ok "profile-$p-tls12" --tls --tls-profile "$p" --tls-ca "$C/ca.pem" -aec QRSCP \
      localhost "$(port_of t12)"
  done
  # Mutual TLS: the front requires a client certificate from our CA.
  dq_tls_proxy_start tm qr "cert=$C/srv.pem,key=$C/srv.key,cafile=$C/ca.pem,verify=1" || exit 1
  expect_ok mutual --tls --tls-ca "$C/ca.pem" --tls-cert "$C/cli.pem" --tls-key "$C/cli.key" \
    -aec QRSCP localhost "$(port_of tm)"
  expect_ok mutual-encrypted-key --tls --tls-ca "$C/ca.pem" --tls-cert "$C/cli.pem" \
    --tls-key "$C/cli-enc.key" --tls-key-password-file "$C/cli-enc.pw" -aec QRSCP localhost \
    "$(port_of tm)"
  expect_fail mutual-no-certificate 10 'alert|certificate' --tls --tls-ca "$C/ca.pem" -aec QRSCP \
    localhost "$(port_of tm)"
  if [ $dcmtk_tls = 1 ]; then
    out=$work/dcmtk-mutual; mkdir -p "$out"
    if findscu -P +tls "$C/cli.key" "$C/cli.pem" +cf "$C/ca.pem" -aec QRSCP localhost \
         "$(port_of tm)" -k QueryRetrieveLevel=PATIENT -k PatientName=CompressedSamples^CT1 \
         > "$out/log" 2>&1; then
      pass "mutual: DCMTK findscu +tls too"
    else
      fail "mutual: DCMTK findscu +tls"; sed 's/^/    /' "$out/log"
    fi
  fi
  # close_notify on release: socat logs a TLS read that ends without it.
  if grep -qiE 'unexpected eof|SSL_read' "$DQ_PEER_TQ_DIR/log" "$DQ_PEER_TM_DIR/log"; then
    fail "close_notify: socat saw a connection end without it"
    grep -iE 'unexpected eof|SSL_read' "$DQ_PEER_TQ_DIR/log" | head -3
  else
    pass "close_notify: every connection of ours ended with it (socat logged no unexpected EOF)"
  fi
  ;;
orthanc)
  export DQ_ORTHANC_TLS="$C/srv.pem $C/srv.key $C/ca.pem true"
  export DQ_PEER_ECHO_TLS="$C/cli.key $C/cli.pem $C/ca.pem"
  dq_orthanc_start orth || exit 1
  unset DQ_ORTHANC_TLS DQ_PEER_ECHO_TLS
  DQ_FIND_TLS_OURS=(--tls --tls-ca "$C/ca.pem" --tls-sni localhost --tls-cert "$C/cli.pem"
                    --tls-key "$C/cli.key")
  DQ_FIND_TLS_DCMTK=(+tls "$C/cli.key" "$C/cli.pem" +cf "$C/ca.pem")
  run_queries orth orthanc
  expect_fail orthanc-no-client-certificate 10 'alert|certificate|closed' --tls \
    --tls-ca "$C/ca.pem" -aec ORTHANC localhost "$DQ_PEER_ORTH_PORT"
  expect_fail orthanc-without-tls 10 'Association Aborted|Association Rejected' -ta 5 \
    -aec ORTHANC localhost "$DQ_PEER_ORTH_PORT"
  ;;
failures)
  dq_dcmqrscp_start qr || exit 1
  ca=(--tls --tls-ca "$C/ca.pem" -ta 10 -aec QRSCP)
  dq_tls_proxy_start texp qr "cert=$C/expired.pem,key=$C/expired.key,verify=0" || exit 1
  expect_fail expired 10 'certificate has expired' "${ca[@]}" localhost "$(port_of texp)"
  dq_tls_proxy_start tother qr "cert=$C/other.pem,key=$C/other.key,verify=0" || exit 1
  expect_fail untrusted 10 'certificate verify failed: unable to get local issuer' "${ca[@]}" \
    localhost "$(port_of tother)"
  expect_ok verify-none --tls --tls-verify none -aec QRSCP localhost "$(port_of tother)"
  dq_tls_proxy_start twrong qr "cert=$C/wrong.pem,key=$C/wrong.key,verify=0" || exit 1
  expect_fail name-mismatch 10 'hostname mismatch' "${ca[@]}" localhost "$(port_of twrong)"
  expect_fail sni-mismatch 10 'hostname mismatch' "${ca[@]}" --tls-sni other.invalid 127.0.0.1 \
    "$(port_of twrong)"
  dq_tls_proxy_start tq qr "$SRV" || exit 1
  expect_fail crl-revoked 10 'certificate revoked' "${ca[@]}" --tls-crl "$C/revoked.crl" \
    localhost "$(port_of tq)"
  expect_ok crl-not-revoked --tls --tls-ca "$C/ca.pem" --tls-crl "$C/empty.crl" -aec QRSCP \
    localhost "$(port_of tq)"
  # Refused handshakes (TLS 1.2: the server decides before the handshake ends).
  dq_tls_proxy_start trefuse qr \
    "cert=$C/srv.pem,key=$C/srv.key,cafile=$C/ca.pem,verify=1,openssl-max-proto-version=TLS1.2" ||
    exit 1
  expect_fail refused-no-certificate 10 'alert handshake failure' "${ca[@]}" localhost \
    "$(port_of trefuse)"
  expect_fail refused-unknown-ca 10 'alert unknown ca' "${ca[@]}" --tls-cert "$C/other.pem" \
    --tls-key "$C/other.key" localhost "$(port_of trefuse)"
  dq_tls_proxy_start told qr \
    "$SRV,openssl-min-proto-version=TLS1,openssl-max-proto-version=TLS1.1,cipher=DEFAULT@SECLEVEL=0" ||
    exit 1
  expect_fail protocol-too-old 10 'protocol version|unsupported protocol' "${ca[@]}" localhost \
    "$(port_of told)"
  expect_fail plaintext-peer 10 'peer without TLS|does not seem to speak TLS' "${ca[@]}" \
    localhost "$DQ_PEER_QR_PORT"
  # Plaintext to a TLS-only peer. OpenSSL (socat here, Orthanc) answers our
  # A-ASSOCIATE-RQ with no byte at all, only a reset or a close: nothing
  # tells it from any other peer that drops the connection, so no TLS hint.
  expect_fail tls-peer-without-tls 10 'Association Aborted' -d -ta 10 -aec QRSCP localhost \
    "$(port_of tq)"
  if grep -q '^D: connection closed by the peer' "$work/fail-tls-peer-without-tls.log" &&
     ! grep -q 'TLS record' "$work/fail-tls-peer-without-tls.log"; then
    pass "tls-peer-without-tls: -d says the peer closed the connection (OpenSSL sends nothing)"
  else
    fail "tls-peer-without-tls: -d reason"; sed 's/^/    /' "$work/fail-tls-peer-without-tls.log"
  fi
  # A TLS stack that does answer with an alert record (15 03 03 00 02 02 46:
  # fatal, protocol_version; RFC 8446 6), played by the scripted peer: one E:
  # line names TLS and --tls before pynetdicom's "Association Aborted" (where
  # pynetdicom logs its "Unknown PDU type" line).
  [ -x "$scp" ] || { echo "no dq_test_scp at '$scp'"; exit 1; }
  printf 'read-rq\nsend 15030300020246\nwait-close\n' > "$work/alert-script"
  "$scp" 0 "$work/alert-script" "$work/alert-rec" 2 > "$work/alert-port" &
  scp_pid=$!
  for _ in $(seq 100); do [ -s "$work/alert-port" ] && break; sleep 0.05; done
  alert_port=$(head -1 "$work/alert-port")
  EXPECT_LINES=2 expect_fail tls-alert-without-tls 10 'Association Aborted' -ta 10 localhost \
    "$alert_port"
  EXPECT_LINES=2 expect_fail tls-alert-without-tls-debug 10 'Association Aborted' -d -ta 10 \
    localhost "$alert_port"
  wait "$scp_pid"
  hint='^D: .*the peer answered with a TLS record \(alert\), not a PDU: it expects TLS; try --tls$'
  line='^E: The peer answered with a TLS record, not a PDU: it expects TLS \(try --tls\)$'
  if grep -qE "$hint" "$work/fail-tls-alert-without-tls-debug.log" &&
     grep -qE "$line" "$work/fail-tls-alert-without-tls.log"; then
    pass "tls-alert-without-tls: one E: line names the TLS alert and --tls, then Association Aborted"
  else
    fail "tls-alert-without-tls: the TLS hint"
    sed 's/^/    /' "$work/fail-tls-alert-without-tls.log" "$work/fail-tls-alert-without-tls-debug.log"
  fi
  expect_fail bad-ca-file 5 'cannot load the TLS CA certificates' --tls --tls-ca "$C/nothing.pem" \
    localhost "$(port_of tq)"
  expect_fail bad-key-password 5 'TLS private key' --tls --tls-ca "$C/ca.pem" --tls-cert \
    "$C/cli.pem" --tls-key "$C/cli-enc.key" --tls-key-password-file "$C/ca.pem" localhost \
    "$(port_of tq)"
  # A peer that accepts TCP and never answers the ClientHello.
  dq_tls_silent_start hang || exit 1
  expect_fail handshake-timeout 5 'TLS handshake failed: no answer from the peer within 2 s' \
    --tls --tls-ca "$C/ca.pem" -ta 2 localhost "$(port_of hang)"
  t0=$(date +%s%N)
  "$findscu" --tls --tls-ca "$C/ca.pem" -ta 30 localhost "$(port_of hang)" \
    -k QueryRetrieveLevel=PATIENT > /dev/null 2> "$work/ctrl-c.log" &
  pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"
  st=$?
  el=$((($(date +%s%N) - t0) / 1000000))
  if [ $st = 130 ] && [ $el -lt 2500 ]; then
    pass "Ctrl-C during the handshake: exit 130 after ${el} ms (1 s of it before the Ctrl-C)"
  else
    fail "Ctrl-C during the handshake: status $st after ${el} ms"; cat "$work/ctrl-c.log"
  fi
  # Usage: the --tls-* options go with --tls.
  "$findscu" --tls-ca "$C/ca.pem" localhost 1 -k PatientName= > /dev/null 2> "$work/usage.log"
  st=$?
  if [ $st = 2 ] && grep -qxF 'findscu: error: argument --tls-ca: needs --tls' "$work/usage.log"; then
    pass "--tls-ca without --tls: usage error"
  else
    fail "--tls-ca without --tls: status $st"; cat "$work/usage.log"
  fi
  ;;
bytes)
  [ -x "$scp" ] || { echo "no dq_test_scp at '$scp'"; exit 1; }
  script=$work/script
  printf 'accept\nrecv-msg\nfind-rsp 0x0000\nrelease\nwait-close\n' > "$script"
  for how in plain tls; do
    "$scp" 0 "$script" "$work/rec-$how" > "$work/port-$how" &
    scp_pid=$!
    for _ in $(seq 100); do [ -s "$work/port-$how" ] && break; sleep 0.05; done
    port=$(head -1 "$work/port-$how")
    args=()
    if [ $how = tls ]; then
      dq_tls_proxy_start tb "$port" "$SRV" || exit 1
      port=$(port_of tb)
      args=(--tls --tls-ca "$C/ca.pem")
    fi
    "$findscu" "${args[@]}" localhost "$port" -k QueryRetrieveLevel=PATIENT > /dev/null \
      2> "$work/bytes-$how.log" || { fail "bytes: findscu ($how)"; cat "$work/bytes-$how.log"; }
    wait "$scp_pid"
  done
  # Each profile's TLS 1.2 cipher suites (the ClientHello) against DCMTK's
  # findscu +tls for the same PS3.15 profile (+py, +px, +pz).
  for p in bcp195-nd:+py bcp195:+px bcp195-ex:+pz; do
    ours_p=${p%%:*}; theirs=${p##*:}
    for who in ours dcmtk; do
      rm -f "$work/hello-port"
      "$DQ_PYTHON" "$here/client_hello.py" "$work/hello-port" > "$work/hello-$who" &
      hello_pid=$!
      for _ in $(seq 100); do [ -s "$work/hello-port" ] && break; sleep 0.05; done
      hp=$(head -1 "$work/hello-port")
      if [ $who = ours ]; then
        "$findscu" --tls --tls-verify none --tls-profile "$ours_p" -ta 5 127.0.0.1 "$hp" \
          -k PatientName= > /dev/null 2>&1
      else
        findscu +tls "$C/cli.key" "$C/cli.pem" -ic "$theirs" -to 5 127.0.0.1 "$hp" \
          -k PatientName= > /dev/null 2>&1
      fi
      wait "$hello_pid"
    done
    if [ -s "$work/hello-ours" ] && cmp -s "$work/hello-ours" "$work/hello-dcmtk"; then
      pass "bytes: --tls-profile $ours_p offers DCMTK $theirs's TLS 1.2 suites: $(cat "$work/hello-ours")"
    else
      fail "bytes: --tls-profile $ours_p: ours '$(cat "$work/hello-ours")', DCMTK $theirs '$(cat "$work/hello-dcmtk")'"
    fi
  done
  plain=$(grep '^rq_hex ' "$work/rec-plain")
  tls_rq=$(grep '^rq_hex ' "$work/rec-tls")
  if [ -n "$plain" ] && [ "$plain" = "$tls_rq" ]; then
    pass "bytes: the A-ASSOCIATE-RQ over TLS equals the plaintext one ($(((${#plain} - 7) / 2)) bytes)"
  else
    fail "bytes: the A-ASSOCIATE-RQ differs"; echo "  plain: $plain"; echo "  tls:   $tls_rq"
  fi
  ;;
*) echo "unknown mode $mode"; exit 1 ;;
esac
exit $fails
