#!/bin/sh
# Backup step 2, in the amazon/aws-cli image: uploads the backup step 1 staged, every shard's RDB
# first and manifest.json last, then applies retention to S3: the newest $KEEP complete backups of
# this kind stay, older complete ones go (manifest first), incomplete ones are left to the bucket's
# lifecycle rule. Retention runs only after this upload succeeded (set -e).
set -eu

: "${STAGING_DIR:?}" "${WORK_DIR:?}" "${BACKUP_KIND:?}" "${KEEP:?}" "${S3_BUCKET:?}" "${S3_PREFIX?}"
# shellcheck source=/dev/null
. "$(dirname "$0")/s3-lib.sh"

id=$(cat "$WORK_DIR/backup-id")
src="$STAGING_DIR/$BACKUP_KIND/$id"
dest="$(kind_url "$BACKUP_KIND")$id/"
[ -f "$src/manifest.json" ] || { echo "upload: $src holds no manifest.json; step 1 did not finish" >&2; exit 1; }

# Every shard in one aws process: it uploads them side by side (and each in parts), and each aws
# start costs seconds of CPU in a small pod.
echo "upload: $(cd "$src" && echo shard-*.rdb) -> $dest"
s3 cp --only-show-errors --recursive --exclude '*' --include 'shard-*.rdb' "$src/" "$dest"
s3 cp --only-show-errors --content-type application/json "$src/manifest.json" "${dest}manifest.json"
echo "upload: $BACKUP_KIND backup $id complete at $dest"

complete=$(complete_ids "$BACKUP_KIND")
printf '%s\n' "$complete" | grep -qx "$id" || { echo "upload: $id is not listed as complete after upload" >&2; exit 1; }
total=$(printf '%s\n' "$complete" | grep -c . || true)
excess=$((total - KEEP))
for old in $(printf '%s\n' "$complete" | head -n "$((excess > 0 ? excess : 0))"); do
  # Only backups older than this one (a clock that went back must not cost the newest).
  if [ "$old" = "$id" ] || [ "$(printf '%s\n%s\n' "$old" "$id" | sort | head -n 1)" != "$old" ]; then continue; fi
  echo "upload: retention removes $BACKUP_KIND backup $old (keeping the newest $KEEP)"
  s3 rm --only-show-errors "$(kind_url "$BACKUP_KIND")$old/manifest.json"
  s3 rm --only-show-errors --recursive "$(kind_url "$BACKUP_KIND")$old/"
done
