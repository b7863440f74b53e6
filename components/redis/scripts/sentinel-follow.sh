#!/bin/sh
# Runs beside redis-server in the sentinel topology (started in the background by redis-start.sh).
# Sentinels learn of replicas only from their master's INFO (every 10 s), so a replica that
# connected just before its master died can be unknown to the Sentinel that runs the failover:
# nothing would ever point it at the new master. A replica whose master link has been down for
# longer than twice down-after (the Sentinels had their chance) asks the Sentinels which master
# they agreed on, and follows it when that is another one. It never promotes itself, and waits
# while a failover is in progress or the named master is held down.
set -u
: "${POD_IP:?}" "${ANNOUNCE_HOSTNAME:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}" "${DOWN_AFTER_MS:?}"

scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
# shellcheck source-path=SCRIPTDIR source=resync-lib.sh
. "$scripts/resync-lib.sh"
redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's
patience_s=$(( (2 * DOWN_AFTER_MS + 999) / 1000 ))

# Back from a planned stop with the stop's RDB (redis-start.sh): the AOF back on first.
if [ "${AOF_DEFERRED:-0}" = 1 ]; then
  resume_aof follow "$redis_pid"
fi

down_since=""
while kill -0 "$redis_pid" 2>/dev/null; do
  sleep "${FOLLOW_INTERVAL_SECONDS:-1}"
  repl=$(admin_cli 2 "$POD_IP" info replication 2>/dev/null | tr -d '\r') || continue
  if [ "$(field "$repl" role)" != "slave" ] || [ "$(field "$repl" master_link_status)" != "down" ]; then
    down_since=""
    continue
  fi
  now=$(date +%s)
  [ -n "$down_since" ] || down_since=$now
  [ $((now - down_since)) -ge "$patience_s" ] || continue
  named=$(sh "$scripts/sentinel-find-master.sh" --sentinels-only --skip "$ANNOUNCE_HOSTNAME") || continue
  current="$(field "$repl" master_host) $(field "$repl" master_port)"
  # Both by DNS name: the Sentinels name pods as they announce themselves.
  if [ "$named" != "$current" ] && [ "$named" != "$ANNOUNCE_HOSTNAME $REDIS_PORT" ]; then
    echo "follow: master $current unreachable for ${patience_s}s; the Sentinels name $named: following it"
    # shellcheck disable=SC2086 # "host port", split on purpose
    admin_cli 2 "$POD_IP" replicaof $named >/dev/null
    down_since=""
  fi
done
