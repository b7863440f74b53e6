#!/bin/sh
# preStop hook (the sentinel topology hands over in sentinel-prestop.sh): a master that owns
# slots hands them to a healthy replica (CLUSTER FAILOVER run on the replica, which waits until
# it has every write) before Redis is stopped, so a planned stop costs clients a redirect instead
# of a node timeout. Then it drains: the demoted node keeps answering MOVED until every other node
# names the new owner and no client has been redirected for HANDOVER_QUIET_MS, because a client
# that still believes this node owns the slots and finds it gone gets "connection refused" and
# must rediscover the cluster (redis-py retries the dead node for a second first).
# HANDOVER_DRAIN=off returns as soon as this node is a replica (the behaviour before the drain,
# kept as the benchmark's comparison peer). The drain lasts at most HANDOVER_DRAIN_MAX_MS
# (3000, counted in 100 ms looks): a client still redirected after that does not learn from MOVED (ioredis with auto-pipelining
# ignores a batch of MOVED replies that name different slots), so its connections are closed while
# this node still answers, which makes it re-read the slot map. The whole hook never blocks the
# stop for longer than HANDOVER_TIMEOUT_SECONDS; a node with nothing to hand over returns at once.
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
# shellcheck source-path=SCRIPTDIR source=resync-lib.sh
. "$scripts/resync-lib.sh"
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

# A planned stop: the marker tells the next start so (redis-start.sh, which may then start from the
# RDB below). In the cluster topology, back on its (new) template, this pod also takes its shard
# over once it has every write (redis-watchdog.sh), so that a rolling update finds each master a
# replica by its turn. Whether it does is the new template's PLANNED_TAKEOVER (the watchdog's),
# not this pod's: the marker is always left, so the roll that turns the takeover on already uses it.
if [ -n "${DATA_DIR:-}" ]; then
  date +%s > "$DATA_DIR/planned-stop" 2>/dev/null || true
fi
if [ "${TOPOLOGY:-cluster}" = "sentinel" ]; then
  exec sh "$(dirname "$0")/sentinel-prestop.sh"
fi
# However the hook ends: a node that stops as a replica writes an RDB as it exits, to come back
# with a partial resync (resync-lib.sh).
deadline=$(( $(date +%s) + ${HANDOVER_TIMEOUT_SECONDS:-20} ))
trap 'save_offset_on_stop "$deadline"' EXIT
nodes=$(admin_cli 5 "$POD_IP" cluster nodes) || exit 0
# My id, flags and field count, in one pass.
read -r my_id flags fields <<EOF
$(printf '%s\n' "$nodes" | awk '$3 ~ /myself/ {print $1, $3, NF}')
EOF
case "$flags" in
  *master*) ;;
  *) echo "not a master: nothing to hand over"; exit 0 ;;
esac
if [ "$fields" -lt 9 ]; then
  echo "master without slots: nothing to hand over"
  exit 0
fi

# A connected replica of mine whose replication link is up.
replica=""
for addr in $(printf '%s\n' "$nodes" | awk -v id="$my_id" '$4 == id && $3 !~ /fail/ && $8 == "connected" {print $2}'); do
  ip=${addr%%:*}
  if admin_cli 5 "$ip" info replication | grep -q '^master_link_status:up'; then
    replica=$ip
    break
  fi
done
if [ -z "$replica" ]; then
  echo "no healthy replica: stopping without a handover"
  exit 0
fi

echo "handing slots over to $replica"
# redis-cli exits 0 on an error reply too: only OK means the failover began.
reply=$(admin_cli 5 "$replica" cluster failover 2>&1)
case $reply in
  OK*) ;;
  *) echo "CLUSTER FAILOVER refused: $reply"; exit 0 ;;
esac
# Writes here are paused until the replica has them all and wins its election; this node then
# learns the new owner and answers the paused writes with MOVED. A look every 20 ms: the sooner
# it is seen, the sooner the drain starts (clients are redirected either way).
until [ "$(admin_cli 5 "$POD_IP" role | head -n 1)" = "slave" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "handover did not finish within ${HANDOVER_TIMEOUT_SECONDS:-20} s"
    exit 0
  fi
  sleep 0.02
done
echo "handover done: $replica is master"
[ "${HANDOVER_DRAIN:-on}" = "off" ] && exit 0

# Every other node has given my slots to the new owner, so a client that asks any of them for the
# slot map learns it. (Each learns that from the new master's broadcast at once; that this node is
# now a replica it learns only from my next ping, up to half a node timeout later.)
others=$(printf '%s\n' "$nodes" | awk '$3 !~ /myself|fail|noaddr/ {sub(/[:@].*/, "", $2); print $2}')
for ip in $others; do
  until admin_cli 5 "$ip" cluster nodes | awk -v id="$my_id" '$1 == id && NF < 9 {ok = 1} END {exit !ok}'; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "drain cut short: $ip still gives my slots to me"; exit 0; }
    sleep 0.02
  done
done

# Clients still writing here are redirected (MOVED counted in INFO errorstats); stay until none
# has been for HANDOVER_QUIET_MS, so that a client writing at least that often has learned the
# new owner before this node stops answering.
quiet_ms=${HANDOVER_QUIET_MS:-1000} max_ms=${HANDOVER_DRAIN_MAX_MS:-3000}
moved() { admin_cli 5 "$POD_IP" info errorstats | tr -d '\r' | sed -n 's/^errorstat_MOVED:count=//p'; }
last=$(moved) quiet=0 waited=0
while [ "$quiet" -lt "$quiet_ms" ]; do
  if [ "$waited" -ge "$max_ms" ] || [ "$(date +%s)" -ge "$deadline" ]; then
    admin_cli 5 "$POD_IP" client kill type normal >/dev/null
    echo "drain cut short: clients still redirected after $max_ms ms were disconnected"
    exit 0
  fi
  sleep 0.1
  now=$(moved)
  if [ "$now" = "$last" ]; then quiet=$((quiet + 100)); else quiet=0; fi
  last=$now waited=$((waited + 100))
done
echo "drained: no client redirected for $quiet_ms ms"
exit 0
