#!/bin/sh
# Starts redis-server with the shared redis.conf plus what only this pod knows: its address, the
# name it announces, and the ACL users (built from the mounted Secret, never passed as an argument).
set -eu

: "${POD_IP:?POD_IP must be set}"
: "${POD_NAME:?POD_NAME must be set}"
: "${CONFIG_DIR:?}" "${DATA_DIR:?}" "${RUN_DIR:?}" "${SECRETS_DIR:?}" "${ACL_RULES_FILE:?}" "${REPLICATION_USER:?}" "${TOPOLOGY:?}" "${REDIS_PORT:?}"

scripts=$(dirname "$0")
runtime_conf="$RUN_DIR/redis.conf"
acl_file="$RUN_DIR/users.acl"

# Outgoing connections (cluster bus, replication) must leave from the pod's own address, or peers
# learn a wrong one when several pods share a host's loopback range (local mode).
case "$POD_IP" in
  127.*) bind="$POD_IP" ;;
  *) bind="$POD_IP 127.0.0.1" ;;
esac

# The sentinel topology decides this pod's role before Redis starts: follow the master the
# Sentinels (or, failing them, the other pods) know; only pod 0 of a true first boot is master.
master=""
if [ "$TOPOLOGY" = "sentinel" ]; then
  master=$(sh "$scripts/sentinel-role.sh")
  [ "$master" = "$ANNOUNCE_HOSTNAME $REDIS_PORT" ] && master=""
  echo "starting as ${master:+replica of }${master:-master}"
fi

# An RDB save that a kill cut short (a stop's save past the grace period) leaves its temporary
# file, which nothing else removes: no server runs in this data directory yet.
rm -f "$DATA_DIR"/temp-*.rdb

# Back from a planned stop as a replica, with the RDB it wrote as it stopped (the preStop hook asks
# for one, resync-lib.sh): load that RDB instead of the AOF, with the AOF off until the watchdog
# (sentinel-follow.sh in the sentinel topology) turns it back on once the data is in. Only an RDB
# carries the replication offset, so only this way does the replica continue from where it
# stopped (a partial resync: the master sends what it missed from its backlog) instead of the
# master forking a full copy of the data, sending it, and this node loading it a second time. Any
# doubt (no marker, not a replica now, an AOF file newer than the RDB, AOF off in the config)
# starts from the AOF as always. An RDB's data is always that of the offset it records, so the
# worst case is a full resync; a master never boots from one.
# starts_as_replica: nodes.conf says this node is a replica (cluster), or the Sentinels' master
# is another pod (sentinel, decided above).
starts_as_replica() {
  if [ "$TOPOLOGY" = "cluster" ]; then
    awk '$3 ~ /myself/ && $3 ~ /slave/ {found = 1} END {exit !found}' "$DATA_DIR/nodes.conf" 2>/dev/null
  else
    [ -n "$master" ]
  fi
}
aof_deferred=0
if [ -f "$DATA_DIR/planned-stop" ] && [ -f "$DATA_DIR/dump.rdb" ] &&
  [ -n "$(find "$DATA_DIR/dump.rdb" -newer "$DATA_DIR/planned-stop")" ] &&
  grep -q '^appendonly yes$' "$CONFIG_DIR/redis.conf" && starts_as_replica &&
  [ -z "$(find "$DATA_DIR/appendonlydir" -newer "$DATA_DIR/dump.rdb" 2>/dev/null | head -n 1)" ]; then
  aof_deferred=1
  echo "back from a planned stop as a replica: loading the RDB written at the stop, AOF off until the data is in"
fi
# The sentinel topology reads the marker only here (the cluster's watchdog removes it after its takeover).
[ "$TOPOLOGY" = "cluster" ] || rm -f "$DATA_DIR/planned-stop"
# Without save rules nothing but that start reads the stop's RDB: the watchdog removes it once it
# is loaded, so that the disk holds the AOF and its rewrite as storage.size allows for, not a
# third copy of the data.
stop_rdb=''
if [ "$aof_deferred" = 1 ] && grep -q '^save ""$' "$CONFIG_DIR/redis.conf"; then
  stop_rdb="$DATA_DIR/dump.rdb"
fi

umask 077
# The ACL file holds password hashes only; it is rebuilt from the Secret at every start, so the
# Secret stays the one source of truth (live rotations are applied by the credentials provider).
sh "$scripts/redis-acl.sh" "$ACL_RULES_FILE" > "$acl_file"
{
  echo "include $CONFIG_DIR/redis.conf"
  echo "dir $DATA_DIR"
  echo "bind $bind"
  echo "bind-source-addr $POD_IP"
  echo "pidfile $RUN_DIR/redis.pid"
  echo "aclfile $acl_file"
  # Replicas authenticate to their master as the replication user.
  echo "masteruser $REPLICATION_USER"
  echo "masterauth \"$(cat "$SECRETS_DIR/$REPLICATION_USER-password")\""
  # Valkey: the zone clients prefer replicas of (set only where the pod's zone label is known).
  if [ -n "${AVAILABILITY_ZONE:-}" ]; then
    echo "availability-zone $AVAILABILITY_ZONE"
  fi
  # The start from the planned stop's RDB (above).
  if [ "$aof_deferred" = 1 ]; then
    echo "appendonly no"
  fi
  # TLS (redis.conf turns it on): the certificate mounted from its Secret.
  if [ -n "${TLS_CA_FILE:-}" ]; then
    echo "tls-cert-file $TLS_CERT_FILE"
    echo "tls-key-file $TLS_KEY_FILE"
    echo "tls-ca-cert-file $TLS_CA_FILE"
  fi
  if [ "$TOPOLOGY" = "cluster" ]; then
    echo "cluster-announce-ip $POD_IP"
    if [ -n "${ANNOUNCE_HOSTNAME:-}" ]; then
      echo "cluster-announce-hostname $ANNOUNCE_HOSTNAME"
    fi
  else
    # Its stable DNS name: the Sentinels and the master know it by that, whatever its address.
    echo "replica-announce-ip $ANNOUNCE_HOSTNAME"
    if [ -n "$master" ]; then
      echo "replicaof $master"
    fi
  fi
} > "$runtime_conf"

if [ "$TOPOLOGY" = "cluster" ]; then
  # Finds peers again by their DNS names if a restart left them all at new addresses.
  sh "$scripts/redis-rejoin.sh" &
  # Fails over at once when this replica's master process is gone.
  # It also turns the AOF back on after a start from the planned stop's RDB (above).
  AOF_DEFERRED=$aof_deferred STOP_RDB=$stop_rdb sh "$scripts/redis-watchdog.sh" &
else
  # Points this replica at the Sentinels' master if no Sentinel does; first it turns the AOF back
  # on after a start from the planned stop's RDB (above).
  AOF_DEFERRED=$aof_deferred STOP_RDB=$stop_rdb sh "$scripts/sentinel-follow.sh" &
  # Applies password rotations live (the cluster topology's credentials provider does it there).
  sh "$scripts/acl-reload.sh" &
fi

# Loads a renewed certificate without a restart.
if [ -n "${TLS_CA_FILE:-}" ]; then
  sh "$scripts/tls-reload.sh" &
fi

exec "${ENGINE:-redis}-server" "$runtime_conf"
