// Where backups live in S3: <prefix><kind>/<id>/ holding shard-<n>.rdb files and manifest.json.
// The one place that spells the layout for the TypeScript side (the scripts follow it too).
import type { ClusterSpec } from "../settings/spec";

export interface S3Location {
    bucket: string;
    /** Key of the backup's folder, ending in "/". */
    key: string;
}

export const MANIFEST = "manifest.json";

/** The backup `restore.from` names, or undefined when there is none. */
export function restoreLocation(spec: ClusterSpec): S3Location | undefined {
    const from = spec.settings.restore.from;
    if (from === "") return undefined;
    const url = /^s3:\/\/([^/]+)\/(.*?)\/?$/.exec(from);
    if (url) return { bucket: url[1], key: `${url[2]}/` };
    const [kind, id] = from.includes("/") ? from.split("/") : ["daily", from];
    return { bucket: spec.settings.backup.s3.bucketName, key: `${spec.settings.backup.s3.prefix}${kind}/${id}/` };
}

export const s3Url = (loc: S3Location) => `s3://${loc.bucket}/${loc.key}`;
