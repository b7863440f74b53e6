// Presets of settings, chosen with `profile`. The schema's own defaults are what a laptop cluster
// (kind, minikube: one node, its default StorageClass, no AWS, no Prometheus Operator) can take;
// `production` holds the deployment guide's numbers and turns on what a production cluster has
// (S3 backups with their IAM access, the Prometheus Operator's objects, fast disks). Explicit
// settings override the profile's key by key (lists and scalars replace, objects merge), so a stack
// names only what differs from its profile. docs/profiles.md lists both.
import type { RedisClusterArgs } from "./args";

export const PROFILE_NAMES = ["laptop", "production"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export const DEFAULT_PROFILE: ProfileName = "laptop";

/**
 * What each profile sets. Only sections (objects), never a top-level scalar: Pulumi.yaml declares
 * each top-level scalar with a default, and the CLI hands that default to the program as if the
 * stack had set it, so a profile's top-level scalar would be overridden in every stack.
 */
export const PROFILES: Record<ProfileName, (topology: string) => RedisClusterArgs> = {
    laptop: () => ({}),
    production: (topology) => ({
        resources: {
            requests: { cpu: "2", memory: "8Gi" },
            // No CPU limit (the default): a CFS quota throttles Redis while a fork child (AOF
            // rewrite, replica sync, backup pull) runs, and node-timeout failovers follow.
            limits: { memory: "16Gi" },
        },
        storage: { size: "100Gi", storageClass: "fast-ssd" },
        redis: { maxmemory: "6gb", ioThreads: 4 },
        scheduling: { hostAntiAffinity: "required", zoneAntiAffinity: "preferred" },
        monitoring: {
            serviceMonitor: { enabled: true },
            prometheusRule: { enabled: true },
            dashboard: { enabled: true },
        },
        backup: { volumeSize: "200Gi", s3: { enabled: true } },
        // `pulumi up` runs where the pods' addresses are reachable (CI inside the VPC).
        formation: { connectivity: "direct" },
        // The sentinel section is accepted only with the sentinel topology.
        ...(topology === "sentinel" ? { sentinel: { hostAntiAffinity: "required" } } : {}),
    }),
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `explicit` over `base`: objects merge key by key, anything else given replaces. */
export function overlay(base: unknown, explicit: unknown): unknown {
    if (explicit === undefined) return structuredClone(base);
    if (!isPlainObject(base) || !isPlainObject(explicit)) return explicit;
    const out: Record<string, unknown> = structuredClone(base);
    for (const [k, v] of Object.entries(explicit)) out[k] = overlay(base[k], v);
    return out;
}

/**
 * The settings a profile and the explicit args make together. An unknown profile applies none;
 * the schema then reports it (key, value, the profiles there are).
 */
export function withProfile(args: RedisClusterArgs): RedisClusterArgs {
    const name = args.profile ?? DEFAULT_PROFILE;
    const profile = (PROFILE_NAMES as readonly unknown[]).includes(name) ? PROFILES[name as ProfileName] : undefined;
    if (!profile) return args;
    const topology = typeof args.topology === "string" ? args.topology : "cluster";
    return overlay(profile(topology), args) as RedisClusterArgs;
}
