// RedisClusterArgs -> ClusterSpec: validated settings plus every name, port, path and label the
// builders use. This is the one place those are spelled.
import type { RedisClusterArgs } from "./args";
import { ConfigError } from "./errors";
import type { Problem } from "./fields";
import { crossFieldProblems } from "./rules";
import { sentinelSettings, settingsSchema, Settings } from "./schema";

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
    /** Writable scratch: the runtime config that adds the password, and the pid file. */
    run: "/run/redis",
    /** The password Secret, mounted as files so it never sits in an environment listing. */
    secrets: "/etc/redis-auth",
} as const;

/** Key of the password inside the Secret. */
export const PASSWORD_KEY = "password";

export interface ClusterSpec {
    settings: Settings;
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
    };
    /** Identify the Redis pods; never change after creation (StatefulSet selectors are immutable). */
    selectorLabels: Record<string, string>;
    /** On every object: selector labels, ownership and the user's labels. */
    commonLabels: Record<string, string>;
    annotations: Record<string, string>;
    /** The Sentinel StatefulSet and what clients need to find the master; only for topology "sentinel". */
    sentinel?: SentinelSpec;
}

export interface SentinelSpec {
    /** Sentinel settings with defaults (also when the `sentinel` section was not given). */
    settings: { replicas: number; quorum: number; downAfterMs: number; failoverTimeoutMs: number };
    /** The name Sentinels monitor the master under, and clients ask them for. */
    masterName: string;
    names: { statefulSet: string; headlessService: string; service: string; pdb: string; config: string };
    /** Identify the Sentinel pods (immutable, like the Redis pods' selector). */
    selectorLabels: Record<string, string>;
    /** On every Sentinel object. */
    commonLabels: Record<string, string>;
}


/** Validates and defaults `args`; throws a ConfigError listing every problem. */
export function resolveSpec(args: RedisClusterArgs | undefined, keyPrefix = ""): ClusterSpec {
    const problems: Problem[] = [];
    const settings = settingsSchema.parse(args ?? {}, "", problems);
    if (problems.length === 0) problems.push(...crossFieldProblems(settings, args ?? {}));
    if (problems.length > 0) throw new ConfigError(problems, keyPrefix);
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
    const selectorLabels = {
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/instance": name,
    };
    return {
        settings,
        podCount: settings.topology === "cluster"
            ? settings.shards * (1 + settings.replicasPerShard)
            : 1 + settings.replicasPerShard,
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
        },
        selectorLabels,
        commonLabels: {
            ...settings.labels,
            ...selectorLabels,
            ...ownership,
        },
        annotations: { ...settings.annotations },
        sentinel: buildSentinelSpec(settings),
    };
}
