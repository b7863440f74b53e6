import { createHash } from "crypto";
import { renderAclRules } from "../redis/acl";
import { renderRedisConf, restartDirectives } from "../redis/redis-conf";
import { loadRedisScripts } from "../redis/scripts";
import type { ClusterSpec } from "../settings/spec";
import { KubeObject, meta } from "./object";

export function buildConfigMap(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(spec, spec.names.config, "redis"),
        data: { "redis.conf": renderRedisConf(spec), [spec.names.aclRules]: renderAclRules(spec) },
    };
}

export function buildScriptsConfigMap(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(spec, spec.names.scripts, "redis"),
        data: loadRedisScripts(spec.settings.topology),
    };
}

/**
 * A digest of what a Redis pod reads only at start: the restart-requiring redis.conf directives
 * and the scripts. As a pod annotation it rolls the pods when one changes; live-changeable
 * settings are left out, the formation provider applies those with CONFIG SET. The sentinel
 * topology has no formation provider, so there every directive counts: a change rolls the pods.
 */
export function restartDigest(spec: ClusterSpec): string {
    return createHash("sha256")
        .update(spec.settings.topology === "cluster" ? restartDirectives(spec) : renderRedisConf(spec))
        .update(renderAclRules(spec))
        .update(JSON.stringify(buildScriptsConfigMap(spec).data))
        .digest("hex")
        .slice(0, 16);
}
