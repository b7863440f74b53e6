#!/bin/sh
# Verify step 1, in the amazon/aws-cli image: downloads the newest complete backup (of any kind,
# or $VERIFY_BACKUP as <kind>/<id>) into $WORK_DIR/verify for step 2 to load.
set -eu

: "${WORK_DIR:?}" "${S3_BUCKET:?}" "${S3_PREFIX?}"
# shellcheck source=/dev/null
. "$(dirname "$0")/s3-lib.sh"

chosen=${VERIFY_BACKUP:-}
if [ -z "$chosen" ]; then
  for kind in hourly daily; do
    for id in $(complete_ids "$kind"); do echo "$id $kind/$id"; done
  done > "$WORK_DIR/complete"
  chosen=$(sort "$WORK_DIR/complete" | tail -n 1 | cut -d' ' -f2)
fi
if [ -z "$chosen" ]; then
  echo "verify: no complete backup under s3://$S3_BUCKET/$S3_PREFIX" >&2
  exit 1
fi
url="s3://$S3_BUCKET/$S3_PREFIX$chosen/"
s3 ls "${url}manifest.json" >/dev/null 2>&1 || { echo "verify: $url is not a complete backup (no manifest.json)" >&2; exit 1; }
rm -rf "$WORK_DIR/verify"
mkdir -p "$WORK_DIR/verify"
s3 cp --only-show-errors --recursive "$url" "$WORK_DIR/verify/"
echo "verify: fetched $url"
