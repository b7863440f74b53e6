#!/bin/sh
# Backup step 1, in the redis image: one RDB per shard, pulled with `redis-cli --rdb` from a
# replica of the shard (its master when it has none, so the master never forks for a backup it
# can hand off), then manifest.json written last. The backup is staged under
# $STAGING_DIR/<kind>/<id>.partial and renamed to <id> only when complete.
set -eu
scripts=$(dirname "$0")
# shellcheck source=/dev/null
. "$scripts/manifest-lib.sh"

: "${REDIS_HOST:?}" "${REDIS_PORT:?}" "${PASSWORD_FILE:?}" "${STAGING_DIR:?}" "${WORK_DIR:?}"
: "${BACKUP_KIND:?}" "${KEEP:?}" "${CLUSTER_NAME:?}" "${REDIS_USER:?}"

# redis-cli.sh reads the password from this file for each call; exporting the password itself
# would hand it to every child (sleep, tr, sed) through /proc/<pid>/environ.
REDIS_AUTH_FILE=$PASSWORD_FILE
export REDIS_AUTH_FILE
cli() { sh "$scripts/redis-cli.sh" --no-auth-warning --user "$REDIS_USER" "$@"; }

kind_dir="$STAGING_DIR/$BACKUP_KIND"
mkdir -p "$kind_dir"
id=$(date -u +%Y%m%dT%H%M%SZ)
# Ids are to the second: a second run within one (by hand) waits for a fresh id.
while [ -e "$kind_dir/$id" ]; do
  sleep 1
  id=$(date -u +%Y%m%dT%H%M%SZ)
done
# A run killed earlier leaves a .partial folder; nothing else writes here (concurrencyPolicy Forbid).
rm -rf "$kind_dir"/*.partial
partial="$kind_dir/$id.partial"
mkdir "$partial"

# Counts of the keyspace an RDB holds, from its RESIZEDB record (what the fork saw): prints
# "keys expires", or "-1 -1" for a file this parser does not follow (it reads the first 64 KB, where the
# record follows the header and any function library).
rdb_counts() {
  head -c 65536 "$1" | od -An -v -tu1 | awk '
    { for (i = 1; i <= NF; i++) b[n++] = $i }
    function len(  t, v, k) {
      t = int(b[p] / 64)
      if (t == 0) { return b[p++] % 64 }
      if (t == 1) { v = (b[p] % 64) * 256 + b[p + 1]; p += 2; return v }
      if (b[p] == 128) { k = 4 } else if (b[p] == 129) { k = 8 } else { bad = 1; return 0 }
      p++; v = 0
      while (k-- > 0) v = v * 256 + b[p++]
      return v
    }
    function skipstr(  t, e, c) {
      if (int(b[p] / 64) == 3) {
        e = b[p] % 64; p++
        if (e == 0) p += 1; else if (e == 1) p += 2; else if (e == 2) p += 4
        else if (e == 3) { c = len(); len(); p += c } else bad = 1
      } else { c = len(); p += c }
    }
    END {
      p = 9
      while (p < n && !bad) {
        op = b[p++]
        if (op == 250) { skipstr(); skipstr() }
        else if (op == 245) { skipstr() }
        else if (op == 254) { len() }
        else if (op == 251) { k = len(); e = len(); if (!bad) { print k, e; exit } }
        else if (op == 255) { print 0, 0; exit }
        else bad = 1
      }
      print -1, -1
    }'
}

# CLUSTER NODES, one node per line: id address flags master ping pong epoch link slots...
nodes=$(cli -h "$REDIS_HOST" -p "$REDIS_PORT" cluster nodes)
state=$(cli -h "$REDIS_HOST" -p "$REDIS_PORT" cluster info | tr -d '\r' | sed -n 's/^cluster_state://p')
if [ "$state" != "ok" ]; then
  echo "backup: cluster_state is \"$state\", not ok; refusing to take a backup of a cluster that is not whole" >&2
  exit 1
fi

# Every master that owns slots, in slot order: "first-slot id flags address slot-ranges"
# (migration markers dropped).
owners=$(printf '%s\n' "$nodes" | awk '$3 ~ /master/ && NF >= 9 {
    r = ""; for (i = 9; i <= NF; i++) if ($i !~ /^\[/) r = r (r == "" ? "" : ",") $i
    if (r != "") { split(r, f, "[-,]"); print f[1], $1, $3, $2, r } }' | sort -n)

# A backup covers all 16384 slots from healthy masters, or it is not taken: a master flagged
# fail or fail? (by the node that answered) would be skipped, and the backup would silently lack
# its keys until a restore. Nothing is marked complete then, and the Job fails (and retries).
failed=$(printf '%s\n' "$owners" | awk '$3 ~ /fail/')
masters=$(printf '%s\n' "$owners" | awk 'NF && $3 !~ /fail/ { print $1, $2, $5 }')
uncovered=$(uncovered_slots "$(printf '%s\n' "$masters" | awk 'NF { print $3 }')")
if [ -n "$failed" ] || [ -n "$uncovered" ]; then
  printf '%s\n' "$failed" | while read -r _first failed_id flags address ranges; do
    [ -n "$failed_id" ] || continue
    echo "backup: shard with slots $ranges: master $failed_id at ${address%%@*} is flagged $flags by $REDIS_HOST:$REDIS_PORT, not healthy" >&2
  done
  echo "backup: slots ${uncovered:-none} have no healthy master; a backup must cover all 16384 slots, so $BACKUP_KIND backup $id is not taken and nothing is marked complete" >&2
  rm -rf "$partial"
  exit 1
fi

shards=$(printf '%s\n' "$masters" | grep -c . || true)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# pull_shard <index> <master-id> <ranges>: pulls one shard's RDB into $partial and writes its
# manifest line to $WORK_DIR/shard-<index>.line. Every shard is pulled at the same time (each
# from another node), so a backup takes as long as its largest shard, not the sum of all.
pull_shard() {
  i=$1 master_id=$2 ranges=$3
  # A connected, healthy replica of this master, else the master itself.
  source=$(printf '%s\n' "$nodes" | awk -v m="$master_id" '$4 == m && $3 ~ /slave/ && $3 !~ /fail/ && $8 == "connected" { print $1, $2; exit }')
  [ -n "$source" ] || source=$(printf '%s\n' "$nodes" | awk -v m="$master_id" '$1 == m { print $1, $2 }')
  source_id=${source%% *}
  address=${source#* }
  address=${address%%@*}
  host=${address%:*}
  port=${address##*:}
  file="shard-$i.rdb"
  echo "backup: shard $i (slots $ranges) from $source_id at $host:$port"
  # redis-cli narrates the transfer on stderr; show it only when the transfer fails.
  if ! cli -h "$host" -p "$port" --rdb "$partial/$file" >"$WORK_DIR/rdb-$i.log" 2>&1; then
    cat "$WORK_DIR/rdb-$i.log" >&2
    echo "backup: pulling shard $i's RDB from $host:$port failed" >&2
    return 1
  fi
  counts=$(rdb_counts "$partial/$file")
  keys=${counts% *}
  expires=${counts#* }
  bytes=$(wc -c < "$partial/$file" | tr -d ' ')
  sum=$(sha256sum "$partial/$file" | cut -d' ' -f1)
  printf '    {"index": %d, "slots": "%s", "masterId": "%s", "sourceId": "%s", "keys": %s, "expires": %s, "bytes": %s, "sha256": "%s", "file": "%s"}\n' \
    "$i" "$ranges" "$master_id" "$source_id" "$keys" "$expires" "$bytes" "$sum" "$file" > "$WORK_DIR/shard-$i.line"
}

rm -f "$WORK_DIR"/shard-*.line
pids=""
i=0
while read -r _first master_id ranges; do
  pull_shard "$i" "$master_id" "$ranges" &
  pids="$pids $!"
  i=$((i + 1))
done <<LIST
$masters
LIST
failures=0
for pid in $pids; do
  wait "$pid" || failures=$((failures + 1))
done
if [ "$failures" -gt 0 ]; then
  echo "backup: $failures of $shards shards could not be pulled; $BACKUP_KIND backup $id is not taken" >&2
  rm -rf "$partial"
  exit 1
fi
lines=$(i=0; while [ "$i" -lt "$shards" ]; do
  if [ "$i" -gt 0 ]; then printf ',\n'; fi
  tr -d '\n' < "$WORK_DIR/shard-$i.line"
  i=$((i + 1))
done)

# One shard per line, so that sh tools (no jq in these images) can read it back.
{
  echo "{"
  echo "  \"format\": 1,"
  echo "  \"id\": \"$id\","
  echo "  \"kind\": \"$BACKUP_KIND\","
  echo "  \"cluster\": \"$CLUSTER_NAME\","
  echo "  \"started\": \"$started\","
  echo "  \"finished\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"shardCount\": $shards,"
  echo "  \"shards\": ["
  printf '%s\n' "$lines"
  echo "  ]"
  echo "}"
} > "$partial/manifest.json"
mv "$partial" "$kind_dir/$id"
printf '%s\n' "$id" > "$WORK_DIR/backup-id"
echo "backup: $BACKUP_KIND backup $id complete on the volume ($shards shards)"

# Keep the newest $KEEP complete backups of this kind on the volume; only after this one succeeded.
set --
for dir in "$kind_dir"/[0-9]*T[0-9]*Z; do
  if [ -d "$dir" ]; then set -- "$@" "$dir"; fi
done
while [ "$#" -gt "$KEEP" ]; do
  echo "backup: removing $BACKUP_KIND backup $(basename "$1") from the volume (keeping $KEEP)"
  rm -rf "$1"
  shift
done
