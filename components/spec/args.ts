// The public shape of RedisCluster's arguments. Every field is optional; the defaults are what a
// laptop cluster (kind, minikube) can take, and `profile: "production"` (profiles.ts) brings the
// numbers of the deployment guide this project replaces. Each doc comment is the user-facing
// documentation: the settings table of docs/configuration.md and Pulumi.yaml are generated from
// them.
// Types stay plain (no unions but `T | undefined`, no functions) so the component can be
// described by a Pulumi package schema for other languages. Settings typed `pulumi.Input` take
// Outputs of other resources (components/inputs.ts); the rest decide which resources exist or
// their names, so they are plain (docs/inputs.md says why for each).
import type * as pulumi from "@pulumi/pulumi";

/** CPU and memory, as Kubernetes quantities. */
export interface ComputeArgs {
    /** CPU cores, a Kubernetes quantity such as `"2"` or `"500m"`. */
    cpu?: pulumi.Input<string>;
    /** Memory, a Kubernetes quantity such as `"8Gi"`. */
    memory?: pulumi.Input<string>;
}

export interface ResourcesArgs {
    /** What the scheduler reserves per Redis pod. Default: `{cpu: "100m", memory: "128Mi"}` (profile production: `{cpu: "2", memory: "8Gi"}`). */
    requests?: ComputeArgs;
    /** The most a Redis pod may use; above the memory limit the kernel kills Redis. The CPU limit is optional (empty: none) and warned about: a fork child (AOF rewrite, replica sync, backup pull) shares the pod's CPU quota, throttling stalls Redis, and node-timeout failovers follow (docs/persistence.md). Default: `{cpu: "", memory: "512Mi"}` (profile production: `{cpu: "", memory: "16Gi"}`). */
    limits?: ComputeArgs;
    /** Kubernetes QoS class of the Redis pods: `burstable` (requests below limits) or `guaranteed` (every container's requests equal its limits, so the pod is the last evicted under node memory pressure; needs `limits.cpu`, and requests default to the limits). Default: `"burstable"`. */
    qos?: string;
}

export interface StorageArgs {
    /** Size of each Redis pod's persistent volume when its claim is created; the claim template keeps it, so grow existing volumes by expanding their claims (docs/operations.md, "Growing the volumes"). Default: `"1Gi"`. */
    size?: pulumi.Input<string>;
    /** StorageClass of the volumes; an empty string uses the cluster's default class. Default: `""`. */
    storageClass?: pulumi.Input<string>;
}

/** One RDB save rule: snapshot when at least `changes` keys changed within `seconds`. */
export interface SaveRuleArgs {
    /** Window in seconds. */
    seconds: number;
    /** Changed keys within the window that trigger a snapshot. */
    changes: number;
}

/** redis.conf settings. */
export interface RedisConfigArgs {
    /** Memory Redis may use for data (redis.conf size units: `"6gb"`, `"512mb"`). Must leave room below the memory limit for fork copy-on-write and buffers. Default: `"128mb"`. */
    maxmemory?: string;
    /** What Redis evicts when it reaches maxmemory. Default: `"allkeys-lru"`. */
    maxmemoryPolicy?: string;
    /** I/O threads per Redis process (1 disables threaded I/O). Default: `1`. */
    ioThreads?: number;
    /** Also use the I/O threads for reads. Default: `true`. */
    ioThreadsDoReads?: boolean;
    /** Append-only file persistence. Default: `true`. */
    appendonly?: boolean;
    /** AOF fsync policy: `always`, `everysec` or `no`. Default: `"everysec"`. */
    appendfsync?: string;
    /** Rewrite the AOF when it grew by this percentage since the last rewrite. Default: `100`. */
    autoAofRewritePercentage?: number;
    /** Do not rewrite the AOF while it is smaller than this. Default: `"64mb"`. */
    autoAofRewriteMinSize?: string;
    /** RDB snapshot rules; an empty list (`save ""`) disables RDB snapshots and the RDB save at shutdown. With the AOF on they only cost forks: backups pull RDBs from replicas, restore loads the AOF (docs/persistence.md). Default: `[]`. */
    save?: SaveRuleArgs[];
    /** Compress RDB files. Default: `true`. */
    rdbCompression?: boolean;
    /** Free memory in a background thread on eviction, expiry, DEL and replica flush. Default: `true`. */
    lazyfree?: boolean;
    /** Listen backlog of the client port. The kernel caps it at the pod network namespace's `net.core.somaxconn` (4096 since Linux 5.4), which a restricted pod cannot raise, so a higher value is capped there, with a warning. Default: `4096`. */
    tcpBacklog?: number;
    /** Milliseconds a node may be unreachable before the cluster fails it over. Default: `5000`. */
    clusterNodeTimeoutMs?: number;
    /** Most client connections per node. Default: `10000`. */
    maxclients?: number;
    /** Close idle client connections after this many seconds (0 never). Default: `0`. */
    timeoutSeconds?: number;
    /** TCP keepalive interval in seconds. Default: `300`. */
    tcpKeepaliveSeconds?: number;
    /** Log commands slower than this many microseconds to the slow log. Default: `10000`. */
    slowlogLogSlowerThanUs?: number;
    /** Entries kept in the slow log. Default: `128`. */
    slowlogMaxLen?: number;
    /** Replication backlog, so a replica that briefly loses its link resyncs partially. Default: `"256mb"`. */
    replBacklogSize?: string;
    /** Seconds a stopping master waits for its replicas to catch up before it exits. Default: `10`. */
    shutdownTimeoutSeconds?: number;
}

export interface SchedulingArgs {
    /** Spread Redis pods over Kubernetes nodes: `required`, `preferred` (pods may share a node, as on a one-node laptop cluster) or `none`. Default: `"preferred"`. */
    hostAntiAffinity?: string;
    /** Spread Redis pods over zones (`topology.kubernetes.io/zone`): `required`, `preferred` or `none`. Default: `"preferred"`. */
    zoneAntiAffinity?: string;
    /** Add topology spread constraints (max skew 1) over nodes and zones, best effort. Default: `true`. */
    topologySpread?: boolean;
    /** Only schedule on nodes with these labels. Default: `{}`. */
    nodeSelector?: Record<string, string>;
    /** Tolerations, as in a pod spec (`key`, `operator`, `value`, `effect`, `tolerationSeconds`). Default: `[]`. */
    tolerations?: TolerationArgs[];
    /** PriorityClass of the Redis pods; empty for none. Default: `""`. */
    priorityClassName?: string;
}

export interface TolerationArgs {
    /** Taint key; empty with operator Exists matches every taint. */
    key?: string;
    /** `Equal` or `Exists`. */
    operator?: string;
    /** Taint value, with operator Equal. */
    value?: string;
    /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches all. */
    effect?: string;
    /** With NoExecute: seconds the pod stays bound after the taint appears. */
    tolerationSeconds?: number;
}

export interface SystemInitArgs {
    /** Run a DaemonSet that turns transparent huge pages off on the nodes Redis may run on. It needs a privileged container, so it runs in a namespace of its own (`<namespace>-node-tuning`, enforcing the privileged Pod Security Standard); the Redis namespace stays restricted. Off unless asked for. Default: `false`. */
    enabled?: boolean;
}

/** ACL users and password rotation (see docs/security.md, "ACL users and credentials"). */
export interface AuthArgs {
    /** Password generation. Raise it by one to rotate every user's password: new passwords are generated, and the pods roll to pick them up. Default: `0`. */
    rotation?: number;
    /** Keep accepting the previous generation's passwords beside the current ones, while clients move to the new ones; set back to false to remove them. Raising `rotation` with this false revokes the old passwords at once (for a leaked password). Default: `false`. */
    acceptPrevious?: boolean;
    /** Emergency rotation, for a leaked password: when a rotation removes a user's password, end every open session of that user on every node (`CLIENT KILL USER`), so a session opened with the leaked password cannot go on. Clients reconnect with the password they hold, so hand them the new one first (or accept the reconnect storm). Without it, removed passwords refuse new logins only. Default: `false`. */
    disconnectRevoked?: boolean;
    /** Enable Redis's `default` user for clients that can only send a password: it gets the `app` user's rights and password. Default: `false`. */
    defaultUser?: boolean;
}

export interface SentinelArgs {
    /** Sentinel processes, at least 3 (a StatefulSet of its own, spread like the Redis pods). Default: `3`. */
    replicas?: number;
    /** Sentinels that must agree a master is down; more than half of `replicas`, so two partitions never both fail over. Default: `2`. */
    quorum?: number;
    /** Milliseconds without an answer before a Sentinel considers the master down. Default: `5000`. */
    downAfterMs?: number;
    /** Milliseconds before a failover is retried (and the bound of each of its steps); at least twice `downAfterMs`. Default: `60000`. */
    failoverTimeoutMs?: number;
    /** Spread the Sentinels over Kubernetes nodes: `required` (two Sentinels on one node lose the quorum with that node), or `preferred` for clusters with fewer nodes than Sentinels (a laptop; warned about). Independent of `scheduling.hostAntiAffinity`. Default: `"preferred"`. */
    hostAntiAffinity?: string;
}

export interface ServiceMonitorArgs {
    /** Create a Prometheus Operator ServiceMonitor (its CRD must be installed). Default: `false`. */
    enabled?: boolean;
    /** Extra labels so the Prometheus instance selects it (e.g. `{release: "kube-prometheus-stack"}`). Default: `{}`. */
    labels?: Record<string, string>;
    /** Scrape interval. Default: `"30s"`. */
    interval?: string;
}

export interface AlertThresholdsArgs {
    /** Warn when used memory exceeds this percentage of maxmemory. Default: `90`. */
    memoryPercent?: number;
    /** Warn when a replica lags its master by more than this many seconds. Default: `30`. */
    replicationLagSeconds?: number;
    /** Inform when connected clients exceed this percentage of maxclients. Default: `80`. */
    connectionsPercent?: number;
    /** Inform when the slow log grows by more than this many entries in 5 minutes. Default: `10`. */
    slowlogEntries?: number;
}

export interface AlertForArgs {
    /** How long a critical condition must hold before it fires. Default: `"1m"`. */
    critical?: string;
    /** How long a warning condition must hold. Default: `"5m"`. */
    warning?: string;
    /** How long an info condition must hold. Default: `"15m"`. */
    info?: string;
}

export interface PrometheusRuleArgs {
    /** Create a PrometheusRule with the alerts (the Prometheus Operator's CRD must be installed). Default: `false`. */
    enabled?: boolean;
    /** Extra labels so the Prometheus instance selects it. Default: `{}`. */
    labels?: Record<string, string>;
    /** Alert thresholds. */
    thresholds?: AlertThresholdsArgs;
    /** The `for` of the alerts, by severity. */
    forDurations?: AlertForArgs;
    /** Where the runbooks live; each alert links to its section. Default: `"https://github.com/llm-analytics-hub/redis-cluster/blob/main/docs/runbooks.md"`. */
    runbookBaseUrl?: string;
}

export interface DashboardArgs {
    /** Ship the Grafana dashboard in a ConfigMap (for a Grafana sidecar that loads dashboards). Default: `false`. */
    enabled?: boolean;
    /** Labels the Grafana sidecar looks for. Default: `{grafana_dashboard: "1"}`. */
    labels?: Record<string, string>;
}

export interface MonitoringArgs {
    /** Exporter image (redis_exporter), pinned. The exporter sidecar runs in every stack. Default: `"oliver006/redis_exporter:v1.62.0"`. */
    exporterImage?: string;
    /** The ServiceMonitor (needs the Prometheus Operator). */
    serviceMonitor?: ServiceMonitorArgs;
    /** The PrometheusRule with the alerts (needs the Prometheus Operator). */
    prometheusRule?: PrometheusRuleArgs;
    /** The Grafana dashboard ConfigMap. */
    dashboard?: DashboardArgs;
}

export interface BackupScheduleArgs {
    /** Cron schedule (5 fields, UTC). */
    schedule?: string;
    /** How many backups of this kind to keep: on the backup volume by count, and in S3 as the bucket's lifecycle expiry (keep x the schedule's longest gap, in whole days; the jobs never delete from S3). */
    keep?: number;
}

export interface S3BackupArgs {
    /** Upload backups to S3 (otherwise they stay on the backup volume). Creates AWS resources: the bucket, and an IAM role (IRSA) or an IAM user with an access key. Default: `false`. */
    enabled?: boolean;
    /** Bucket name; empty generates one. Default: `""`. */
    bucketName?: pulumi.Input<string>;
    /** Key prefix inside the bucket; it becomes part of IAM resource ARNs, so `*` and `?` (IAM wildcards) are refused. Default: `"redis-cluster/"`. */
    prefix?: string;
    /** How the backup jobs and the restore step reach S3: `irsa` (EKS IAM roles for service accounts, no static key; needs `oidcProviderArn`; what production uses) or `iamUser` (IAM users whose access keys live in Kubernetes Secrets). Empty picks `irsa` when `oidcProviderArn` is set, else `iamUser`. Either way the writer (backup jobs) and the reader (verify, restore) are separate identities. Default: `""`. */
    identity?: string;
    /** ARN of the cluster's IAM OIDC provider (`arn:aws:iam::<account>:oidc-provider/<issuer>`), for IRSA. Default: `""`. */
    oidcProviderArn?: pulumi.Input<string>;
    /** Issuer of that OIDC provider (without `https://`); empty takes it from `oidcProviderArn`, where it follows `oidc-provider/`. Default: `""`. */
    oidcProviderUrl?: pulumi.Input<string>;
    /** An existing KMS key's ARN for SSE-KMS (its key policy must let the backup identities use it); empty uses SSE-S3 unless `createKmsKey`. Default: `""`. */
    kmsKeyArn?: pulumi.Input<string>;
    /** Create a customer-managed KMS key (rotated yearly) for SSE-KMS whose key policy lets the writer encrypt and the reader decrypt, through S3 only. Not with `kmsKeyArn`. Default: `false`. */
    createKmsKey?: boolean;
    /** Object Lock in governance mode: every backup object version is locked for this many days from its upload, so neither a leaked writer nor anyone without `s3:BypassGovernanceRetention` can delete or expire it before then. 0 is off. Turning it on later enables Object Lock on the existing bucket. Default: `0`. */
    objectLockDays?: number;
}

export interface BackupVerifyArgs {
    /** Run the verify job on its schedule (when false the CronJob is suspended and runs only by hand). Default: `true`. */
    enabled?: boolean;
    /** Cron schedule of the verify job. Default: `"30 3 * * *"`. */
    schedule?: string;
    /** The oldest the newest backup may be, in minutes, or verify fails; 0 derives it from the schedules: twice the longest gap between runs of the most frequent backup verify reads (hourly with S3, daily without) plus that job's deadline, so one missed run passes and two do not. Default: `0`. */
    maxAgeMinutes?: number;
}

export interface BackupArgs {
    /** Run the backup CronJobs (cluster topology; the sentinel topology has no backups yet, and asking for them is an error). Default: `true`. */
    enabled?: boolean;
    /** Hourly RDB snapshots. Default: `{schedule: "0 * * * *", keep: 3}`. */
    hourly?: BackupScheduleArgs;
    /** Daily full backup, half an hour away from the hourly runs so two dumps never start together. Default: `{schedule: "30 2 * * *", keep: 7}`. */
    daily?: BackupScheduleArgs;
    /** Size of each backup volume (one per kind; they keep the newest backups of their kind, and the verify job's scratch volume). Default: `"2Gi"`. */
    volumeSize?: string;
    /** Image of the upload, fetch and restore steps (the official AWS CLI image; the dump steps use the Redis image). Default: `"amazon/aws-cli:2.17.0"`. */
    awsCliImage?: string;
    /** The verify job: loads the newest backup into a scratch Redis and checks it against its manifest. */
    verify?: BackupVerifyArgs;
    /** Where backups go in S3. */
    s3?: S3BackupArgs;
}

export interface IssuerRefArgs {
    /** Name of the cert-manager Issuer or ClusterIssuer. */
    name: pulumi.Input<string>;
    /** `Issuer` or `ClusterIssuer`. Default: `"Issuer"`. */
    kind?: string;
}

export interface TlsArgs {
    /** Serve TLS on the client port, for replication and on the cluster bus; turns the plaintext port off. Default: `false`. */
    enabled?: boolean;
    /** cert-manager issuer that signs the certificate (one of issuerRef or secretName when enabled). */
    issuerRef?: IssuerRefArgs;
    /** An existing Secret with `tls.crt`, `tls.key` and `ca.crt`. Default: `""`. */
    secretName?: pulumi.Input<string>;
    /**
     * Create a CA of this deployment's own in its namespace (cert-manager: a self-signed Issuer, a CA
     * Certificate, a CA Issuer) and issue the certificate from it, so only this deployment's pods
     * are trusted by its clients (docs/tls.md, "Trust"). One of issuerRef, secretName or this. Default: `false`.
     */
    namespacedCa?: boolean;
}

export interface NetworkPolicyArgs {
    /** Deny by default and allow only what Redis needs. Default: `true`. */
    enabled?: boolean;
    /** Namespaces whose pods may reach the client port (and the Sentinel port). Default: `[]`. */
    allowedNamespaces?: pulumi.Input<string>[];
    /** When set, only pods with these labels may reach the client port: in the namespaces listed above or in this one. Default: `{}`. */
    allowedPodLabels?: Record<string, string>;
    /** Address ranges (CIDR) that may reach the client port from outside the pod network, e.g. the machine running `pulumi up` with `formation.connectivity: direct`. Default: `[]`. */
    allowedCidrs?: string[];
    /** Namespace of Prometheus, allowed to scrape the exporter. Default: `"monitoring"`. */
    monitoringNamespace?: string;
    /** Labels of the Prometheus pods there; only they may scrape the exporter (its port carries a multi-target `/scrape` endpoint). `{}` allows every pod of the namespace. Default: `{"app.kubernetes.io/name": "prometheus"}` (what the Prometheus Operator puts on its pods). */
    monitoringPodLabels?: Record<string, string>;
    /** Namespace of the cluster DNS pods; the deployment's pods may send DNS (port 53) only to them and to `dnsCidrs`. Default: `"kube-system"`. */
    dnsNamespace?: string;
    /** Labels of the cluster DNS pods (CoreDNS keeps kube-dns's). Default: `{"k8s-app": "kube-dns"}`. */
    dnsPodLabels?: Record<string, string>;
    /** Further DNS servers by address, e.g. NodeLocal DNSCache's link-local `169.254.20.10/32`. Default: `[]`. */
    dnsCidrs?: string[];
    /** Where the pods that talk to AWS (the backup Jobs, and the Redis pods while `restore.from` is set) may connect on 443: S3, and with IRSA STS (and KMS with a key). Give the CIDRs of your VPC endpoints (interface endpoints for S3, STS and KMS with private DNS, e.g. the VPC CIDR) or of the S3 prefix list; empty allows any address on 443. Default: `[]`. */
    awsCidrs?: string[];
}

export interface RestoreArgs {
    /** Backup to load into a new deployment, before Redis starts: a daily backup id (`20260101T020000Z`), `hourly/<id>`, or an `s3://bucket/prefix/<kind>/<id>/` URL. Only empty volumes are filled; the shard count must match the backup's. Default: `""` (no restore). */
    from?: string;
}

export interface FormationArgs {
    /** How the formation provider reaches the pods: `direct` (their addresses are reachable from where `pulumi up` runs) or `port-forward` (through the Kubernetes API, as from a laptop). Default: `"port-forward"`. */
    connectivity?: string;
    /** Seconds to wait for every node to answer before formation gives up, naming the nodes that did not. Default: `600`. */
    readyTimeoutSeconds?: number;
}

/** Arguments of the RedisCluster component. */
export interface RedisClusterArgs {
    /** A preset of settings under the explicit ones: `laptop` (the defaults: small requests, the default StorageClass, no AWS resources, no Prometheus Operator objects) or `production` (the deployment guide's sizes, fast-ssd volumes, required host anti-affinity, S3 backups, ServiceMonitor, PrometheusRule and dashboard); explicit settings override it key by key (docs/profiles.md). Default: `"laptop"`. */
    profile?: string;
    /** Namespace of every object. Default: `"redis-system"`. */
    namespace?: pulumi.Input<string>;
    /** Create the namespace (labelled for the restricted Pod Security Standard), or use an existing one. Default: `true`. */
    createNamespace?: boolean;
    /** Base name of the objects (StatefulSet, Services, Secret, selectors, the generated bucket's prefix): two deployments in one namespace need different names. Default: the component's resource name (the stack program: `"redis-cluster"`). */
    name?: string;
    /** `cluster` (sharded Redis Cluster) or `sentinel` (one master, replicas, three Sentinels). Default: `"cluster"`. */
    topology?: string;
    /** Masters of the cluster topology; each owns an equal share of the 16384 slots. At least 3. Default: `3`. */
    shards?: number;
    /** Replicas of each master (of the single master, for the sentinel topology). Default: `1`. */
    replicasPerShard?: number;
    /** The server: `valkey` (BSD-licensed, Redis 7.2-compatible, the line local mode runs) or `redis`; see docs/engines.md. Default: `"valkey"`. */
    engine?: string;
    /** Server image of the engine, pinned to a version (`repo:tag@sha256:<digest>` pins the build too); a release with known CVEs is warned about, by CVE. Unset: the engine's default, `"redis:7.2.16-alpine@sha256:ccd6aa8d45ff3f033d6fa15b8cc1a50579f65c89f38cf9bb607a954c4f2128ed"` for redis. Default: `"valkey/valkey:8.1.9-alpine@sha256:a038175878d66b9d274fbf8be73c0305e93798b83917647f167e18cef3c71eec"`. */
    image?: pulumi.Input<string>;
    /** Image pull policy: `IfNotPresent`, `Always` or `Never`. Default: `"IfNotPresent"`. */
    imagePullPolicy?: string;
    /** CPU and memory of each Redis pod. */
    resources?: ResourcesArgs;
    /** Persistent volume of each Redis pod. */
    storage?: StorageArgs;
    /** redis.conf settings. */
    redis?: RedisConfigArgs;
    /** Where pods may run. */
    scheduling?: SchedulingArgs;
    /** Labels added to every object. Default: `{}`. */
    labels?: Record<string, pulumi.Input<string>>;
    /** Annotations added to every object. Default: `{}`. */
    annotations?: Record<string, pulumi.Input<string>>;
    /** Seconds a stopping Redis pod gets to hand over and exit. Default: `60`. */
    terminationGracePeriodSeconds?: number;
    /** Seconds `pulumi up` waits for the Redis StatefulSet to create or roll out before it fails the update (its customTimeouts). `0` sizes it from the data: pod count x (terminationGracePeriodSeconds + 60 + maxmemory / 100 MiB/s to load the AOF + maxmemory / 50 MiB/s to resync), rounded up to a minute, at least 600 (Pulumi's default); 31 minutes for the prod stack. Default: `0`. */
    rolloutTimeoutSeconds?: number;
    /** Length of the generated passwords. Default: `32`. */
    passwordLength?: number;
    /** ACL users and password rotation. */
    auth?: AuthArgs;
    /** The optional node tuning: a privileged DaemonSet in a namespace of its own. */
    systemInit?: SystemInitArgs;
    /** Sentinel settings; only with `topology: sentinel`. */
    sentinel?: SentinelArgs;
    /** Metrics exporter, ServiceMonitor, PrometheusRule and dashboard. */
    monitoring?: MonitoringArgs;
    /** Backup CronJobs and the S3 bucket. */
    backup?: BackupArgs;
    /** TLS. */
    tls?: TlsArgs;
    /** NetworkPolicies. */
    networkPolicy?: NetworkPolicyArgs;
    /** Load a backup into a new deployment. */
    restore?: RestoreArgs;
    /** The formation provider. */
    formation?: FormationArgs;
}

/**
 * The settings that take a `pulumi.Input` (an Output of another resource, or a Promise), with
 * everything below them. They only fill in resource inputs; every other setting decides which
 * resources exist or what they are called, so it must be known when the program runs.
 */
export const INPUT_SETTINGS = [
    "namespace",
    "image",
    "labels",
    "annotations",
    "resources.requests.cpu",
    "resources.requests.memory",
    "resources.limits.cpu",
    "resources.limits.memory",
    "storage.size",
    "storage.storageClass",
    "networkPolicy.allowedNamespaces",
    "tls.secretName",
    "tls.issuerRef.name",
    "backup.s3.bucketName",
    "backup.s3.kmsKeyArn",
    "backup.s3.oidcProviderArn",
    "backup.s3.oidcProviderUrl",
] as const;

/**
 * The component's args that accept a `pulumi.Input` (an Output of another resource), by dotted key
 * (`backup.s3.oidcProviderArn`): the settings above and the cluster access args (`kubeconfig`, `kubeContext`).
 * The one place this is declared: the API reference's "takes an Output" column (docs/api.md,
 * tools/api-doc.ts) reads it, and a unit test checks it against the types.
 */
export const OUTPUT_ARGS: readonly string[] = [...INPUT_SETTINGS, "kubeconfig", "kubeContext"];
