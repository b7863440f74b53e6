#!/bin/sh
# redis-cli as every script calls it: over TLS when the pod has the CA (TLS_CA_FILE set), with the
# pod's certificate where the pod has one (Redis pods); a client-only pod (the backup jobs) holds
# the CA alone and presents no certificate (Redis: tls-auth-clients optional). TLS is decided
# here, once, for the probes, hooks and jobs alike.
# The engine's own client: redis-cli or valkey-cli.
cli="${ENGINE:-redis}-cli"
# The password: REDISCLI_AUTH given for this one call wins; otherwise the file a script named in
# REDIS_AUTH_FILE, read here so that only the client itself ever holds it in its environment.
if [ -z "${REDISCLI_AUTH:-}" ] && [ -n "${REDIS_AUTH_FILE:-}" ]; then
  IFS= read -r REDISCLI_AUTH < "$REDIS_AUTH_FILE" || [ -n "$REDISCLI_AUTH" ] || exit 1
  export REDISCLI_AUTH
fi
if [ -n "${TLS_CA_FILE:-}" ] && [ -n "${TLS_CERT_FILE:-}" ]; then
  exec "$cli" --tls --cacert "$TLS_CA_FILE" --cert "$TLS_CERT_FILE" --key "${TLS_KEY_FILE:?}" "$@"
fi
if [ -n "${TLS_CA_FILE:-}" ]; then
  exec "$cli" --tls --cacert "$TLS_CA_FILE" "$@"
fi
exec "$cli" "$@"
