// The defaults and per-field rules of RedisClusterArgs. Defaults are what a laptop cluster (kind,
// minikube) can take; `profile: production` (profiles.ts) brings the original deployment guide's
// numbers. The doc comments in args.ts explain each setting.
import { boolean, integer, list, object, oneOf, optionalObject, stringMap, text } from "./fields";
import {
    isBucketName,
    isCidr,
    isCronSchedule,
    isDnsLabel,
    isDnsSubdomain,
    isLabelValue,
    isPinnedImage,
    isPromDuration,
    isQualifiedName,
    isQuantity,
    parseRedisSize,
} from "./formats";
import { DEFAULT_IMAGES } from "./images";
import { DEFAULT_PROFILE, PROFILE_NAMES } from "./profiles";

export const TOPOLOGIES = ["cluster", "sentinel"] as const;
/** The server the pods run; docs/engines.md says why Valkey is the default. */
export const ENGINES = ["valkey", "redis"] as const;
export type EngineName = (typeof ENGINES)[number];
export const DEFAULT_ENGINE: EngineName = "valkey";
export const MAXMEMORY_POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
] as const;
const AFFINITY = ["required", "preferred", "none"] as const;

// Object names get a suffix per pod ("-12") and per revision; 40 characters keep every derived
// name within the 63 a label value or DNS label allows.
export const MAX_NAME = 40;

const labelKey = text("", "a label key (optional DNS prefix/, then up to 63 of [A-Za-z0-9-_.])", isQualifiedName);
const labelValue = text("", "a label value (up to 63 of [A-Za-z0-9-_.], starting and ending alphanumeric)", isLabelValue);
const annotationValue = text("", "a string");
const labels = (def: Record<string, string> = {}) => stringMap(def, labelKey, labelValue);

const cpu = (def: string) => text(def, 'a Kubernetes CPU quantity such as "2" or "500m"', isQuantity, { acceptNumbers: true });
const bytesQuantity = (def: string) =>
    text(def, 'a Kubernetes memory quantity such as "8Gi" or "512Mi"', isQuantity, { acceptNumbers: true });
const redisSize = (def: string) =>
    text(def, 'a redis.conf size such as "6gb", "512mb" or a number of bytes', (s) => parseRedisSize(s) !== undefined);
const optionalRedisSize = (def: string) =>
    text(
        def,
        'empty (derived), or a redis.conf size such as "512mb" or a number of bytes',
        (s) => s === "" || parseRedisSize(s) !== undefined,
    );
const cron = (def: string) =>
    text(def, "a cron schedule of 5 fields (minute hour day month weekday) or a macro like @daily", isCronSchedule);
const pinnedImage = (def: string) =>
    text(
        def,
        "an image reference pinned to a version tag (not latest) or a sha256 digest (repo:tag@sha256:<64 hex> pins both)",
        isPinnedImage,
    );
const dnsLabel = (def: string, max = 63) =>
    text(def, `a lowercase RFC 1123 name of at most ${max} characters ([a-z0-9-], starting and ending alphanumeric)`, (s) =>
        isDnsLabel(s, max),
    );
const optionalDnsSubdomain = (def: string) =>
    text(def, "empty, or a lowercase RFC 1123 subdomain name", (s) => s === "" || isDnsSubdomain(s));
const promDuration = (def: string) => text(def, "a Prometheus duration such as 30s, 1m or 1h30m", isPromDuration);
const ms = (def: number, min: number, max: number) => integer(def, { min, max });

const compute = (cpuDef: string, memDef: string) => object({ cpu: cpu(cpuDef), memory: bytesQuantity(memDef) });
const optionalCpu = (def: string) =>
    text(def, 'empty (no CPU limit) or a Kubernetes CPU quantity such as "4" or "500m"', (s) => s === "" || isQuantity(s), {
        acceptNumbers: true,
    });
export const QOS_CLASSES = ["burstable", "guaranteed"] as const;

const toleration = object({
    key: text("", "a taint key", (s) => s === "" || isQualifiedName(s)),
    operator: oneOf("Equal", ["Equal", "Exists"]),
    value: text("", "a taint value", isLabelValue),
    effect: text("", 'empty or one of "NoSchedule", "PreferNoSchedule", "NoExecute"', (s) =>
        ["", "NoSchedule", "PreferNoSchedule", "NoExecute"].includes(s),
    ),
    tolerationSeconds: integer(-1, { min: -1 }),
});

const saveRule = object({
    seconds: integer(0, { min: 1 }),
    changes: integer(0, { min: 1 }),
});

const backupSchedule = (schedule: string, keep: number) =>
    object({
        schedule: cron(schedule),
        keep: integer(keep, { min: 1, max: 1000 }),
    });

const bucketName = text("", "empty (generated) or an S3 bucket name: 3-63 of [a-z0-9.-]", (s) => s === "" || isBucketName(s));
/** How backups reach S3 (backup.s3.identity); "" picks irsa when an OIDC provider is given. */
export const BACKUP_IDENTITIES = ["", "irsa", "iamUser"] as const;
/** arn:aws:iam::<account>:oidc-provider/<issuer>; the issuer is what IRSA trust conditions are keyed by. */
export const OIDC_PROVIDER_ARN = /^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/([a-z0-9.-]+(\/[\w.-]+)*)$/;
/** A key prefix that is literal inside an IAM ARN: no `*` or `?` (wildcards there). */
const isBackupPrefix = (s: string) => /^[A-Za-z0-9!_.'()/-]*\/$/.test(s) && !s.startsWith("/");
const arn = (what: string) => text("", `empty or ${what} ARN (arn:aws:...)`, (s) => s === "" || /^arn:aws[\w-]*:[\w-]+:/.test(s));

// Optional: only the sentinel topology may set it; sentinelSettings() fills in its defaults.
const sentinelSection = optionalObject({
    replicas: integer(3, { min: 1, max: 9 }),
    quorum: integer(2, { min: 1, max: 9 }),
    downAfterMs: ms(5000, 100, 600000),
    failoverTimeoutMs: ms(60000, 1000, 3600000),
    // Two Sentinels on one node lose the quorum with that node. A laptop has one node, so the
    // default lets them share it (and warns); profile production makes it required.
    hostAntiAffinity: oneOf("preferred", ["required", "preferred"]),
});

export const settingsSchema = object({
    profile: oneOf(DEFAULT_PROFILE, PROFILE_NAMES),
    namespace: dnsLabel("redis-system"),
    createNamespace: boolean(true),
    name: dnsLabel("redis-cluster", MAX_NAME),
    topology: oneOf("cluster", TOPOLOGIES),
    shards: integer(3, { min: 1, max: 256 }),
    replicasPerShard: integer(1, { min: 0, max: 5 }),
    engine: oneOf(DEFAULT_ENGINE, ENGINES),
    // The default engine's image; resolveSpec puts the chosen engine's in when none is given.
    image: pinnedImage(DEFAULT_IMAGES[DEFAULT_ENGINE]),
    imagePullPolicy: oneOf("IfNotPresent", ["IfNotPresent", "Always", "Never"]),
    resources: object({
        requests: compute("100m", "128Mi"),
        limits: object({ cpu: optionalCpu(""), memory: bytesQuantity("512Mi") }),
        qos: oneOf("burstable", QOS_CLASSES),
    }),
    storage: object({
        size: bytesQuantity("1Gi"),
        storageClass: optionalDnsSubdomain(""),
    }),
    redis: object({
        maxmemory: redisSize("128mb"),
        maxmemoryPolicy: oneOf("allkeys-lru", MAXMEMORY_POLICIES),
        ioThreads: integer(1, { min: 1, max: 128 }),
        ioThreadsDoReads: boolean(true),
        appendonly: boolean(true),
        appendfsync: oneOf("everysec", ["always", "everysec", "no"]),
        autoAofRewritePercentage: integer(100, { min: 0, max: 10000 }),
        autoAofRewriteMinSize: redisSize("64mb"),
        save: list(saveRule, [], { max: 16 }),
        rdbCompression: boolean(true),
        lazyfree: boolean(true),
        tcpBacklog: integer(4096, { min: 1, max: 65535 }),
        clusterNodeTimeoutMs: ms(5000, 1000, 120000),
        maxclients: integer(10000, { min: 1, max: 1000000 }),
        timeoutSeconds: integer(0, { min: 0 }),
        tcpKeepaliveSeconds: integer(300, { min: 0 }),
        slowlogLogSlowerThanUs: integer(10000, { min: -1 }),
        slowlogMaxLen: integer(128, { min: 0 }),
        replBacklogSize: optionalRedisSize(""),
        shutdownTimeoutSeconds: integer(10, { min: 0, max: 600 }),
    }),
    scheduling: object({
        hostAntiAffinity: oneOf("preferred", AFFINITY),
        zoneAntiAffinity: oneOf("preferred", AFFINITY),
        topologySpread: boolean(true),
        nodeSelector: labels(),
        tolerations: list(toleration, []),
        priorityClassName: optionalDnsSubdomain(""),
    }),
    labels: labels(),
    annotations: stringMap({}, labelKey, annotationValue),
    terminationGracePeriodSeconds: integer(60, { min: 1, max: 3600 }),
    plannedTakeover: boolean(true),
    rolloutTimeoutSeconds: integer(0, { min: 0, max: 86400 }),
    passwordLength: integer(32, { min: 16, max: 128 }),
    auth: object({
        rotation: integer(0, { min: 0 }),
        acceptPrevious: boolean(false),
        disconnectRevoked: boolean(false),
        defaultUser: boolean(false),
    }),
    systemInit: object({ enabled: boolean(false) }),
    sentinel: sentinelSection,
    monitoring: object({
        exporterImage: pinnedImage(DEFAULT_IMAGES.exporter),
        serviceMonitor: object({
            enabled: boolean(false),
            labels: labels(),
            interval: promDuration("30s"),
        }),
        prometheusRule: object({
            enabled: boolean(false),
            labels: labels(),
            thresholds: object({
                memoryPercent: integer(90, { min: 1, max: 100 }),
                replicationLagSeconds: integer(30, { min: 1 }),
                connectionsPercent: integer(80, { min: 1, max: 100 }),
                slowlogEntries: integer(10, { min: 1 }),
            }),
            forDurations: object({
                critical: promDuration("1m"),
                warning: promDuration("5m"),
                info: promDuration("15m"),
            }),
            runbookBaseUrl: text(
                "https://github.com/llm-analytics-hub/redis-cluster/blob/main/docs/runbooks.md",
                "an http(s) URL without a fragment",
                (s) => /^https?:\/\/[^\s#]+$/.test(s),
            ),
        }),
        dashboard: object({
            enabled: boolean(false),
            labels: labels({ grafana_dashboard: "1" }),
        }),
    }),
    backup: object({
        enabled: boolean(true),
        hourly: backupSchedule("0 * * * *", 3),
        daily: backupSchedule("30 2 * * *", 7),
        volumeSize: bytesQuantity("2Gi"),
        awsCliImage: pinnedImage(DEFAULT_IMAGES.awsCli),
        verify: object({
            enabled: boolean(true),
            schedule: cron("30 3 * * *"),
            maxAgeMinutes: integer(0, { min: 0, max: 525600 }),
        }),
        s3: object({
            enabled: boolean(false),
            bucketName,
            prefix: text(
                "redis-cluster/",
                "a key prefix of [A-Za-z0-9!_.'()/-] ending in /, not starting with /; no * or ?, which IAM reads as wildcards in the policies' resource ARNs",
                isBackupPrefix,
            ),
            identity: oneOf("", BACKUP_IDENTITIES),
            oidcProviderArn: text(
                "",
                "empty or an IAM OIDC provider ARN: arn:aws:iam::<12-digit account>:oidc-provider/<issuer host and path>",
                (s) => s === "" || OIDC_PROVIDER_ARN.test(s),
            ),
            oidcProviderUrl: text("", "empty or the issuer URL without https://", (s) => s === "" || /^[a-z0-9.-]+(\/[\w.-]+)*$/.test(s)),
            kmsKeyArn: arn("a KMS key"),
            createKmsKey: boolean(false),
            objectLockDays: integer(0, { min: 0, max: 36500 }),
        }),
    }),
    tls: object({
        enabled: boolean(false),
        issuerRef: optionalObject({
            name: dnsLabel(""),
            kind: oneOf("Issuer", ["Issuer", "ClusterIssuer"]),
        }),
        secretName: optionalDnsSubdomain(""),
        namespacedCa: boolean(false),
    }),
    networkPolicy: object({
        enabled: boolean(true),
        allowedNamespaces: list(dnsLabel(""), []),
        allowedPodLabels: labels(),
        allowedCidrs: list(text("", "a CIDR such as 10.20.0.0/16 or 2001:db8::/32 (address, slash, prefix length)", isCidr), []),
        monitoringNamespace: dnsLabel("monitoring"),
        monitoringPodLabels: labels({ "app.kubernetes.io/name": "prometheus" }),
        dnsNamespace: dnsLabel("kube-system"),
        dnsPodLabels: labels({ "k8s-app": "kube-dns" }),
        dnsCidrs: list(text("", "a CIDR such as 169.254.20.10/32 (address, slash, prefix length)", isCidr), []),
        awsCidrs: list(text("", "a CIDR such as 10.0.0.0/16 (address, slash, prefix length)", isCidr), []),
    }),
    restore: object({
        from: text(
            "",
            "empty, a backup id like 20260101T020000Z (a daily backup) or hourly/20260101T020000Z, or s3://bucket/prefix/<kind>/<id>/ (no * or ?: the URL becomes an IAM resource ARN)",
            (s) =>
                s === "" ||
                /^((hourly|daily)\/)?\d{8}T\d{6}Z$/.test(s) ||
                /^s3:\/\/[a-z0-9.-]{3,63}\/([\w!.'()/-]*\/)?\d{8}T\d{6}Z\/?$/.test(s),
        ),
    }),
    formation: object({
        connectivity: oneOf("port-forward", ["direct", "port-forward"]),
        readyTimeoutSeconds: integer(600, { min: 1, max: 86400 }),
    }),
});

/** RedisClusterArgs with every default filled in. */
export type Settings = ReturnType<typeof settingsSchema.parse>;

/** The Sentinel settings with every default filled in, whether or not the section was given. */
export function sentinelSettings(s: Settings): NonNullable<Settings["sentinel"]> {
    return s.sentinel ?? sentinelSection.parse({}, "", [])!;
}
