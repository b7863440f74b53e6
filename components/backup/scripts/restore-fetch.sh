#!/bin/sh
# Init container of each Redis pod when restore.from is set, in the amazon/aws-cli image. Pod
# <ordinal> < shard count gets shard <ordinal>'s RDB, checked against the manifest's sha256 and
# placed where redis-server loads it at start (the AOF base when appendonly is on, since Redis
# then ignores dump.rdb). The formation provider then gives that pod the shard's slot ranges.
# A volume that already holds data is never overwritten: restore fills empty volumes only.
set -eu

: "${RESTORE_URL:?}" "${SHARDS:?}" "${POD_NAME:?}" "${DATA_DIR:?}" "${APPENDONLY:?}" "${APPEND_DIRNAME:?}" "${APPEND_FILENAME:?}"
scripts=$(dirname "$0")
# shellcheck source=/dev/null
. "$scripts/s3-lib.sh"
# shellcheck source=/dev/null
. "$scripts/manifest-lib.sh"

if [ -e "$DATA_DIR/nodes.conf" ] || [ -e "$DATA_DIR/$APPEND_DIRNAME" ] || [ -e "$DATA_DIR/dump.rdb" ]; then
  echo "restore: $DATA_DIR already holds data; restore only fills empty volumes"
  exit 0
fi

ordinal=${POD_NAME##*-}
# Pods past the shard count start empty and replicate a restored master: no S3 call for them (the
# program checked the backup's shard count against the deployment's before any pod was created).
if [ "$ordinal" -ge "$SHARDS" ]; then
  echo "restore: $POD_NAME starts empty and will replicate a restored master"
  exit 0
fi

# Milliseconds since the epoch (GNU date, as in the aws-cli image; whole seconds from a date
# without %N), and a span of them in seconds: the last line says how long the download and the
# check took, which is most of a restore's time.
now_ms() {
  _ms=$(date +%s%3N)
  case $_ms in ''|*[!0-9]*) _ms=$(($(date +%s) * 1000)) ;; esac
  echo "$_ms"
}
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
work="$DATA_DIR/.restore"
rm -rf "$work"
mkdir -p "$work"
started=$(now_ms)
# The manifest and this pod's shard in one aws process (each start costs seconds of CPU, and every
# pod starts at once); backup-dump.sh names shard n's file shard-<n>.rdb.
if ! s3 cp --only-show-errors --recursive --exclude '*' --include manifest.json --include "shard-$ordinal.rdb" "$RESTORE_URL" "$work/"; then
  echo "restore: cannot fetch from $RESTORE_URL (the aws CLI's error is above)" >&2
  rm -rf "$work"
  exit 1
fi
if [ ! -f "$work/manifest.json" ]; then
  echo "restore: ${RESTORE_URL} is not a complete backup (no manifest.json)" >&2
  rm -rf "$work"
  exit 1
fi
count=$(manifest_field "$work/manifest.json" shardCount)
if [ "$count" != "$SHARDS" ]; then
  echo "restore: the backup at $RESTORE_URL has $count shards and this deployment $SHARDS; restore into the same shard count (shards: $count), then change shards" >&2
  rm -rf "$work"
  exit 1
fi

file=$(shard_field "$work/manifest.json" "$ordinal" file)
want=$(shard_field "$work/manifest.json" "$ordinal" sha256)
# A manifest that names another file (written by another version) costs a second fetch.
[ -f "$work/$file" ] || s3 cp --only-show-errors "$RESTORE_URL$file" "$work/$file"
downloaded=$(now_ms)
sum=$(sha256sum "$work/$file" | cut -d' ' -f1)
checked=$(now_ms)
if [ "$sum" != "$want" ]; then
  echo "restore: $RESTORE_URL$file has sha256 $sum, the manifest says $want; refusing a damaged backup" >&2
  rm -rf "$work"
  exit 1
fi
if [ "$APPENDONLY" = "yes" ]; then
  mkdir -p "$DATA_DIR/$APPEND_DIRNAME"
  mv "$work/$file" "$DATA_DIR/$APPEND_DIRNAME/$APPEND_FILENAME.1.base.rdb"
  printf 'file %s.1.base.rdb seq 1 type b\n' "$APPEND_FILENAME" > "$DATA_DIR/$APPEND_DIRNAME/$APPEND_FILENAME.manifest"
else
  mv "$work/$file" "$DATA_DIR/dump.rdb"
fi
rm -rf "$work"
echo "restore: $POD_NAME loads shard $ordinal ($file, sha256 ok) from $RESTORE_URL: downloaded in $(secs $((downloaded - started))) s, checked in $(secs $((checked - downloaded))) s"
