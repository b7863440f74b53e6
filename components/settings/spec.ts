// RedisClusterArgs -> ClusterSpec: validated settings plus every name, port, path and label the
// builders use. This is the one place those are spelled.
import type { RedisClusterArgs } from "./args";
import { ConfigError } from "./errors";
import type { Problem } from "./fields";
import { withProfile } from "./profiles";
import { crossFieldProblems } from "./rules";
import { imageRepositoryName } from "./formats";
import { DEFAULT_IMAGES } from "./images";
import { defaultReplBacklogSize } from "./resource-rules";
import { EngineName, sentinelSettings, settingsSchema, Settings } from "./schema";
import { ConfigWarning, configWarnings } from "./warnings";

/** `app.kubernetes.io/name` of each pod group of a deployment (with the instance label, they select it). */
export const APP_NAMES = {
    redis: "redis",
    sentinel: "redis-sentinel",
    backup: "redis-backup",
} as const;

export const PORTS = {
    redis: 6379,
    bus: 16379,
    exporter: 9121,
    sentinel: 26379,
} as const;

export const PATHS = {
    /** The persistent volume: AOF, RDB and nodes.conf. */
    data: "/data",
    /** redis.conf from the ConfigMap, read-only. */
    config: "/etc/redis",
    /** Scripts from the ConfigMap, read-only. */
    scripts: "/scripts",
    /** Writable scratch: the runtime config, the ACL file built from the Secret, and the pid file. */
    run: "/run/redis",
    /** The passwords Secret, mounted as files so they never sit in an environment listing. */
    secrets: "/etc/redis-auth",
    /** The TLS Secret (tls.crt, tls.key, ca.crt), when TLS is on: only where a server or Redis itself runs. */
    tls: "/etc/redis-tls",
    /** Only the TLS Secret's ca.crt: pods and containers that are TLS clients and serve nothing (exporter, backup jobs). */
    tlsCa: "/etc/redis-tls-ca",
    /** The exporter's password map (written by its init container; memory-backed). */
    exporterAuth: "/run/redis-exporter",
    /** Backup jobs: the backup volume, where backups are staged and the newest are kept. */
    backup: "/backup",
    /** Backup jobs: per-run scratch shared by the job's containers (and the backup being verified). */
    backupWork: "/work",
} as const;

/** The engine, whose binaries every script calls: $ENGINE-server, $ENGINE-cli, $ENGINE-sentinel. */
export const engineEnv = (spec: ClusterSpec) => ({ name: "ENGINE", value: spec.settings.engine });

/** The well-known label of a Kubernetes node's zone (and, with PodTopologyLabels admission, of its pods'). */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/** Port of the scratch redis-server the verify job loads a backup into (loopback of the job pod). */
export const VERIFY_PORT = 6399;

/** Backup kinds, each a CronJob with its own volume and S3 folder (<prefix><kind>/<id>/). */
export const BACKUP_KINDS = ["hourly", "daily"] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];
// --- ACL users (issue #8) ---
/**
 * The ACL users every deployment has, by role. `default` is off unless `auth.defaultUser` asks for
 * it. What each may run is in components/redis/acl.ts.
 */
export const USERS = {
    /** Operators, the pod scripts (probes, preStop, rejoin, watchdog) and the formation provider. */
    admin: "admin",
    /** Applications: data commands, read-only CLUSTER subcommands, nothing dangerous. */
    app: "app",
    /** The metrics exporter sidecar: INFO and the like, no keys. */
    exporter: "exporter",
    /** Replicas syncing from their master (masteruser). */
    replication: "replication",
    /** The backup jobs: finding the shards (CLUSTER NODES/INFO) and pulling snapshots (`redis-cli --rdb`). */
    backup: "backup",
    /**
     * Sentinel topology: what the Sentinels log in to each other as (`sentinel sentinel-user`).
     * A Sentinel-only identity: off on the Redis pods. See components/redis/sentinel-acl.ts.
     */
    sentinel: "sentinel",
} as const;
export type UserRole = keyof typeof USERS;
export const USER_ROLES = Object.keys(USERS) as UserRole[];

/** Secret key of a user's current password. */
export const passwordKey = (role: UserRole) => `${USERS[role]}-password`;
/** Secret key of a user's previous password, present only while a rotation keeps it accepted. */
export const previousPasswordKey = (role: UserRole) => `${USERS[role]}-password-previous`;
/** Key of the admin password inside the Secret (what the pod scripts authenticate with). */
export const PASSWORD_KEY = passwordKey("admin");

export interface ClusterSpec {
    settings: Settings;
    /** Valid but risky settings (a Redis release with known CVEs, ...): reported, never fatal. */
    warnings: ConfigWarning[];
    /** Redis pods: shards x (1 + replicas) for the cluster topology, 1 + replicas for sentinel. */
    podCount: number;
    names: {
        namespace: string;
        statefulSet: string;
        headlessService: string;
        clientService: string;
        secret: string;
        config: string;
        scripts: string;
        pdb: string;
        password: string;
        backupScripts: string;
        /** The backup writer's ServiceAccount (the hourly and daily jobs). */
        backupServiceAccount: string;
        /** The backup reader's ServiceAccount (verify, and the Redis pods while restoring with IRSA). */
        backupReaderServiceAccount: string;
        /** The writer IAM user's access key (identity iamUser only). */
        backupCredentials: string;
        /** The reader IAM user's access key (identity iamUser only). */
        backupReaderCredentials: string;
        /** CronJob (and backup volume) per kind. */
        backup: Record<BackupKind, string>;
        backupVerify: string;
        /** ACL rules file (no passwords) inside the config ConfigMap. */
        aclRules: string;
        /** The optional node-tuning DaemonSet, and the privileged namespace of its own it runs in. */
        nodeTuning: string;
        nodeTuningNamespace: string;
    };
    /** Identify the Redis pods; never change after creation (StatefulSet selectors are immutable). */
    selectorLabels: Record<string, string>;
    /** Identify the Sentinel pods (topology "sentinel"); NetworkPolicies select them by these. */
    sentinelSelectorLabels: Record<string, string>;
    /** Identify the backup and restore Job pods; NetworkPolicies select them by these. */
    backupSelectorLabels: Record<string, string>;
    /** On every object: selector labels, ownership and the user's labels. */
    commonLabels: Record<string, string>;
    /** The backup jobs' pods: the backup selector labels plus their component. */
    backupPodLabels: Record<string, string>;
    annotations: Record<string, string>;
    /** The Sentinel StatefulSet and what clients need to find the master; only for topology "sentinel". */
    sentinel?: SentinelSpec;
    /** TLS everywhere (clients, replication, the cluster bus, Sentinels); absent when off. */
    tls?: TlsSpec;
}

/** The keys of a TLS Secret, as cert-manager writes them. */
export const TLS_FILES = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

export interface TlsSpec {
    /** The Secret holding the certificate: the user's, or the one cert-manager writes. */
    secretName: string;
    /** When cert-manager issues it: the Certificate's name and issuer. */
    certificate?: { name: string; issuerRef: { name: string; kind: string } };
    /** tls.namespacedCa: the self-signed root Issuer, the CA's Secret (also its Certificate's name) and the CA Issuer. */
    namespacedCa?: { selfSigned: string; secretName: string; issuer: string };
}

export interface SentinelSpec {
    /** Sentinel settings with defaults (also when the `sentinel` section was not given). */
    settings: { replicas: number; quorum: number; downAfterMs: number; failoverTimeoutMs: number; hostAntiAffinity: string };
    /** The name Sentinels monitor the master under, and clients ask them for. */
    masterName: string;
    names: { statefulSet: string; headlessService: string; service: string; pdb: string; config: string };
    /** Identify the Sentinel pods (immutable, like the Redis pods' selector). */
    selectorLabels: Record<string, string>;
    /** On every Sentinel object. */
    commonLabels: Record<string, string>;
}

/**
 * Validates and defaults `args`; throws a ConfigError listing every problem. `deferred` names the
 * problems that are not decided yet (they involve a value the component receives later, as a
 * Pulumi Output, and checks again once it resolves); they do not fail this call.
 */
export function resolveSpec(
    args: RedisClusterArgs | undefined,
    keyPrefix = "",
    deferred: (p: Problem) => boolean = () => false,
): ClusterSpec {
    const problems: Problem[] = [];
    const settings = settingsSchema.parse(withProfile(args ?? {}), "", problems);
    // The profile's values count as defaults: cross-field rules about what the user asked for
    // ("requests unset with qos guaranteed") look at the explicit args only.
    // Engine and image name each other (profiles set neither): an image of Redis or Valkey without
    // an engine runs that engine (a stack that pinned redis:7.2 keeps Redis), and an engine without
    // an image runs its default.
    const named = imageRepositoryName(settings.image);
    if (args?.engine === undefined && args?.image !== undefined && (named === "redis" || named === "valkey")) settings.engine = named;
    if (args?.image === undefined) settings.image = DEFAULT_IMAGES[settings.engine as EngineName];
    if (settings.redis.replBacklogSize === "") settings.redis.replBacklogSize = defaultReplBacklogSize(settings.redis.maxmemory);
    if (problems.length === 0) problems.push(...crossFieldProblems(settings, args ?? {}));
    const decided = problems.filter((p) => !deferred(p));
    if (decided.length > 0) throw new ConfigError(decided, keyPrefix);
    // Backups cover the cluster topology only: unless asked for (an error above), they are off.
    if (settings.topology !== "cluster") settings.backup.enabled = false;
    return buildSpec(settings);
}

/** Problems of `args` without throwing (empty when valid). */
export function checkArgs(args: RedisClusterArgs | undefined): Problem[] {
    try {
        resolveSpec(args);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
}

const ownership = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "llm-analytics-hub" };

function buildSentinelSpec(settings: Settings): SentinelSpec | undefined {
    if (settings.topology !== "sentinel") return undefined;
    const name = settings.name;
    const selectorLabels = {
        "app.kubernetes.io/name": "redis-sentinel",
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": "sentinel",
    };
    return {
        settings: sentinelSettings(settings),
        masterName: name,
        names: {
            statefulSet: `${name}-sentinel`,
            headlessService: `${name}-sentinel-headless`,
            service: `${name}-sentinel`,
            pdb: `${name}-sentinel`,
            config: `${name}-sentinel-config`,
        },
        selectorLabels,
        commonLabels: { ...settings.labels, ...selectorLabels, ...ownership },
    };
}

function buildSpec(settings: Settings): ClusterSpec {
    const name = settings.name;
    const groupLabels = (app: string) => ({
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": name,
    });
    const selectorLabels = groupLabels(APP_NAMES.redis);
    return {
        settings,
        warnings: configWarnings(settings),
        podCount: settings.topology === "cluster" ? settings.shards * (1 + settings.replicasPerShard) : 1 + settings.replicasPerShard,
        names: {
            namespace: settings.namespace,
            statefulSet: name,
            headlessService: `${name}-headless`,
            clientService: name,
            secret: `${name}-auth`,
            config: `${name}-config`,
            scripts: `${name}-scripts`,
            pdb: name,
            password: `${name}-password`,
            backupScripts: `${name}-backup-scripts`,
            backupServiceAccount: `${name}-backup`,
            backupReaderServiceAccount: `${name}-backup-reader`,
            backupCredentials: `${name}-backup-s3`,
            backupReaderCredentials: `${name}-backup-reader-s3`,
            backup: { hourly: `${name}-backup-hourly`, daily: `${name}-backup-daily` },
            backupVerify: `${name}-backup-verify`,
            aclRules: "users.acl",
            nodeTuning: `${name}-node-tuning`,
            nodeTuningNamespace: `${settings.namespace}-node-tuning`,
        },
        selectorLabels,
        sentinelSelectorLabels: groupLabels(APP_NAMES.sentinel),
        backupSelectorLabels: groupLabels(APP_NAMES.backup),
        backupPodLabels: { ...groupLabels(APP_NAMES.backup), "app.kubernetes.io/component": "backup" },
        commonLabels: {
            ...settings.labels,
            ...selectorLabels,
            ...ownership,
        },
        annotations: { ...settings.annotations },
        sentinel: buildSentinelSpec(settings),
        tls: buildTlsSpec(settings),
    };
}

function buildTlsSpec(settings: Settings): TlsSpec | undefined {
    const tls = settings.tls;
    if (!tls.enabled) return undefined;
    if (tls.secretName) return { secretName: tls.secretName };
    const name = `${settings.name}-tls`;
    if (tls.namespacedCa) {
        const ca = { issuer: `${settings.name}-ca`, selfSigned: `${settings.name}-ca-root`, secretName: `${settings.name}-ca` };
        return { secretName: name, certificate: { name, issuerRef: { name: ca.issuer, kind: "Issuer" } }, namespacedCa: ca };
    }
    return { secretName: name, certificate: { name, issuerRef: { name: tls.issuerRef!.name, kind: tls.issuerRef!.kind } } };
}
