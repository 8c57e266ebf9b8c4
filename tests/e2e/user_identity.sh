#!/usr/bin/env bash
# findscu's User Identity Negotiation (PS3.7 D.3.3.7) against a real peer.
#
#   tests/e2e/user_identity.sh FINDSCU dcmqrscp|orthanc
#
# Debian's dcmqrscp (DCMTK) and Orthanc accept an association that carries a
# User Identity sub-item and answer without a User Identity response, even
# when a positive response is requested (PS3.7 D.3.3.7 lets an acceptor that
# does not support it do so). So: each identity type queries as without one;
# --user-response warns and goes on; --user-response=required fails with
# exit 1 before any C-FIND; the passcode never shows at -d. A peer that
# starts confirming identities fails this script: then the expectations
# here are to be revised, not the peer.
# Exit status: number of failures.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dq_peers__tmp || exit 1
work=$DQ_PEERS_TMP/e2e-user-identity-$kind
mkdir -p "$work"
printf 's3cr3t-pw\n' >"$work/password"
printf '\x60\x03\x02\x01\x05' >"$work/ticket"
printf '<saml:Assertion/>\n' >"$work/assertion.xml"

case $kind in
dcmqrscp)
  dq_dcmqrscp_start qr CT_small.dcm || exit 1
  port=$DQ_PEER_QR_PORT aet=$DQ_PEER_QR_AET
  ;;
orthanc)
  dq_orthanc_start or CT_small.dcm || exit 1
  port=$DQ_PEER_OR_PORT aet=$DQ_PEER_OR_AET
  ;;
*)
  echo "unknown peer $kind" >&2
  exit 1
  ;;
esac

query() {
  "$findscu" -aec "$aet" 127.0.0.1 "$port" -k QueryRetrieveLevel=PATIENT -k PatientID=1CT1 \
    -k PatientName "$@" 2>"$work/err"
}

# Each identity type: the same one match as without an identity.
for opts in "--user alice" "--user alice --password-file $work/password" \
  "--kerberos $work/ticket" "--saml $work/assertion.xml" "--jwt e30.e30.x"; do
  # shellcheck disable=SC2086
  if query $opts && grep -q "I: (0010,0010) PN \[CompressedSamples^CT1\]" "$work/err" &&
    grep -q "I: Find SCP Result: 0x0000 (Success)" "$work/err" && ! grep -q "^W: " "$work/err"; then
    pass "$kind $opts: accepted, one match"
  else
    fail "$kind $opts: $(cat "$work/err")"
  fi
done

# A positive response requested: none comes; a warning, then the query.
if query --user alice --password-file "$work/password" --user-response -d &&
  grep -q "^W: The peer did not confirm the user identity" "$work/err" &&
  grep -q "D: User Identity Negotiation Response: None" "$work/err" &&
  grep -q "D:   Password (not dumped) length: 9" "$work/err" &&
  grep -q "I: Find SCP Result: 0x0000 (Success)" "$work/err" &&
  ! grep -q "s3cr3t" "$work/err"; then
  pass "$kind --user-response: warned, queried, no password at -d"
else
  fail "$kind --user-response: $(cat "$work/err")"
fi

# Required: the association ends before any C-FIND.
query --jwt e30.e30.x --user-response=required
status=$?
if [[ $status == 1 ]] && grep -q "^E: User identity not confirmed" "$work/err" &&
  ! grep -q "Sending Find Request" "$work/err"; then
  pass "$kind --user-response=required: exit 1, no query"
else
  fail "$kind --user-response=required: exit $status: $(cat "$work/err")"
fi
exit "$fails"
