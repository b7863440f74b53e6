#!/bin/sh
# preStop hook (the sentinel topology hands over in sentinel-prestop.sh): a master that owns
# slots hands them to a healthy replica (CLUSTER FAILOVER run on the replica, which waits until
# it has every write) before Redis is stopped, so a planned stop costs clients a redirect instead
# of a node timeout. Never blocks the stop for longer than HANDOVER_TIMEOUT_SECONDS; a node with
# nothing to hand over returns at once.
set -u
scripts=$(dirname "$0")
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}"

REDISCLI_AUTH=$(cat "$PASSWORD_FILE")
export REDISCLI_AUTH

cli() {
  host=$1
  shift
  timeout 5 sh "$scripts/redis-cli.sh" --no-auth-warning --user "$ADMIN_USER" -h "$host" -p "$REDIS_PORT" "$@"
}

if [ "${TOPOLOGY:-cluster}" = "sentinel" ]; then
  exec sh "$(dirname "$0")/sentinel-prestop.sh"
fi
nodes=$(cli "$POD_IP" cluster nodes) || exit 0
myself() {
  printf '%s\n' "$nodes" | awk -v f="$1" '$3 ~ /myself/ {print (f == "NF" ? NF : $f)}'
}
my_id=$(myself 1)
flags=$(myself 3)
fields=$(myself NF)
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
  if cli "$ip" info replication | grep -q '^master_link_status:up'; then
    replica=$ip
    break
  fi
done
if [ -z "$replica" ]; then
  echo "no healthy replica: stopping without a handover"
  exit 0
fi

echo "handing slots over to $replica"
cli "$replica" cluster failover >/dev/null || { echo "CLUSTER FAILOVER refused"; exit 0; }
deadline=$(( $(date +%s) + ${HANDOVER_TIMEOUT_SECONDS:-20} ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  role=$(cli "$POD_IP" role | head -n 1)
  if [ "$role" = "slave" ]; then
    echo "handover done: $replica is master"
    exit 0
  fi
  sleep 0.1
done
echo "handover did not finish within ${HANDOVER_TIMEOUT_SECONDS:-20} s"
exit 0
