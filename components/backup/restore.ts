// What restore.from adds to the Redis pods: an init container (aws-cli image) that puts shard
// <ordinal>'s RDB where redis-server loads it at start, and the volume of its script. Nothing
// when no restore is asked for.
import { AOF } from "../redis/redis-conf";
import { helperResources } from "../kubernetes/resources";
import { restrictedContainerSecurity } from "../kubernetes/security";
import { ClusterSpec, PATHS } from "../spec/spec";
import { awsCredentialsEnv, isIrsa, scriptsMount, scriptsVolume } from "./env";
import { restoreLocation, s3Url } from "./location";

export function restoreInitContainers(spec: ClusterSpec): unknown[] {
    const loc = restoreLocation(spec);
    if (!loc) return [];
    const s = spec.settings;
    return [{
        name: "restore",
        image: s.backup.awsCliImage,
        imagePullPolicy: s.imagePullPolicy,
        command: ["sh", `${RESTORE_SCRIPTS}/restore-fetch.sh`],
        env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "RESTORE_URL", value: s3Url(loc) },
            { name: "SHARDS", value: String(s.shards) },
            { name: "DATA_DIR", value: PATHS.data },
            { name: "APPENDONLY", value: s.redis.appendonly ? "yes" : "no" },
            { name: "APPEND_DIRNAME", value: AOF.dirname },
            { name: "APPEND_FILENAME", value: AOF.filename },
            ...awsCredentialsEnv(spec, isIrsa(spec)),
        ],
        resources: helperResources(spec, { cpu: "100m", memory: "128Mi" }, { cpu: "1", memory: "512Mi" }),
        securityContext: restrictedContainerSecurity,
        volumeMounts: [{ name: "data", mountPath: PATHS.data }, { ...scriptsMount, mountPath: RESTORE_SCRIPTS }, { name: "tmp", mountPath: "/tmp" }],
    }];
}

/** The Redis pods already mount their own scripts at PATHS.scripts; the backup scripts go beside them. */
export const RESTORE_SCRIPTS = "/backup-scripts";

/** Pod-level additions: the scripts volume, and the backup ServiceAccount when IRSA grants the access. */
export function restorePodAdditions(spec: ClusterSpec): { volumes: unknown[]; serviceAccountName?: string } {
    if (!restoreLocation(spec)) return { volumes: [] };
    return {
        volumes: [scriptsVolume(spec)],
        ...(isIrsa(spec) ? { serviceAccountName: spec.names.backupServiceAccount } : {}),
    };
}
