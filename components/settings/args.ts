// The public shape of RedisCluster's arguments. Every field is optional; the defaults are what a
// laptop cluster (kind, minikube) can take, and `profile: "production"` (profiles.ts) brings the
// numbers of the deployment guide this project replaces. Each doc comment is the user-facing
// documentation: the settings table of docs/configuration.md and Pulumi.yaml are generated from
// them (tools/settings-doc.ts reads this file and the args-*.ts parts it re-exports).
// Types stay plain (no unions but `T | undefined`, no functions) so the component can be
// described by a Pulumi package schema for other languages. Settings typed `pulumi.Input` take
// Outputs of other resources (components/inputs.ts); the rest decide which resources exist or
// their names, so they are plain (docs/inputs.md says why for each).
import type * as pulumi from "@pulumi/pulumi";
import type { BackupArgs, RestoreArgs } from "./args-backup";
import type { MonitoringArgs } from "./args-monitoring";
import type { ResourcesArgs, SchedulingArgs, StorageArgs, SystemInitArgs } from "./args-pod";
import type { RedisConfigArgs, SentinelArgs } from "./args-redis";
import type { AuthArgs, NetworkPolicyArgs, TlsArgs } from "./args-security";

// The sections' types, by area; the package exports them all from here.
export * from "./args-backup";
export * from "./args-monitoring";
export * from "./args-pod";
export * from "./args-redis";
export * from "./args-security";

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
    /** After a planned stop (a rolling update, `kubectl delete pod`), the restarted pod takes its shard back with `CLUSTER FAILOVER` once it has every write (and its AOF rewrite is done), so a rolling update stops no master that owns slots, waits out no drain, and ends with the masters where they began. Off, a stopping master hands over in its preStop hook (with the drain) and the roles stay swapped, so every later rolling update hands each shard over twice. Measured at 1 GB against a plain roll (quiet machine, medians of 3, restarted replicas continuing with a partial resync): on 1.25x its duration with client stalls up to 269 ms, and 0.87x with stalls up to 100 ms with `redis.rdbCompression: false` (values that do not compress); the plain roll stalls clients 3-10 s with errors. Off (measured before the partial resync): 1.11x from the layout formation makes and 1.17x once the roles stay swapped (docs/performance.md). The sentinel topology ignores it (Sentinel picks the master; its own preStop hook hands over). Default: `true`. */
    plannedTakeover?: boolean;
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
