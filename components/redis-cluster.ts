// The RedisCluster component: validated spec in, Pulumi resources out. It holds no logic of its
// own: every object comes from a pure builder, so what render and the tests check is what deploys.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ClusterFormation } from "./bootstrap/provider";
import { buildAuthSecret, buildNamespace, buildRedisObjects, KubeObject } from "./kubernetes";
import { liveDirectives } from "./redis/redis-conf";
import { connectionInfo } from "./outputs";
import type { RedisClusterArgs } from "./spec/args";
import { ClusterSpec, resolveSpec } from "./spec/spec";

export const RESOURCE_TYPE = "redis-cluster:index:RedisCluster";

export class RedisCluster extends pulumi.ComponentResource {
    /** The namespace everything lives in. */
    public readonly namespace: pulumi.Output<string>;
    /** DNS name of the client Service. */
    public readonly clientHost: pulumi.Output<string>;
    /** Client port. */
    public readonly clientPort: pulumi.Output<number>;
    /** `host:port` of every Redis pod, for cluster clients' seed lists. */
    public readonly seedAddresses: pulumi.Output<string[]>;
    /** Name of the Secret holding the password (key `password`). */
    public readonly secretName: pulumi.Output<string>;
    /** The password (secret). */
    public readonly password: pulumi.Output<string>;
    /** `redis://:<password>@<clientHost>:<port>` (secret). */
    public readonly connectionUrl: pulumi.Output<string>;
    /** `host:port` of every Sentinel (sentinel topology; empty for cluster). */
    public readonly sentinelAddresses: pulumi.Output<string[]>;
    /** The name Sentinel-aware clients ask the Sentinels for (sentinel topology; empty for cluster). */
    public readonly masterName: pulumi.Output<string>;
    /** Redis node id of each pod, as formation found or made it (cluster topology; empty for sentinel). */
    public readonly nodeIds: pulumi.Output<Record<string, string>>;
    /** Each shard's master, replicas and slot ranges (cluster topology; empty for sentinel). */
    public readonly shardLayout: ClusterFormation["shardLayout"];
    /** The validated settings with defaults, as plain data. */
    public readonly spec: ClusterSpec;

    constructor(name: string, args: RedisClusterArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
        // Validate before registering anything: a bad config must not create even the component.
        const spec = resolveSpec(args);
        super(RESOURCE_TYPE, name, {}, opts);
        this.spec = spec;

        const namespace = createNamespace(name, spec, this);
        const password = new random.RandomPassword(`${name}-password`, {
            length: spec.settings.passwordLength,
            // Alphanumeric only: the password is written into redis.conf and URLs without quoting.
            special: false,
        }, { parent: this });
        const secretPassword = pulumi.secret(password.result);
        const nsDeps = namespace ? [namespace] : [];
        const secret = new k8s.core.v1.Secret(`${name}-secret`,
            buildAuthSecret(spec, secretPassword) as k8s.core.v1.SecretArgs,
            { parent: this, dependsOn: nsDeps });
        const workloads = createObjects(name, buildRedisObjects(spec), this, [...nsDeps, secret]);

        const info = connectionInfo(spec);
        // The sentinel topology forms itself: its pods take their roles from the Sentinels at start.
        const formation = spec.settings.topology === "cluster" ? createFormation(name, spec, secretPassword, workloads, this) : undefined;
        this.nodeIds = formation?.nodeIds ?? pulumi.output({} as Record<string, string>);
        this.shardLayout = formation?.shardLayout ?? pulumi.output([]);
        this.sentinelAddresses = pulumi.output(info.sentinelAddresses);
        this.masterName = pulumi.output(info.masterName);
        this.namespace = namespace ? namespace.metadata.name : pulumi.output(spec.names.namespace);
        this.clientHost = pulumi.output(info.clientHost);
        this.clientPort = pulumi.output(info.clientPort);
        this.seedAddresses = pulumi.output(info.seedAddresses);
        this.secretName = secret.metadata.name;
        this.password = secretPassword;
        this.connectionUrl = pulumi.secret(
            pulumi.interpolate`redis://:${password.result}@${info.clientHost}:${info.clientPort}`);
        this.registerOutputs({
            namespace: this.namespace,
            clientHost: this.clientHost,
            clientPort: this.clientPort,
            seedAddresses: this.seedAddresses,
            sentinelAddresses: this.sentinelAddresses,
            masterName: this.masterName,
            secretName: this.secretName,
            password: this.password,
            connectionUrl: this.connectionUrl,
            nodeIds: this.nodeIds,
            shardLayout: this.shardLayout,
        });
    }
}

function createFormation(name: string, spec: ClusterSpec, password: pulumi.Output<string>,
    workloads: pulumi.Resource[], parent: pulumi.Resource): ClusterFormation {
    const info = connectionInfo(spec);
    return new ClusterFormation(`${name}-formation`, {
            nodes: info.podHosts.map((address, i) => ({
                name: `${spec.names.statefulSet}-${i}`, address, port: info.clientPort, host: "", zone: "",
            })),
            shards: spec.settings.shards,
            replicasPerShard: spec.settings.replicasPerShard,
            password,
            connectivity: spec.settings.formation.connectivity,
            readyTimeoutSeconds: spec.settings.formation.readyTimeoutSeconds,
            clusterNodeTimeoutMs: spec.settings.redis.clusterNodeTimeoutMs,
            redisConfig: liveDirectives(spec),
            namespace: spec.names.namespace,
            podSelector: Object.entries(spec.selectorLabels).map(([k, v]) => `${k}=${v}`).join(","),
        }, { parent, dependsOn: workloads });
}

function createNamespace(name: string, spec: ClusterSpec, parent: pulumi.Resource): k8s.core.v1.Namespace | undefined {
    if (!spec.settings.createNamespace) return undefined;
    return new k8s.core.v1.Namespace(`${name}-namespace`, buildNamespace(spec) as k8s.core.v1.NamespaceArgs, { parent });
}

type Constructor = new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const KINDS: Record<string, Constructor> = {
    "v1/ConfigMap": k8s.core.v1.ConfigMap,
    "v1/Service": k8s.core.v1.Service,
    "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
    "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
};

/** Objects of CRDs (the Prometheus Operator's) become generic custom resources. */
const isCustomResource = (obj: KubeObject) => obj.apiVersion.startsWith("monitoring.coreos.com/");

/**
 * One Pulumi resource per object. Workloads wait for everything else of the batch (their
 * ConfigMaps and Services) so pods never start against missing configuration.
 */
function createObjects(name: string, objects: KubeObject[], parent: pulumi.Resource, dependsOn: pulumi.Resource[]): pulumi.CustomResource[] {
    const created: pulumi.CustomResource[] = [];
    for (const obj of objects) {
        const ctor = KINDS[`${obj.apiVersion}/${obj.kind}`] ?? (isCustomResource(obj) ? k8s.apiextensions.CustomResource : undefined);
        if (!ctor) throw new Error(`no Pulumi resource type for ${obj.apiVersion} ${obj.kind}`);
        const isWorkload = obj.kind === "StatefulSet";
        const resourceName = `${name}-${obj.kind.toLowerCase()}-${obj.metadata.name}`;
        created.push(new ctor(resourceName, obj, {
            parent,
            dependsOn: isWorkload ? [...dependsOn, ...created] : dependsOn,
        }));
    }
    return created;
}
