#!/bin/sh
# Starts a Sentinel. Its identity (myid) is derived from the pod's name, and it announces its
# stable DNS name, so a Sentinel that comes back -- restarted, or rescheduled with a new address --
# is the same Sentinel to its peers and is never counted twice (which would raise the majority a
# failover needs). Its state file lives in
# the run directory: a restarted container resumes from it. A background loop makes sure it
# monitors the current master, found as sentinel-find-master.sh finds it.
set -eu
: "${POD_IP:?}" "${ANNOUNCE_HOSTNAME:?}" "${POD_NAME:?}" "${POD_NAMESPACE:?}" "${CONFIG_DIR:?}" "${RUN_DIR:?}" "${PASSWORD_FILE:?}" "${SENTINEL_PASSWORD_FILE:?}"
: "${SENTINEL_PORT:?}" "${MASTER_NAME:?}" "${QUORUM:?}" "${DOWN_AFTER_MS:?}" "${FAILOVER_TIMEOUT_MS:?}" "${ADMIN_USER:?}"
: "${SENTINEL_USER:?}" "${ACL_RULES_FILE:?}" "${PEER_USER:?}" "${PEER_PASSWORD_FILE:?}"

scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
# Sentinel authenticates to Redis as the admin user. Its own users (clients, exporter, peers,
# admin: ACL_RULES_FILE) take the Secret's passwords; its peers it logs in to as PEER_USER.
conf="$RUN_DIR/sentinel.conf"
myid=$(printf '%s/%s' "$POD_NAMESPACE" "$POD_NAME" | sha1sum | cut -c1-40)

umask 077
if ! grep -q "^sentinel monitor $MASTER_NAME " "$conf" 2>/dev/null; then
  # A new Sentinel: the rendered settings and who it is; the master comes from the loop below.
  {
    cat "$CONFIG_DIR/sentinel.conf"
    echo "bind $POD_IP"
    echo "sentinel myid $myid"
    echo "sentinel announce-ip $ANNOUNCE_HOSTNAME"
  } > "$conf"
fi
# Its address may have changed since the state file was written (a rescheduled pod).
sed -i -e "s/^bind .*/bind $POD_IP/" -e "s/^sentinel announce-ip .*/sentinel announce-ip $ANNOUNCE_HOSTNAME/" "$conf"
# TLS (sentinel.conf turns it on): the certificate mounted from its Secret, written afresh.
sed -i -e '/^tls-cert-file /d' -e '/^tls-key-file /d' -e '/^tls-ca-cert-file /d' "$conf"
if [ -n "${TLS_CA_FILE:-}" ]; then
  printf 'tls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\n' "$TLS_CERT_FILE" "$TLS_KEY_FILE" "$TLS_CA_FILE" >> "$conf"
fi

# The file of the password this Sentinel accepts now (the loop below asks before each round).
auth_file=

# Its users with the hashes of the Secret's passwords (only hashes reach its config; `default` is
# off), and the password it gives its peers, from the Secret as it is at this start.
users=$(sh "$scripts/redis-acl.sh" "$ACL_RULES_FILE")
sed -i -e '/^requirepass /d' -e '/^user /d' -e '/^sentinel sentinel-user /d' -e '/^sentinel sentinel-pass /d' "$conf"
{
  printf '%s\n' "$users"
  echo "sentinel sentinel-user $PEER_USER"
  echo "sentinel sentinel-pass \"$(cat "$PEER_PASSWORD_FILE")\""
} >> "$conf"

# accepted_by HOSTS PORT USER PASSWORD: whether no instance of HOSTS (this pod excepted) refuses
# PASSWORD (as USER, "-" for none) and at least one accepts it; those that do not answer are not asked.
accepted_by() {
  accepted=0
  for name in $1; do
    ip=$(resolve "$name")
    if [ -z "$ip" ] || [ "$ip" = "$POD_IP" ]; then continue; fi
    if [ "$3" = "-" ]; then user=""; else user="--user $3"; fi
    # shellcheck disable=SC2086 # "--user NAME" or nothing
    reply=$(REDISCLI_AUTH="$4" timeout 2 sh "$scripts/redis-cli.sh" --no-auth-warning $user -h "$ip" -p "$2" ping 2>&1 | tr -d '\r')
    case "$reply" in
      PONG) accepted=1 ;;
      *WRONGPASS*|*NOAUTH*|*"invalid password"*) return 1 ;;
    esac
  done
  [ "$accepted" -eq 1 ]
}

# A rotation changes the Secret's files in place; without a restart this Sentinel then accepts
# exactly the Secret's passwords (acl-reload.sh, beside it), gives its peers the current peer
# password once they all accept it, and authenticates to Redis with the current admin password
# once every Redis pod accepts it.
follow_rotation() {
  current=$(cat "$PEER_PASSWORD_FILE")
  if [ "$current" != "$peer_password" ] && accepted_by "$SENTINEL_HOSTS" "$SENTINEL_PORT" "$PEER_USER" "$current"; then
    if [ "$(printf 'SENTINEL CONFIG SET sentinel-pass %s\n' "$current" | sentinel_cli "$auth_file" 5 "$POD_IP")" = "OK" ]; then
      peer_password=$current
    fi
  fi
  admin=$(cat "$PASSWORD_FILE")
  if [ "$admin" != "$auth_applied" ] && [ -n "$1" ] && accepted_by "$REDIS_HOSTS" "$REDIS_PORT" "$ADMIN_USER" "$admin"; then
    if [ "$(printf 'SENTINEL SET %s auth-pass %s\n' "$MASTER_NAME" "$admin" | sentinel_cli "$auth_file" 5 "$POD_IP")" = "OK" ]; then
      auth_applied=$admin
      echo "sentinel: authenticates to Redis with the Secret's admin password"
    fi
  fi
}
peer_password=""
auth_applied=""

# known_replicas_within HOST PORT TENTHS: whether this Sentinel knows, within TENTHS tenths of a
# second, at least as many replicas as the master reports connected.
known_replicas_within() {
  connected=$(cli_as "$PASSWORD_FILE" 2 "$ADMIN_USER" "$1" "$2" info replication 2>/dev/null |
    tr -d '\r' | sed -n 's/^connected_slaves://p')
  i=0
  while [ "$i" -lt "$3" ]; do
    known=$(sentinel_cli "$auth_file" 5 "$POD_IP" sentinel master "$MASTER_NAME" 2>/dev/null | tr -d '\r' | awk 'prev == "num-slaves" {print; exit} {prev = $0}')
    [ "${known:-0}" -ge "${connected:-0}" ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

monitor() {
  # monitor HOST PORT: watch that master (by DNS name) with the rendered settings, as the admin ACL user (Redis's
  # default user is off); the password goes through stdin, never the command line.
  password=$(cat "$PASSWORD_FILE")
  sentinel_cli "$auth_file" 5 "$POD_IP" sentinel monitor "$MASTER_NAME" "$1" "$2" "$QUORUM" >/dev/null
  printf 'SENTINEL SET %s down-after-milliseconds %s failover-timeout %s parallel-syncs 1 auth-user %s auth-pass %s\n' \
    "$MASTER_NAME" "$DOWN_AFTER_MS" "$FAILOVER_TIMEOUT_MS" "$ADMIN_USER" "$password" | sentinel_cli "$auth_file" 5 "$POD_IP" >/dev/null
  auth_applied=$password
  # If MONITOR's links connected before SET gave them the password, their first INFO failed and
  # the next comes only after 10 s: until then this Sentinel knows no replica and could not
  # promote one. RESET reconnects at once; it is only done when needed, because it also forgets
  # the peers already found.
  known_replicas_within "$1" "$2" 20 || { sentinel_cli "$auth_file" 5 "$POD_IP" sentinel reset "$MASTER_NAME" >/dev/null; known_replicas_within "$1" "$2" 50; }
  echo "sentinel: monitoring $MASTER_NAME at $1:$2"
}

# A Sentinel that knew neither its peers nor the replicas when the master died (it had just
# started, or just been reset) hears of the failover from no one, and would name the dead master
# forever. While its master is down to it, it adopts the master its peers agreed on at a higher
# config epoch; never while a failover is in progress (find-master then fails).
follow_peers() {
  flags=$(printf '%s\n' "$1" | sed -n 's/^flags=//p')
  case "$flags" in *failover_in_progress*) return 0 ;; *s_down*|*o_down*) ;; *) return 0 ;; esac
  ours="$(printf '%s\n' "$1" | sed -n 's/^ip=//p') $(printf '%s\n' "$1" | sed -n 's/^port=//p')"
  our_epoch=$(printf '%s\n' "$1" | sed -n 's/^config-epoch=//p')
  peers=$(sh "$scripts/sentinel-find-master.sh" --sentinels-only --epoch --skip "$ANNOUNCE_HOSTNAME") || return 0
  # shellcheck disable=SC2086 # "host port epoch", split on purpose
  set -- $peers
  if [ "$1 $2" != "$ours" ] && [ "$3" -gt "${our_epoch:-0}" ]; then
    echo "sentinel: $ours is down; the other Sentinels agreed on $1:$2 at epoch $3"
    sentinel_cli "$auth_file" 5 "$POD_IP" sentinel remove "$MASTER_NAME" >/dev/null
    monitor "$1" "$2"
  fi
}

# Sentinel cannot reload its certificate (no CONFIG SET): when the mounted files change (a
# cert-manager renewal), it restarts, resuming from its state file. Ordinal by ordinal, a minute
# apart, so the Sentinels never all restart at once.
tls_digest() {
  [ -n "${TLS_CA_FILE:-}" ] && cat "$TLS_CERT_FILE" "$TLS_KEY_FILE" "$TLS_CA_FILE" 2>/dev/null | cksum
}

sentinel_pid=$$   # this shell, which exec turns into redis-sentinel
(
  # This loop must outlive any failed command: Sentinel would reap it, and nothing restart it.
  set +e
  tls_loaded=$(tls_digest)
  while kill -0 "$sentinel_pid" 2>/dev/null; do
    sleep 1
    if [ "$(tls_digest)" != "$tls_loaded" ]; then
      sleep $(( ${POD_NAME##*-} * ${TLS_RESTART_SPACING_SECONDS:-60} ))
      echo "sentinel: the certificate files changed; restarting to load them"
      kill "$sentinel_pid"
      exit 0
    fi
    # The current admin password, or the previous one until this Sentinel has applied a rotation.
    auth_file=$(sentinel_password_file "$POD_IP") || continue
    view=$(sentinel_cli "$auth_file" 5 "$POD_IP" sentinel master "$MASTER_NAME" 2>/dev/null | tr -d '\r' | awk 'NR % 2 == 1 {k = $0; next} {print k "=" $0}')
    follow_rotation "$(printf '%s\n' "$view" | sed -n 's/^ip=//p')"
    if printf '%s\n' "$view" | grep -q '^ip='; then
      follow_peers "$view"
      sleep 4
      continue
    fi
    if master=$(sh "$scripts/sentinel-find-master.sh" --skip "$ANNOUNCE_HOSTNAME"); then
      # shellcheck disable=SC2086 # "host port", split on purpose
      monitor $master
    fi
  done
) &
# Its users follow the Secret's passwords, as the Redis pods' do (ACL_PORT is the Sentinel's).
sh "$scripts/acl-reload.sh" &

exec "${ENGINE:-redis}-sentinel" "$conf" --bind-source-addr "$POD_IP"
