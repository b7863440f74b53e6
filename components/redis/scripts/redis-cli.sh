#!/bin/sh
# redis-cli as every script calls it: over TLS, with the pod's certificate, when the pod has one
# (TLS_CA_FILE set). TLS is decided here, once, for the probes, hooks and jobs alike.
# The engine's own client: redis-cli or valkey-cli.
cli="${ENGINE:-redis}-cli"
if [ -n "${TLS_CA_FILE:-}" ]; then
  exec "$cli" --tls --cacert "$TLS_CA_FILE" --cert "${TLS_CERT_FILE:?}" --key "${TLS_KEY_FILE:?}" "$@"
fi
exec "$cli" "$@"
