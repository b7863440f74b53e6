#!/bin/sh
# Backup step 2, in the amazon/aws-cli image: uploads the backup step 1 staged, every shard's RDB
# first and manifest.json last. Nothing is ever deleted here: the writer identity may not delete,
# and S3 retention is the bucket's lifecycle rules (each kind expires after its retention days).
set -eu

: "${STAGING_DIR:?}" "${WORK_DIR:?}" "${BACKUP_KIND:?}" "${S3_BUCKET:?}" "${S3_PREFIX?}"
# shellcheck source=/dev/null
. "$(dirname "$0")/s3-lib.sh"

id=$(cat "$WORK_DIR/backup-id")
src="$STAGING_DIR/$BACKUP_KIND/$id"
dest="$(kind_url "$BACKUP_KIND")$id/"
[ -f "$src/manifest.json" ] || { echo "upload: $src holds no manifest.json; step 1 did not finish" >&2; exit 1; }

# Every shard in one aws process: it uploads them side by side (and each in parts), and each aws
# start costs seconds of CPU in a small pod.
echo "upload: $(cd "$src" && echo shard-*.rdb) -> $dest"
s3_put "$src/" "$dest" --recursive --exclude '*' --include 'shard-*.rdb'
s3_put "$src/manifest.json" "${dest}manifest.json" --content-type application/json
echo "upload: $BACKUP_KIND backup $id complete at $dest"

complete=$(complete_ids "$BACKUP_KIND")
printf '%s\n' "$complete" | grep -qx "$id" || { echo "upload: $id is not listed as complete after upload" >&2; exit 1; }
echo "upload: $(printf '%s\n' "$complete" | grep -c .) complete $BACKUP_KIND backups in S3; the bucket's lifecycle expires old ones"
