#!/bin/sh
# Starts a Sentinel. Its identity (myid) is derived from the pod's name, so a Sentinel that comes
# back -- restarted, or rescheduled with a new address -- is the same Sentinel to its peers and is
# never counted twice (which would raise the majority a failover needs). Its state file lives in
# the run directory: a restarted container resumes from it. A background loop makes sure it
# monitors the current master, found as sentinel-find-master.sh finds it.
set -eu
: "${POD_IP:?}" "${POD_NAME:?}" "${POD_NAMESPACE:?}" "${CONFIG_DIR:?}" "${RUN_DIR:?}" "${PASSWORD_FILE:?}" "${SENTINEL_PASSWORD_FILE:?}"
: "${SENTINEL_PORT:?}" "${MASTER_NAME:?}" "${QUORUM:?}" "${DOWN_AFTER_MS:?}" "${FAILOVER_TIMEOUT_MS:?}" "${ADMIN_USER:?}"

scripts=$(dirname "$0")
# Sentinel answers clients with the app user's password (clients need it to find the master);
# it authenticates to Redis as the admin user.
password=$(cat "$PASSWORD_FILE")
sentinel_password=$(cat "$SENTINEL_PASSWORD_FILE")
conf="$RUN_DIR/sentinel.conf"
myid=$(printf '%s/%s' "$POD_NAMESPACE" "$POD_NAME" | sha1sum | cut -c1-40)

umask 077
if ! grep -q "^sentinel monitor $MASTER_NAME " "$conf" 2>/dev/null; then
  # A new Sentinel: the rendered settings and who it is; the master comes from the loop below.
  {
    cat "$CONFIG_DIR/sentinel.conf"
    echo "bind $POD_IP"
    echo "sentinel myid $myid"
    echo "sentinel announce-ip $POD_IP"
    echo "requirepass \"$sentinel_password\""
  } > "$conf"
fi
# Its address may have changed since the state file was written (a rescheduled pod).
sed -i -e "s/^bind .*/bind $POD_IP/" -e "s/^sentinel announce-ip .*/sentinel announce-ip $POD_IP/" "$conf"

cli() {
  timeout 5 redis-cli --no-auth-warning -h "$POD_IP" -p "$SENTINEL_PORT" "$@"
}

monitor() {
  # monitor IP PORT: watch that master with the rendered settings, as the admin ACL user (Redis's
  # default user is off); the password goes through stdin, never the command line.
  cli sentinel monitor "$MASTER_NAME" "$1" "$2" "$QUORUM" >/dev/null
  printf 'SENTINEL SET %s down-after-milliseconds %s failover-timeout %s parallel-syncs 1 auth-user %s auth-pass %s\n' \
    "$MASTER_NAME" "$DOWN_AFTER_MS" "$FAILOVER_TIMEOUT_MS" "$ADMIN_USER" "$password" | cli >/dev/null
  # The links MONITOR opened had no password: their INFO failed, so the replicas would stay
  # unknown until the next INFO period (10 s). RESET reconnects them with it.
  cli sentinel reset "$MASTER_NAME" >/dev/null
  echo "sentinel: monitoring $MASTER_NAME at $1:$2"
}

sentinel_pid=$$   # this shell, which exec turns into redis-sentinel
(
  export REDISCLI_AUTH="$sentinel_password"
  while kill -0 "$sentinel_pid" 2>/dev/null; do
    sleep 1
    [ -n "$(cli ping 2>/dev/null)" ] || continue
    if cli sentinel master "$MASTER_NAME" 2>/dev/null | grep -q '^ip$'; then
      sleep 4
      continue
    fi
    if master=$(sh "$scripts/sentinel-find-master.sh" --skip "$POD_IP"); then
      # shellcheck disable=SC2086 # "ip port", split on purpose
      monitor $master
    fi
  done
) &

exec redis-sentinel "$conf" --bind-source-addr "$POD_IP"
