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
  sh "$scripts/redis-watchdog.sh" &
else
  # Points this replica at the Sentinels' master if no Sentinel does.
  sh "$scripts/sentinel-follow.sh" &
  # Applies password rotations live (the cluster topology's credentials provider does it there).
  sh "$scripts/acl-reload.sh" &
fi

# Loads a renewed certificate without a restart.
if [ -n "${TLS_CA_FILE:-}" ]; then
  sh "$scripts/tls-reload.sh" &
fi

exec "${ENGINE:-redis}-server" "$runtime_conf"
