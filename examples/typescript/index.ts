// A Pulumi program that uses the RedisCluster component from its npm package, as any consumer
// would: `npm install @llm-analytics-hub/redis-cluster`, then import it.
import * as pulumi from "@pulumi/pulumi";
import { RedisCluster, RedisClusterArgs } from "@llm-analytics-hub/redis-cluster";

const config = new pulumi.Config();

// Settings are typed (RedisClusterArgs) and every one has a default; a mistake stops `pulumi up`
// before anything is created, naming the setting, the value and what is allowed.
const args: RedisClusterArgs = {
    namespace: config.get("namespace") ?? "cache",
    shards: config.getNumber("shards") ?? 3,
    replicasPerShard: 1,
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    redis: { maxmemory: "512mb", ioThreads: 1 },
    storage: { size: "4Gi", storageClass: "" },
    // A one-node laptop cluster cannot keep every pod on its own node.
    scheduling: { hostAntiAffinity: "preferred" },
    // No Prometheus Operator or S3 here (the defaults: no ServiceMonitor, PrometheusRule or bucket);
    // the Grafana dashboard ships as a plain ConfigMap for a Grafana sidecar to load.
    monitoring: { dashboard: { enabled: true } },
    backup: { enabled: false },
};

const cache = new RedisCluster("cache", args);

export const seeds = cache.seedAddresses;
export const host = cache.clientHost;
export const port = cache.clientPort;
export const secretName = cache.secretName;
export const url = cache.connectionUrl; // a secret: `pulumi stack output url --show-secrets`
