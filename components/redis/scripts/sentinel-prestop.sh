#!/bin/sh
# preStop hook of a Redis pod in the sentinel topology. A master that is stopping asks the
# Sentinels for a failover first, so a planned stop costs clients a reconnect instead of the
# down-after wait. It pauses writes first (clients wait, nothing is refused), so the replica the
# Sentinels promote has every write this master acknowledged, and it keeps them paused: once the
# Sentinels name the new master, writes here would be lost. Then it disconnects its clients,
# which ask the Sentinels again and find the new master. Never blocks the stop for longer than
# HANDOVER_TIMEOUT_SECONDS (then writes resume here); a replica has nothing to hand over.
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
# shellcheck source-path=SCRIPTDIR source=resync-lib.sh
. "$scripts/resync-lib.sh"
: "${POD_IP:?}" "${ANNOUNCE_HOSTNAME:?}" "${PASSWORD_FILE:?}" "${SENTINEL_USER:?}" "${SENTINEL_PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}" "${SENTINEL_PORT:?}" "${MASTER_NAME:?}" "${SENTINEL_HOSTS:?}"

timeout_s=${HANDOVER_TIMEOUT_SECONDS:-20}
# However the hook ends: a node that stops as a replica (one that was never master, or a master
# the Sentinels have demoted by then) writes an RDB as it exits, to come back with a partial
# resync (resync-lib.sh).
stop_deadline=$(( $(date +%s) + timeout_s ))
trap 'save_offset_on_stop "$stop_deadline"' EXIT

repl=$(admin_cli 5 "$POD_IP" info replication | tr -d '\r') || exit 0
printf '%s\n' "$repl" | grep -qx 'role:master' || { echo "not a master: nothing to hand over"; exit 0; }
printf '%s\n' "$repl" | grep -q '^slave[0-9]*:.*state=online' || { echo "no online replica: stopping without a handover"; exit 0; }

# The Sentinel must be one that monitors this pod as master.
asked=""
for name in $SENTINEL_HOSTS; do
  ip=$(resolve "$name")
  [ -n "$ip" ] || continue
  # The current admin password, or the previous one until this Sentinel has applied a rotation.
  auth_file=$(sentinel_password_file "$ip") || continue
  current=$(sentinel_cli "$auth_file" 2 "$ip" sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n 1 | tr -d '\r')
  # The Sentinels name pods by DNS name (by IP only while Sentinels of an older version remain).
  [ "$current" = "$ANNOUNCE_HOSTNAME" ] || [ "$current" = "$POD_IP" ] || continue
  # Writes wait (clients block, nothing is refused) until the promoted replica has them all.
  # Long enough to outlast the stop itself; shutdown ends it.
  admin_cli 5 "$POD_IP" client pause "$(( (timeout_s + 120) * 1000 ))" write >/dev/null
  if [ "$(sentinel_cli "$auth_file" 5 "$ip" sentinel failover "$MASTER_NAME" 2>&1 | tr -d '\r')" = "OK" ]; then
    asked=$ip
    break
  fi
  admin_cli 5 "$POD_IP" client unpause >/dev/null
done
[ -n "$asked" ] || { echo "no Sentinel would fail over: stopping without a handover"; exit 0; }

echo "Sentinel $asked is failing $MASTER_NAME over"
deadline=$(( $(date +%s) + timeout_s ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  current=$(sentinel_cli "$auth_file" 2 "$asked" sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n 1 | tr -d '\r')
  if [ -n "$current" ] && [ "$current" != "$ANNOUNCE_HOSTNAME" ] && [ "$current" != "$POD_IP" ]; then
    admin_cli 5 "$POD_IP" client kill type normal >/dev/null
    echo "handover done: $current is master"
    exit 0
  fi
  # Writes are paused until the new master is seen and clients are sent there: look often.
  sleep 0.02
done
admin_cli 5 "$POD_IP" client unpause >/dev/null
echo "handover did not finish within $timeout_s s"
exit 0
