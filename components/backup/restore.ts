// What restore.from adds to the Redis pods: an init container (aws-cli image) that puts shard
// <ordinal>'s RDB where redis-server loads it at start, and the volume of its script. Nothing
// when no restore is asked for. It reads as the backup reader (list and get, no write or delete):
// with IAM users only the init container gets the reader's key; with IRSA the pod runs as the
// reader's ServiceAccount and the pod identity webhook is told to give the role's token to the
// restore container only (a token volume mounted into no other container).
import { AOF } from "../redis/redis-conf";
import { helperResources } from "../kubernetes/resources";
import { restrictedContainerSecurity } from "../kubernetes/security";
import { ClusterSpec, PATHS } from "../settings/spec";
import { awsCredentialsEnv, isIrsa, scriptsMount, scriptsVolume } from "./env";
import { restoreLocation, s3Url } from "./location";

export const RESTORE_CONTAINER = "restore";

export function restoreInitContainers(spec: ClusterSpec): unknown[] {
    const loc = restoreLocation(spec);
    if (!loc) return [];
    const s = spec.settings;
    return [
        {
            name: RESTORE_CONTAINER,
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
                ...awsCredentialsEnv(spec, "reader"),
            ],
            resources: helperResources(spec, { cpu: "100m", memory: "128Mi" }, { cpu: "1", memory: "512Mi" }),
            securityContext: restrictedContainerSecurity,
            volumeMounts: [
                { name: "data", mountPath: PATHS.data },
                { ...scriptsMount, mountPath: RESTORE_SCRIPTS },
                { name: "tmp", mountPath: "/tmp" },
            ],
        },
    ];
}

/** The Redis pods already mount their own scripts at PATHS.scripts; the backup scripts go beside them. */
export const RESTORE_SCRIPTS = "/backup-scripts";

/** The pod identity webhook's annotation naming containers it must not give the IRSA role to. */
export const IRSA_SKIP_CONTAINERS = "eks.amazonaws.com/skip-containers";

/**
 * Pod-level additions: the scripts volume; with IRSA, the reader's ServiceAccount and the
 * annotation that keeps its role from every container but the restore step (`containerNames`: the
 * pod's other containers, init containers included).
 */
export function restorePodAdditions(
    spec: ClusterSpec,
    containerNames: string[],
): { volumes: unknown[]; serviceAccountName?: string; annotations: Record<string, string> } {
    if (!restoreLocation(spec)) return { volumes: [], annotations: {} };
    if (!isIrsa(spec)) return { volumes: [scriptsVolume(spec)], annotations: {} };
    return {
        volumes: [scriptsVolume(spec)],
        serviceAccountName: spec.names.backupReaderServiceAccount,
        annotations: { [IRSA_SKIP_CONTAINERS]: containerNames.filter((n) => n !== RESTORE_CONTAINER).join(",") },
    };
}
