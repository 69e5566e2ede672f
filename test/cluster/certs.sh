#!/usr/bin/env bash
# certs.sh DIR [SAN...]: a throwaway CA, a server certificate (for 127.0.0.1, the given
# extra IP addresses and kube-api.test) and a client certificate, for the tests' stand-in
# API server. Everything is written to DIR: ca.{crt,key}, server.{crt,key}, client.{crt,key}.
set -euo pipefail
dir=$1
shift
san="DNS:kube-api.test,IP:127.0.0.1"
for ip in "$@"; do san="$san,IP:$ip"; done
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=cni-c-test-ca -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=kube-apiserver \
	-keyout server.key -out server.csr 2>/dev/null
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
	-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san") -out server.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=system:node:test/O=system:nodes \
	-keyout client.key -out client.csr 2>/dev/null
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
	-extfile <(printf 'extendedKeyUsage=clientAuth\n') -out client.crt 2>/dev/null
rm -f server.csr client.csr ca.srl
