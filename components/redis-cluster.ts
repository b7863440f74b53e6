// The RedisCluster component: validated spec in, Pulumi resources out. It holds no logic of its
// own: every object comes from a pure builder, so what render and the tests check is what deploys.
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createPasswords } from "./auth/passwords";
import { acceptedPasswords, Credentials } from "./auth/rotation";
import { buildBackupObjects, createBackupStorage, restoreSlots } from "./backup";
import type { ShardState } from "./formation/types";
import type { ClusterFormationArgs } from "./formation/provider";
import { credentialsStep, drainStep, FormationStep, formationStep } from "./formation/steps";
import { RedisChildren, redisChildren } from "./children";
import { buildAuthSecret, buildNamespace, buildRedisObjects, KubeObject } from "./kubernetes";
import { redisStatefulSetOptions } from "./kubernetes/statefulset";
import { liveDirectives } from "./redis/redis-conf";
import { connectionInfo } from "./outputs";
import { assertSameObjects, splitSettings, SplitSettings } from "./inputs";
import { withInstanceName } from "./instance-name";
import { KUBE_ACCESS_KEYS, KubeAccessArgs, kubeTarget } from "./kube-target";
import type { RedisClusterArgs } from "./settings/args";
import { ClusterSpec, USERS } from "./settings/spec";
import { formatWarning } from "./settings/warnings";

export const RESOURCE_TYPE = "redis-cluster:index:RedisCluster";

/** The component's arguments: the deployment's settings, and how to reach its cluster's API. */
export interface RedisClusterResourceArgs extends RedisClusterArgs, KubeAccessArgs {}

// The spec is kept beside the instance and read through a getter: the package schema for other
// languages lists the component's properties as outputs, and a plain settings object is not one.
// The children likewise (TypeScript only): in the schema they would be references into the
// Kubernetes and AWS packages' schemas, which Pulumi binds only to exactly the referenced plugin
// version, and the AWS one would make every SDK need the AWS plugin (docs/multi-language.md).
const specs = new WeakMap<RedisCluster, ClusterSpec>();
const childrenOf = new WeakMap<RedisCluster, RedisChildren & { bucket?: aws.s3.Bucket }>();

export class RedisCluster extends pulumi.ComponentResource {
    /** The namespace everything lives in. */
    public readonly namespace: pulumi.Output<string>;
    /** DNS name of the client Service. */
    public readonly clientHost: pulumi.Output<string>;
    /** Client port. */
    public readonly clientPort: pulumi.Output<number>;
    /** `host:port` of every Redis pod, for cluster clients' seed lists. */
    public readonly seedAddresses: pulumi.Output<string[]>;
    /** Name of the Secret holding every user's password (keys `<user>-password`). */
    public readonly secretName: pulumi.Output<string>;
    /**
     * The ACL user applications connect as (`app`). In the sentinel topology it is also the
     * Sentinels' client user (`sentinelUsername`/`sentinel_kwargs`), which may only ask where the
     * master is: never the Sentinels' admin.
     */
    public readonly username: pulumi.Output<string>;
    /** The application user's password (secret). */
    public readonly password: pulumi.Output<string>;
    /**
     * `redis://app:<password>@<clientHost>:<port>` (secret); `rediss://` with TLS on. Empty for the
     * sentinel topology: no single address keeps reaching the master across failovers, so its
     * clients ask the Sentinels (`sentinelAddresses`, `masterName`); see docs/sentinel.md.
     */
    public readonly connectionUrl: pulumi.Output<string>;
    /** `host:port` of every Sentinel (sentinel topology; empty for cluster). */
    public readonly sentinelAddresses: pulumi.Output<string[]>;
    /** The name Sentinel-aware clients ask the Sentinels for (sentinel topology; empty for cluster). */
    public readonly masterName: pulumi.Output<string>;
    /** Redis node id of each pod, as formation found or made it (cluster topology; empty for sentinel). */
    public readonly nodeIds: pulumi.Output<Record<string, string>>;
    /** Each shard's master, replicas and slot ranges (cluster topology; empty for sentinel). */
    public readonly shardLayout: pulumi.Output<ShardState[]>;
    /** The validated settings with defaults, as plain data (TypeScript only, not an output). */
    public get spec(): ClusterSpec {
        return specs.get(this)!;
    }
    /** The Redis StatefulSet (TypeScript only: see above). */
    public get statefulSet(): k8s.apps.v1.StatefulSet {
        return childrenOf.get(this)!.statefulSet;
    }
    /** The client Service, in front of every Redis pod (TypeScript only). */
    public get clientService(): k8s.core.v1.Service {
        return childrenOf.get(this)!.clientService;
    }
    /** The headless Service that gives each Redis pod its DNS name, the seed addresses (TypeScript only). */
    public get headlessService(): k8s.core.v1.Service {
        return childrenOf.get(this)!.headlessService;
    }
    /** The Secret holding every user's password, keys `<user>-password` (TypeScript only; `secretName` is its name, in every language). */
    public get secret(): k8s.core.v1.Secret {
        return childrenOf.get(this)!.secret;
    }
    /** The Sentinel StatefulSet (sentinel topology; undefined for cluster; TypeScript only). */
    public get sentinelStatefulSet(): k8s.apps.v1.StatefulSet | undefined {
        return childrenOf.get(this)!.sentinelStatefulSet;
    }
    /** The Service in front of the Sentinels (sentinel topology; undefined for cluster; TypeScript only). */
    public get sentinelService(): k8s.core.v1.Service | undefined {
        return childrenOf.get(this)!.sentinelService;
    }
    /** The S3 backup bucket, when `backup.s3.enabled` (TypeScript only). */
    public get bucket(): aws.s3.Bucket | undefined {
        return childrenOf.get(this)!.bucket;
    }

    constructor(name: string, args: RedisClusterResourceArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
        // Validate the plain values before registering anything: a bad config must not create even
        // the component. Values given as Outputs are validated when they resolve, and the component
        // waits for that check (its dependsOn), so its children wait too and none is created when it fails.
        const settings = splitSettings(withInstanceName(name, settingsOf(args)));
        const { shape: spec, eventual } = settings;
        const checked = settings.resolved.apply((values) => {
            assertSameObjects(shapeObjects(spec), shapeObjects(values), eventual);
            return values;
        });
        super(RESOURCE_TYPE, name, {}, eventual.length > 0 ? { ...opts, dependsOn: afterCheck(checked, opts.dependsOn) } : opts);
        specs.set(this, spec);
        // Risky but valid settings go ahead, and say so in the preview and the update.
        checked.apply((values) => values.warnings.forEach((w) => void pulumi.log.warn(formatWarning(w), this)));

        const namespace = createNamespace(name, settings, this);
        const passwords = createPasswords(name, spec, this);
        const nsDeps = namespace ? [namespace] : [];
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            settings.object((s) => buildAuthSecret(s, passwords)) as k8s.core.v1.SecretArgs,
            { parent: this, dependsOn: nsDeps },
        );
        const backups = createBackups(name, settings, this, [...nsDeps, secret]);
        const restoring = Boolean(spec.settings.restore.from);
        const info = checked.apply(connectionInfo);
        const deps = [...nsDeps, secret, ...(restoring ? backups.resources : [])];
        // The shape's objects, in the order createObjects makes their resources: how children are found.
        const redisObjects = buildRedisObjects(spec);
        // The sentinel topology forms itself: its pods take their roles from the Sentinels at start.
        const cluster =
            spec.settings.topology === "cluster"
                ? createClusterResources(name, settings, passwords, deps, this, args)
                : sentinelResources(createObjects(name, settings, buildRedisObjects, this, deps, [], redisStatefulSetOptions(spec)));
        childrenOf.set(this, { ...redisChildren(spec, redisObjects, cluster.workloads), secret, bucket: backups.bucket });
        this.nodeIds = cluster.formation?.nodeIds ?? pulumi.output({} as Record<string, string>);
        this.shardLayout = cluster.formation?.shardLayout ?? pulumi.output([] as ShardState[]);
        this.sentinelAddresses = info.sentinelAddresses;
        this.masterName = info.masterName;
        this.namespace = namespace ? namespace.metadata.name : checked.names.namespace;
        this.clientHost = info.clientHost;
        this.clientPort = info.clientPort;
        this.seedAddresses = info.seedAddresses;
        this.secretName = secret.metadata.name;
        this.username = pulumi.output(USERS.app);
        // Clients get a new password only once every node accepts it (after the credentials step).
        this.password = pulumi.secret(pulumi.all([cluster.ready.map((r) => r.urn), passwords.current.app]).apply(([, p]) => p));
        this.connectionUrl = pulumi.secret(
            spec.sentinel
                ? pulumi.output("")
                : pulumi.interpolate`${spec.tls ? "rediss" : "redis"}://${USERS.app}:${this.password}@${info.clientHost}:${info.clientPort}`,
        );
        this.registerOutputs({
            namespace: this.namespace,
            clientHost: this.clientHost,
            clientPort: this.clientPort,
            seedAddresses: this.seedAddresses,
            sentinelAddresses: this.sentinelAddresses,
            masterName: this.masterName,
            secretName: this.secretName,
            username: this.username,
            password: this.password,
            connectionUrl: this.connectionUrl,
            nodeIds: this.nodeIds,
            shardLayout: this.shardLayout,
        });
    }
}

/**
 * The cluster topology's provider resources around the StatefulSet: credentials (a rotation
 * reaches the running nodes first, by live ACL SETUSER), then the drain (a scale-in empties the
 * leaving pods before they go), then the StatefulSet, then formation (a scale-out forms the new
 * pods once they run). `ready` is what the client outputs wait for.
 */
function createClusterResources(
    name: string,
    settings: SplitSettings,
    passwords: Credentials<pulumi.Output<string>>,
    dependsOn: pulumi.Resource[],
    parent: pulumi.Resource,
    access: KubeAccessArgs,
): TopologyResources {
    const spec = settings.shape;
    // The steps reach the API only through port-forwards and to read the TLS CA.
    const usesApi = spec.settings.formation.connectivity === "port-forward" || Boolean(spec.tls);
    const kube = kubeTarget(parent, access, usesApi);
    const argsOf = (s: ClusterSpec) => formationArgs(s, connectionInfo(s), passwords.current.admin);
    const shape = { ...settings.object(argsOf), ...(kube ? { kube } : {}) };
    const credentials = credentialsStep(
        `${name}-credentials`,
        {
            ...shape,
            users: acceptedPasswords(spec, passwords),
            ...(spec.settings.auth.disconnectRevoked ? { disconnectRevoked: true } : {}),
        },
        { parent, dependsOn },
    );
    const drain = drainStep(`${name}-drain`, shape, { parent, dependsOn: [...dependsOn, credentials] });
    const workloads = createObjects(name, settings, buildRedisObjects, parent, dependsOn, [drain], redisStatefulSetOptions(spec));
    const formation = formationStep(
        `${name}-formation`,
        { ...shape, ...(spec.settings.restore.from ? { restoreSlots: restoreSlots(settings, parent) } : {}) },
        { parent, dependsOn: workloads },
    );
    return { formation, ready: [credentials], workloads };
}

/**
 * The component's dependsOn: the user's, once `checked` resolved. When the check throws, the
 * component never registers, and neither do its children, which wait for their parent's URN.
 */
function afterCheck(
    checked: pulumi.Output<unknown>,
    dependsOn: pulumi.ComponentResourceOptions["dependsOn"],
): pulumi.ComponentResourceOptions["dependsOn"] {
    return checked.apply(() => pulumi.output(dependsOn ?? []) as pulumi.Output<pulumi.Resource[]>);
}

/**
 * The Kubernetes objects whose Pulumi resources are named after them (backup objects without their
 * cloud values): what must not change when Outputs resolve. The namespace the component creates is
 * not one of them: its resource is `<name>-namespace`, so its name may be an Output.
 */
function shapeObjects(spec: ClusterSpec): KubeObject[] {
    return [...buildRedisObjects(spec), ...buildBackupObjects(spec)];
}

interface TopologyResources {
    formation?: FormationStep;
    /** What the client outputs wait for. */
    ready: pulumi.Resource[];
    /** The resources made from buildRedisObjects(spec), in its order. */
    workloads: pulumi.CustomResource[];
}

/** The sentinel topology forms itself: clients wait for its objects alone. */
const sentinelResources = (workloads: pulumi.CustomResource[]): TopologyResources => ({ ready: workloads, workloads });

/** The settings alone: how to reach the cluster is not a setting of the deployment. */
function settingsOf(args: RedisClusterResourceArgs): RedisClusterArgs {
    const settings: Record<string, unknown> = { ...args };
    for (const key of KUBE_ACCESS_KEYS) delete settings[key];
    return settings as RedisClusterArgs;
}

function formationArgs(spec: ClusterSpec, info: ReturnType<typeof connectionInfo>, password: pulumi.Output<string>): ClusterFormationArgs {
    return {
        nodes: info.podHosts.map((address, i) => ({
            name: `${spec.names.statefulSet}-${i}`,
            address,
            port: info.clientPort,
            host: "",
            zone: "",
        })),
        shards: spec.settings.shards,
        replicasPerShard: spec.settings.replicasPerShard,
        password,
        connectivity: spec.settings.formation.connectivity,
        readyTimeoutSeconds: spec.settings.formation.readyTimeoutSeconds,
        clusterNodeTimeoutMs: spec.settings.redis.clusterNodeTimeoutMs,
        redisConfig: liveDirectives(spec),
        namespace: spec.names.namespace,
        podSelector: Object.entries(spec.selectorLabels)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
        ...(spec.tls ? { tls: { secretName: spec.tls.secretName } } : {}),
    };
}

function createNamespace(name: string, settings: SplitSettings, parent: pulumi.Resource): k8s.core.v1.Namespace | undefined {
    if (!settings.shape.settings.createNamespace) return undefined;
    // Retained on delete: deleting a namespace deletes everything in it, the data claims too, which
    // the StatefulSet otherwise keeps (whenDeleted: Retain). `pulumi destroy` must not lose data;
    // deleting the namespace by hand is the deliberate way to.
    return new k8s.core.v1.Namespace(`${name}-namespace`, settings.object(buildNamespace) as k8s.core.v1.NamespaceArgs, {
        parent,
        retainOnDelete: true,
    });
}

/**
 * The backup bucket and access (when S3 is on), then the backup CronJobs, their volumes and
 * ServiceAccount. Returns the created resources, which restoring pods wait for, and the bucket.
 */
function createBackups(
    name: string,
    settings: SplitSettings,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): { resources: pulumi.Resource[]; bucket?: aws.s3.Bucket } {
    const spec = settings.shape;
    if (!spec.settings.backup.enabled) return { resources: [] };
    const storage = spec.settings.backup.s3.enabled ? createBackupStorage(name, settings, parent, dependsOn) : undefined;
    const objects = createObjects(name, settings, (s) => buildBackupObjects(s, storage?.cloud), parent, [
        ...dependsOn,
        ...(storage?.ready ?? []),
    ]);
    return { resources: [...(storage?.ready ?? []), ...objects], bucket: storage?.bucket };
}

// Each kind's constructor takes its own args type; one table of them needs a parameter type every
// one accepts and every object can be passed as, which only `any` is (unknown and never each fail one way).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor = new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const KINDS: Record<string, Constructor> = {
    "v1/Namespace": k8s.core.v1.Namespace,
    "v1/ConfigMap": k8s.core.v1.ConfigMap,
    "v1/Service": k8s.core.v1.Service,
    "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
    "v1/PersistentVolumeClaim": k8s.core.v1.PersistentVolumeClaim,
    "batch/v1/CronJob": k8s.batch.v1.CronJob,
    "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
    "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
    "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
};

/** Objects of CRDs (the Prometheus Operator's, cert-manager's) become generic custom resources. */
const isCustomResource = (obj: KubeObject) => /^(monitoring.coreos.com|cert-manager.io)\//.test(obj.apiVersion);

/**
 * One Pulumi resource per object (its name and kind are plain, its contents may be Outputs of
 * settings given as Outputs). Workloads wait for everything else of the batch (their
 * ConfigMaps, Services and the cert-manager Certificate, which Pulumi awaits until it is Ready)
 * so pods never start against missing configuration. `dataOptions` go to the StatefulSet that
 * has data volumes (the Redis pods').
 */
function createObjects(
    name: string,
    settings: SplitSettings,
    build: (spec: ClusterSpec) => KubeObject[],
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
    workloadDeps: pulumi.Resource[] = [],
    dataOptions: pulumi.CustomResourceOptions = {},
): pulumi.CustomResource[] {
    const created: pulumi.CustomResource[] = [];
    const values = settings.objects(build);
    for (const [index, obj] of build(settings.shape).entries()) {
        const ctor = KINDS[`${obj.apiVersion}/${obj.kind}`] ?? (isCustomResource(obj) ? k8s.apiextensions.CustomResource : undefined);
        if (!ctor) throw new Error(`no Pulumi resource type for ${obj.apiVersion} ${obj.kind}`);
        const isWorkload = obj.kind === "StatefulSet" || obj.kind === "DaemonSet";
        const resourceName = `${name}-${obj.kind.toLowerCase()}-${obj.metadata.name}`;
        created.push(
            new ctor(resourceName, values[index], {
                parent,
                dependsOn: isWorkload ? [...dependsOn, ...workloadDeps, ...created] : dependsOn,
                // A changed claim template would replace the StatefulSet, deleting every pod at once;
                // a rolling restart of large data outlasts Pulumi's default 10-minute wait.
                ...(isWorkload && (obj.spec as { volumeClaimTemplates?: unknown } | undefined)?.volumeClaimTemplates ? dataOptions : {}),
            }),
        );
    }
    return created;
}
