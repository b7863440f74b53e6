// The backup objects: the scripts ConfigMap, the jobs' ServiceAccount, one volume and CronJob per
// kind (hourly, daily) and the verify CronJob. A backup job dumps in the redis image (init
// container) and uploads in the aws-cli image; no image holds both. Pods meet the "restricted"
// Pod Security Standard.
import { KubeObject, meta } from "../kubernetes/object";
import { fieldEnv } from "../kubernetes/pod-parts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../kubernetes/security";
import { BACKUP_KINDS, BackupKind, ClusterSpec, engineEnv, PATHS, PORTS, USERS, VERIFY_PORT } from "../settings/spec";
import { awsCredentialsEnv, BACKUP_PASSWORD_KEY, BackupCloud, passwordFile, scriptsMount, scriptsVolume } from "./env";
import { BackupIdentity, serviceAccountOf } from "./policy";
import { tlsCaEnv, tlsCaMounts, tlsCaVolumes } from "../kubernetes/tls";
import { loadBackupScripts } from "./scripts";

import { JOB_LIMITS, verifyMaxAgeMinutes } from "./schedule";
import { parseRedisSize } from "../settings/formats";
import { MAXMEMORY_SHARE_OF_LIMIT } from "../settings/resource-rules";
export { JOB_LIMITS } from "./schedule";

type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
const resources: Resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } };

/**
 * The verify container loads one whole shard into its scratch redis-server: it gets the memory a
 * Redis pod needs for maxmemory of data (maxmemory over the share of the limit it may take), as
 * request and limit, so a full shard is neither OOM-killed nor evicted; never below the helpers' 512Mi.
 */
export function verifyResources(spec: ClusterSpec): Resources {
    const data = parseRedisSize(spec.settings.redis.maxmemory) ?? 0;
    const mib = Math.max(512, Math.ceil(data / MAXMEMORY_SHARE_OF_LIMIT / 2 ** 20));
    return { requests: { cpu: resources.requests.cpu, memory: `${mib}Mi` }, limits: { cpu: resources.limits.cpu, memory: `${mib}Mi` } };
}

const volumeClaim = (spec: ClusterSpec) => ({
    accessModes: ["ReadWriteOnce"],
    ...(spec.settings.storage.storageClass ? { storageClassName: spec.settings.storage.storageClass } : {}),
    resources: { requests: { storage: spec.settings.backup.volumeSize } },
});

function container(spec: ClusterSpec, name: string, image: string, script: string, env: unknown[], mounts: unknown[], limits = resources) {
    return {
        name,
        image,
        imagePullPolicy: spec.settings.imagePullPolicy,
        command: ["sh", `${PATHS.scripts}/${script}`],
        env: [engineEnv(spec), ...env],
        resources: limits,
        securityContext: restrictedContainerSecurity,
        volumeMounts: [scriptsMount, { name: "tmp", mountPath: "/tmp" }, ...mounts],
    };
}

function s3Env<P>(spec: ClusterSpec, cloud: BackupCloud<P>, identity: BackupIdentity) {
    return [
        { name: "S3_BUCKET", value: cloud.bucket },
        { name: "S3_PREFIX", value: spec.settings.backup.s3.prefix },
        ...awsCredentialsEnv(spec, identity),
    ];
}

function podSpec(spec: ClusterSpec, identity: BackupIdentity, initContainers: unknown[], containers: unknown[], volumes: unknown[]) {
    return {
        // Its IRSA role (or, with IAM users, only its own key Secret mounted below) is the pod's S3 access.
        serviceAccountName: serviceAccountOf(spec, identity),
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        // A failed run leaves its pod for `kubectl logs`; the Job's backoffLimit makes new ones.
        restartPolicy: "Never",
        securityContext: restrictedPodSecurity,
        ...(initContainers.length > 0 ? { initContainers } : {}),
        containers,
        volumes: [
            scriptsVolume(spec),
            // Only the backup user's password: a leaked backup pod cannot administer Redis.
            {
                name: "auth",
                secret: {
                    secretName: spec.names.secret,
                    defaultMode: 0o440,
                    items: [{ key: BACKUP_PASSWORD_KEY, path: BACKUP_PASSWORD_KEY }],
                },
            },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            // Only the CA: the dump is a TLS client and presents no certificate (docs/tls.md).
            ...tlsCaVolumes(spec),
            ...volumes,
        ],
    };
}

function cronJob(
    spec: ClusterSpec,
    name: string,
    schedule: string,
    limits: { activeDeadlineSeconds: number; backoffLimit: number },
    pod: unknown,
    suspend = false,
): KubeObject {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta(spec, name, "backup", spec.backupPodLabels),
        spec: {
            schedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            suspend,
            // A run missed by more than this is skipped, not started late on top of the next.
            startingDeadlineSeconds: 600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                metadata: { labels: { ...spec.backupPodLabels } },
                spec: {
                    ...limits,
                    template: { metadata: { labels: { ...spec.backupPodLabels } }, spec: pod },
                },
            },
        },
    };
}

function backupCronJob<P>(spec: ClusterSpec, kind: BackupKind, cloud?: BackupCloud<P>): KubeObject {
    const s = spec.settings;
    const common = [
        { name: "STAGING_DIR", value: PATHS.backup },
        { name: "WORK_DIR", value: PATHS.backupWork },
        { name: "BACKUP_KIND", value: kind },
    ];
    const mounts = [
        { name: "backup", mountPath: PATHS.backup },
        { name: "work", mountPath: PATHS.backupWork },
    ];
    const dump = container(
        spec,
        "dump",
        s.image,
        "backup-dump.sh",
        [
            ...common,
            // The volume keeps the newest `keep` by count; S3 keeps them by the bucket's lifecycle.
            { name: "KEEP", value: String(s.backup[kind].keep) },
            { name: "CLUSTER_NAME", value: spec.names.statefulSet },
            { name: "REDIS_HOST", value: `${spec.names.clientService}.${spec.names.namespace}.svc.cluster.local` },
            { name: "REDIS_PORT", value: String(PORTS.redis) },
            { name: "REDIS_USER", value: USERS.backup },
            { name: "PASSWORD_FILE", value: passwordFile },
            ...tlsCaEnv(spec),
        ],
        [...mounts, { name: "auth", mountPath: PATHS.secrets, readOnly: true }, ...tlsCaMounts(spec)],
    );
    const upload =
        cloud && container(spec, "upload", s.backup.awsCliImage, "backup-upload.sh", [...common, ...s3Env(spec, cloud, "writer")], mounts);
    const pod = podSpec(spec, "writer", upload ? [dump] : [], upload ? [upload] : [dump], [
        { name: "backup", persistentVolumeClaim: { claimName: spec.names.backup[kind] } },
        { name: "work", emptyDir: { sizeLimit: "16Mi" } },
    ]);
    return cronJob(spec, spec.names.backup[kind], s.backup[kind].schedule, JOB_LIMITS[kind], pod);
}

/**
 * Loads the newest complete backup into a scratch Redis and checks it against its manifest: from
 * S3 (fetched to a scratch volume as large as a backup volume), or without S3 from the daily
 * backup volume.
 */
function verifyCronJob<P>(spec: ClusterSpec, cloud?: BackupCloud<P>): KubeObject {
    const s = spec.settings;
    const work = { name: "work", mountPath: PATHS.backupWork };
    const fetch =
        cloud &&
        container(
            spec,
            "fetch",
            s.backup.awsCliImage,
            "backup-fetch.sh",
            [{ name: "WORK_DIR", value: PATHS.backupWork }, ...s3Env(spec, cloud, "reader")],
            [work],
        );
    const verify = container(
        spec,
        "verify",
        s.image,
        "backup-verify.sh",
        [
            fieldEnv("POD_IP", "status.podIP"),
            { name: "WORK_DIR", value: PATHS.backupWork },
            { name: "STAGING_DIR", value: PATHS.backup },
            { name: "VERIFY_PORT", value: String(VERIFY_PORT) },
            { name: "MAX_AGE_SECONDS", value: String(verifyMaxAgeMinutes(spec) * 60) },
        ],
        cloud ? [work] : [work, { name: "backup", mountPath: PATHS.backup, readOnly: true }],
        verifyResources(spec),
    );
    // Verify only reads: from S3 as the reader, which can neither write nor delete a backup.
    const pod = podSpec(
        spec,
        cloud ? "reader" : "writer",
        fetch ? [fetch] : [],
        [verify],
        cloud
            ? [
                  {
                      name: "work",
                      ephemeral: { volumeClaimTemplate: { metadata: { labels: { ...spec.backupPodLabels } }, spec: volumeClaim(spec) } },
                  },
              ]
            : [
                  { name: "work", emptyDir: { sizeLimit: "1Gi" } },
                  { name: "backup", persistentVolumeClaim: { claimName: spec.names.backup.daily, readOnly: true } },
              ],
    );
    return cronJob(spec, spec.names.backupVerify, s.backup.verify.schedule, JOB_LIMITS.verify, pod, !s.backup.verify.enabled);
}

export function buildBackupScriptsConfigMap(spec: ClusterSpec): KubeObject {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(spec, spec.names.backupScripts, "backup"), data: loadBackupScripts() };
}

/** Every Kubernetes object of the backups (none when backups are off); `cloud` when S3 is on. */
export function buildBackupObjects<P>(spec: ClusterSpec, cloud?: BackupCloud<P>): KubeObject[] {
    if (!spec.settings.backup.enabled) return [];
    const serviceAccount = (identity: BackupIdentity, roleArn: P | undefined): KubeObject => ({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: {
            ...meta(spec, serviceAccountOf(spec, identity), "backup"),
            ...(roleArn !== undefined
                ? { annotations: { ...spec.annotations, "eks.amazonaws.com/role-arn": roleArn as unknown as string } }
                : {}),
        },
        automountServiceAccountToken: false,
    });
    const volumes = BACKUP_KINDS.map((kind): KubeObject => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
            ...meta(spec, spec.names.backup[kind], "backup"),
            // Only the backup Jobs mount these claims, and nothing waits for them. pulumi-kubernetes
            // before pulumi/pulumi-kubernetes#4181 awaits an updated WaitForFirstConsumer claim in
            // phase Pending, so once a backup had bound one, any later change to it (a label) timed
            // out after 300 s (pulumi/pulumi-kubernetes#4179; the e2e suite hit it at an hour's start).
            annotations: { ...spec.annotations, "pulumi.com/skipAwait": "true" },
        },
        spec: volumeClaim(spec),
    }));
    return [
        buildBackupScriptsConfigMap(spec),
        serviceAccount("writer", cloud?.roleArn),
        ...(cloud ? [serviceAccount("reader", cloud.readerRoleArn)] : []),
        ...volumes,
        ...BACKUP_KINDS.map((kind) => backupCronJob(spec, kind, cloud)),
        verifyCronJob(spec, cloud),
    ];
}
