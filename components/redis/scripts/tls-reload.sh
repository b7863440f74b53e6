#!/bin/sh
# Runs beside redis-server when TLS is on (started in the background by redis-start.sh).
# cert-manager renews the certificate into its Secret and the kubelet swaps the mounted files, but
# Redis reads them only at start. When their content changes, CONFIG SET with the same paths makes
# Redis load them: a renewal needs no restart. A half-written change (key not matching the
# certificate) is refused by Redis and tried again at the next check.
set -u
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}" "${TLS_CERT_FILE:?}" "${TLS_KEY_FILE:?}" "${TLS_CA_FILE:?}"

scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's

digest() {
  cat "$TLS_CERT_FILE" "$TLS_KEY_FILE" "$TLS_CA_FILE" 2>/dev/null | cksum
}

loaded=$(digest)
while kill -0 "$redis_pid" 2>/dev/null; do
  sleep "${TLS_RELOAD_INTERVAL_SECONDS:-30}"
  now=$(digest)
  [ "$now" = "$loaded" ] && continue
  reply=$(admin_cli 5 "$POD_IP" config set tls-cert-file "$TLS_CERT_FILE" tls-key-file "$TLS_KEY_FILE" tls-ca-cert-file "$TLS_CA_FILE" 2>&1)
  if [ "$reply" = "OK" ]; then
    echo "tls: the certificate files changed; Redis loaded them"
    loaded=$now
  else
    echo "tls: the certificate files changed; Redis refused them for now: $reply"
  fi
done
