#!/bin/sh
# redis-cli as every script calls it: over TLS when the pod has the CA (TLS_CA_FILE set), with the
# pod's certificate where the pod has one (Redis pods); a client-only pod (the backup jobs) holds
# the CA alone and presents no certificate (Redis: tls-auth-clients optional). TLS is decided
# here, once, for the probes, hooks and jobs alike.
if [ -n "${TLS_CA_FILE:-}" ] && [ -n "${TLS_CERT_FILE:-}" ]; then
  exec redis-cli --tls --cacert "$TLS_CA_FILE" --cert "$TLS_CERT_FILE" --key "${TLS_KEY_FILE:?}" "$@"
fi
if [ -n "${TLS_CA_FILE:-}" ]; then
  exec redis-cli --tls --cacert "$TLS_CA_FILE" "$@"
fi
exec redis-cli "$@"
