#!/bin/sh
# Verify step 2, in the redis image: "a backup never restored is not a backup". Loads each shard's
# RDB into a scratch redis-server (no cluster, no persistence, loopback only) and checks its
# sha256 and key count against the manifest. Reads $WORK_DIR/verify (fetched from S3) or, without
# S3, the newest complete backup on the backup volume. The backup must also be recent (taken at
# most $MAX_AGE_SECONDS ago) and its shards must cover all 16384 slots. Lists every problem, exits
# 1 on any.
set -eu

: "${WORK_DIR:?}" "${VERIFY_PORT:?}" "${MAX_AGE_SECONDS:?}"
# shellcheck source=/dev/null
. "$(dirname "$0")/manifest-lib.sh"

dir="$WORK_DIR/verify"
if [ ! -f "$dir/manifest.json" ]; then
  # Newest complete backup on the volume, by id (ids sort by time).
  dir=$(for candidate in "${STAGING_DIR:-/nonexistent}"/*/[0-9]*T[0-9]*Z; do
      if [ -f "$candidate/manifest.json" ]; then echo "$(basename "$candidate") $candidate"; fi
    done | sort | tail -n 1 | cut -d' ' -f2)
fi
[ -n "$dir" ] || { echo "verify: no complete backup to verify" >&2; exit 1; }
manifest="$dir/manifest.json"

# A scratch server must not be reachable from outside the pod: loopback (in local mode, where
# every pod is a loopback address, the pod's own).
case "${POD_IP:-}" in
  127.*) address=$POD_IP ;;
  *) address=127.0.0.1 ;;
esac

id=$(manifest_field "$manifest" id)
kind=$(manifest_field "$manifest" kind)
count=$(manifest_field "$manifest" shardCount)
problems=0

# The newest backup being old means backups stopped: a restore would lose everything since.
age=$(( $(date -u +%s) - $(backup_epoch "$id") ))
if [ "$age" -gt "$MAX_AGE_SECONDS" ]; then
  echo "verify: backup $kind/$id was taken ${age} s ago, more than the allowed $MAX_AGE_SECONDS s (backup.verify.maxAgeMinutes); backups have stopped or keep failing" >&2
  problems=$((problems + 1))
fi

ranges=""
i=0
while [ "$i" -lt "$count" ]; do
  ranges="$ranges $(shard_field "$manifest" "$i" slots)"
  i=$((i + 1))
done
uncovered=$(uncovered_slots "$ranges")
if [ -n "$uncovered" ]; then
  echo "verify: no shard of backup $kind/$id holds slots $uncovered; a restore would lose their keys" >&2
  problems=$((problems + 1))
fi

i=0
while [ "$i" -lt "$count" ]; do
  file=$(shard_field "$manifest" "$i" file)
  want_sum=$(shard_field "$manifest" "$i" sha256)
  want_keys=$(shard_field "$manifest" "$i" keys)
  expires=$(shard_field "$manifest" "$i" expires)
  if [ ! -f "$dir/$file" ]; then
    echo "verify: shard $i: $file is missing" >&2
    problems=$((problems + 1)); i=$((i + 1)); continue
  fi
  sum=$(sha256sum "$dir/$file" | cut -d' ' -f1)
  if [ "$sum" != "$want_sum" ]; then
    echo "verify: shard $i: $file has sha256 $sum, the manifest says $want_sum" >&2
    problems=$((problems + 1))
  fi
  scratch="$WORK_DIR/scratch-$i"
  mkdir -p "$scratch"
  "${ENGINE:-redis}-server" --bind "$address" --port "$VERIFY_PORT" --dir "$dir" --dbfilename "$file" \
    --appendonly no --save "" --protected-mode no --logfile "$scratch/redis.log" --daemonize no &
  pid=$!
  loaded=""
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$("${ENGINE:-redis}-cli" -h "$address" -p "$VERIFY_PORT" ping 2>/dev/null)" = "PONG" ]; then
      loaded=$("${ENGINE:-redis}-cli" -h "$address" -p "$VERIFY_PORT" dbsize)
      "${ENGINE:-redis}-cli" -h "$address" -p "$VERIFY_PORT" shutdown nosave >/dev/null 2>&1 || true
      break
    fi
    sleep 0.2
  done
  wait "$pid" || true
  if [ -z "$loaded" ]; then
    echo "verify: shard $i: redis-server could not load $file: $(tail -n 3 "$scratch/redis.log" | tr '\n' ' ')" >&2
    problems=$((problems + 1))
  elif [ "$want_keys" -ge 0 ] && { [ "$loaded" -gt "$want_keys" ] || [ "$loaded" -lt $((want_keys - expires)) ]; }; then
    # Keys with a TTL that passed since the dump are not loaded: up to `expires` fewer is right.
    echo "verify: shard $i: $file loads $loaded keys, the manifest says $want_keys ($expires with a TTL)" >&2
    problems=$((problems + 1))
  else
    echo "verify: shard $i: $file sha256 ok, $loaded keys loaded (manifest: $want_keys)"
  fi
  i=$((i + 1))
done
if [ "$problems" -gt 0 ]; then
  echo "verify: backup $kind/$id FAILED with $problems problem(s)" >&2
  exit 1
fi
echo "verify: backup $kind/$id OK ($count shards)"
