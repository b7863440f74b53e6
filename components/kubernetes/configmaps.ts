import { createHash } from "crypto";
import { renderRedisConf } from "../redis/redis-conf";
import { loadRedisScripts } from "../redis/scripts";
import type { ClusterSpec } from "../spec/spec";
import { KubeObject, meta } from "./object";

export function buildConfigMap(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(spec, spec.names.config, "redis"),
        data: { "redis.conf": renderRedisConf(spec) },
    };
}

export function buildScriptsConfigMap(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(spec, spec.names.scripts, "redis"),
        data: loadRedisScripts(),
    };
}

/** A digest of ConfigMap contents; as a pod annotation it rolls the pods when a file changes. */
export function contentDigest(...maps: KubeObject[]): string {
    const hash = createHash("sha256");
    for (const m of maps) hash.update(JSON.stringify(m.data ?? {}));
    return hash.digest("hex").slice(0, 16);
}
