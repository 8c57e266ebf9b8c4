#!/usr/bin/env bash
# Test certificates for the TLS tests, made with openssl into folder DIR:
#   ca.pem/ca.key            the test CA
#   srv.pem/srv.key          server certificate for localhost (and 127.0.0.1), from ca
#   cli.pem/cli.key          client certificate (CN=findscu), from ca
#   cli-enc.key              cli.key encrypted with the password in cli-enc.pw
#   expired.pem/expired.key  server certificate for localhost, expired yesterday
#   other-ca.pem             another CA; other.pem/other.key: localhost, from it
#   wrong.pem/wrong.key      server certificate for "elsewhere.invalid", from ca
#   revoked.crl              a CRL of ca revoking srv.pem; empty.crl: revoking none
# Usage: tls_certs.sh DIR
set -euo pipefail
d=$1
mkdir -p "$d"
cd "$d"
q() { "$@" >/dev/null 2>&1; }
ca() { # NAME SUBJECT
    q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 \
        -subj "$2" -addext basicConstraints=critical,CA:true -addext keyUsage=keyCertSign,cRLSign
}
leaf() { # NAME CN SAN CA [x509 options...]
    local name=$1 cn=$2 san=$3 issuer=$4
    shift 4
    q openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn"
    printf 'subjectAltName=%s\nbasicConstraints=CA:false\n' "$san" >"$name.ext"
    q openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
        -CAcreateserial -out "$name.pem" -extfile "$name.ext" "$@"
    rm -f "$name.csr" "$name.ext"
}
ca ca /CN=dq-test-ca
ca other-ca /CN=dq-other-ca
leaf srv localhost DNS:localhost,IP:127.0.0.1 ca -days 2
leaf cli findscu DNS:findscu ca -days 2
leaf wrong elsewhere.invalid DNS:elsewhere.invalid ca -days 2
leaf other localhost DNS:localhost,IP:127.0.0.1 other-ca -days 2
# Expired: valid from two days ago to yesterday (openssl x509 -not_before needs
# 3.4; a CA database signing with explicit dates works on 3.0).
mkdir -p expdb
: >expdb/index.txt
echo "unique_subject = no" >expdb/index.txt.attr
echo 01 >expdb/serial
cat >expdb/ca.cnf <<CNF
[ca]
default_ca = ca_sect
[ca_sect]
database = expdb/index.txt
serial = expdb/serial
new_certs_dir = expdb
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = pol
copy_extensions = copy
default_crl_days = 2
[pol]
commonName = supplied
CNF
q openssl req -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1
q openssl ca -batch -config expdb/ca.cnf -in expired.csr -out expired.pem -notext \
    -startdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
rm -f expired.csr
# CRLs: one revoking nothing, one revoking srv.pem.
q openssl ca -batch -config expdb/ca.cnf -gencrl -out empty.crl
q openssl ca -batch -config expdb/ca.cnf -revoke srv.pem
q openssl ca -batch -config expdb/ca.cnf -gencrl -out revoked.crl
# The client key again, encrypted.
printf 'secret-pass\n' >cli-enc.pw
q openssl pkey -in cli.key -out cli-enc.key -aes256 -passout pass:secret-pass
