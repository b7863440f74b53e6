#!/bin/sh
# Started in the background by redis-start.sh. A node that restarts keeps its cluster identity in
# nodes.conf, but if every pod restarted at once, every peer there may have a new IP and nobody can
# reach anybody. Peers keep stable DNS names (<statefulset>-<n>.<headless service>), published
# even before they are ready; this loop resolves them and CLUSTER MEETs each address it does not
# reach yet, until the cluster is ok. A node that never joined a cluster is formation's business.
set -u
scripts=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=redis-lib.sh
. "$scripts/redis-lib.sh"
: "${POD_IP:?}" "${PASSWORD_FILE:?}" "${ADMIN_USER:?}" "${REDIS_PORT:?}" "${STATEFULSET_NAME:?}" "${HEADLESS_SERVICE:?}" "${POD_NAMESPACE:?}" "${SECRETS_DIR:?}" "${PEER_CHECK_USER:?}"

redis_pid=$PPID   # the start script's pid, which exec turns into redis-server's
domain="${HEADLESS_SERVICE}.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN:-cluster.local}"

deadline=$(( $(date +%s) + ${REJOIN_WINDOW_SECONDS:-900} ))
healthy=0
while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$redis_pid" 2>/dev/null; do
  sleep 1
  info=$(admin_cli 5 "$POD_IP" cluster info 2>/dev/null) || continue
  known=$(field "$info" cluster_known_nodes)
  [ "${known:-1}" -gt 1 ] || exit 0
  if [ "$(field "$info" cluster_state)" = "ok" ]; then
    healthy=$((healthy + 1))
    [ "$healthy" -ge 5 ] && exit 0
    continue
  fi
  healthy=0
  nodes=$(admin_cli 5 "$POD_IP" cluster nodes 2>/dev/null) || continue
  # StatefulSet ordinals are contiguous: walk them until two names in a row do not resolve.
  n=0
  misses=0
  while [ "$misses" -lt 2 ]; do
    ip=$(resolve "${STATEFULSET_NAME}-${n}.${domain}")
    n=$((n + 1))
    if [ -z "$ip" ]; then
      misses=$((misses + 1))
      continue
    fi
    misses=0
    [ "$ip" = "$POD_IP" ] && continue
    if printf '%s\n' "$nodes" | awk -v a="${ip}:${REDIS_PORT}@" 'index($2, a) == 1 && $8 == "connected" {found = 1} END {exit !found}'; then
      continue
    fi
    # Meet only a node of this cluster: the cluster bus has no authentication, and meeting a
    # stranger would merge two clusters. Whatever answers at the name is asked for its node id as
    # the exporter user, never as admin: a stranger (a hijacked name) learns at most that
    # password, which reads INFO and no key. The id must be one our nodes.conf already knows.
    id=$(cli_as "$SECRETS_DIR/$PEER_CHECK_USER-password" 2 "$PEER_CHECK_USER" "$ip" "$REDIS_PORT" cluster myid 2>/dev/null)
    if [ -z "$id" ] || ! printf '%s\n' "$nodes" | awk -v id="$id" '$1 == id && $3 !~ /myself/ {found = 1} END {exit !found}'; then
      echo "rejoin: ${STATEFULSET_NAME}-$((n - 1)) at $ip is not a node of this cluster (id '${id}'); not meeting it"
      continue
    fi
    echo "rejoin: meeting ${STATEFULSET_NAME}-$((n - 1)) at $ip"
    admin_cli 5 "$POD_IP" cluster meet "$ip" "$REDIS_PORT" >/dev/null 2>&1
  done
done
