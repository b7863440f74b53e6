// The sentinel topology's Sentinels: a StatefulSet of `sentinel.replicas` pods (3 by default,
// quorum 2), spread over hosts and zones like the Redis pods, with its ConfigMap, a headless
// Service (stable per-pod names the Redis pods and Sentinels find each other by), a Service for
// clients' Sentinel discovery, and a PodDisruptionBudget. No volume: a Sentinel's memory is
// rebuilt from its peers and the Redis pods, and its identity comes from its pod name.
import { createHash } from "crypto";
import { loadRedisScripts } from "../redis/scripts";
import { renderSentinelAclRules } from "../redis/sentinel-acl";
import { renderSentinelConf } from "../redis/sentinel-conf";
import { ClusterSpec, engineEnv, PASSWORD_KEY, passwordKey, PATHS, PORTS, SentinelSpec, USERS } from "../settings/spec";
import { KubeObject, meta } from "./object";
import { podScheduling } from "./scheduling";
import { podDnsName } from "./services";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";
import {
    exporterAuthInitContainer,
    exporterContainer,
    podIdentityEnv,
    probe,
    sentinelDiscoveryEnv,
    sharedMounts,
    sharedVolumes,
} from "./pod-parts";
import { tlsEnv } from "./tls";

/** Sentinels are small: they hold a few connections and the master's address. */
const SENTINEL_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

function sentinelOf(spec: ClusterSpec): SentinelSpec {
    if (!spec.sentinel) throw new Error('the Sentinel objects belong to topology "sentinel"');
    return spec.sentinel;
}

const sentinelMeta = (spec: ClusterSpec, name: string) => meta(spec, name, "sentinel", sentinelOf(spec).commonLabels);

export function buildSentinelConfigMap(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: sentinelMeta(spec, sentinelOf(spec).names.config),
        data: { "sentinel.conf": renderSentinelConf(spec), [spec.names.aclRules]: renderSentinelAclRules(spec) },
    };
}

function sentinelContainer(spec: ClusterSpec) {
    const s = sentinelOf(spec);
    return {
        name: "sentinel",
        image: spec.settings.image,
        imagePullPolicy: spec.settings.imagePullPolicy,
        command: ["sh", `${PATHS.scripts}/sentinel-start.sh`],
        env: [
            ...podIdentityEnv(),
            // What it announces to its peers and is known by: its name, not its address.
            { name: "ANNOUNCE_HOSTNAME", value: podDnsName("$(POD_NAME)", s.names.headlessService, "$(POD_NAMESPACE)") },
            { name: "REDIS_PORT", value: String(PORTS.redis) },
            engineEnv(spec),
            { name: "CONFIG_DIR", value: PATHS.config },
            { name: "RUN_DIR", value: PATHS.run },
            // How Sentinel authenticates to Redis: the admin ACL user.
            { name: "PASSWORD_FILE", value: `${PATHS.secrets}/${PASSWORD_KEY}` },
            { name: "ADMIN_USER", value: USERS.admin },
            // Its ACL users (sentinel-acl.ts) with the Secret's hashes; acl-reload.sh follows rotations.
            { name: "SECRETS_DIR", value: PATHS.secrets },
            { name: "ACL_RULES_FILE", value: `${PATHS.config}/${spec.names.aclRules}` },
            { name: "ACL_PORT", value: String(PORTS.sentinel) },
            ...(spec.settings.auth.disconnectRevoked ? [{ name: "DISCONNECT_REVOKED", value: "yes" }] : []),
            // What it logs in to its peers as (sentinel sentinel-user / sentinel-pass).
            { name: "PEER_USER", value: USERS.sentinel },
            { name: "PEER_PASSWORD_FILE", value: `${PATHS.secrets}/${passwordKey("sentinel")}` },
            { name: "QUORUM", value: String(s.settings.quorum) },
            { name: "FAILOVER_TIMEOUT_MS", value: String(s.settings.failoverTimeoutMs) },
            ...sentinelDiscoveryEnv(spec),
            ...tlsEnv(spec),
        ],
        ports: [{ name: "sentinel", containerPort: PORTS.sentinel, protocol: "TCP" }],
        resources: SENTINEL_RESOURCES,
        startupProbe: probe("startup", { periodSeconds: 5, failureThreshold: 24 }, "sentinel-probe.sh"),
        livenessProbe: probe("liveness", { periodSeconds: 10, failureThreshold: 6 }, "sentinel-probe.sh"),
        readinessProbe: probe("readiness", { periodSeconds: 5, failureThreshold: 2, successThreshold: 1 }, "sentinel-probe.sh"),
        securityContext: restrictedContainerSecurity,
        volumeMounts: sharedMounts(spec),
    };
}

export function buildSentinelStatefulSet(spec: ClusterSpec): KubeObject {
    const s = sentinelOf(spec);
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: sentinelMeta(spec, s.names.statefulSet),
        spec: {
            serviceName: s.names.headlessService,
            replicas: s.settings.replicas,
            podManagementPolicy: "Parallel",
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
            selector: { matchLabels: s.selectorLabels },
            template: {
                metadata: {
                    labels: s.commonLabels,
                    annotations: { ...spec.annotations, "redis-cluster.llm-analytics-hub/config-digest": sentinelDigest(spec) },
                },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    terminationGracePeriodSeconds: 10,
                    securityContext: restrictedPodSecurity,
                    // Host anti-affinity of their own, required by default: see sentinel.hostAntiAffinity.
                    ...podScheduling(spec, s.selectorLabels, s.settings.hostAntiAffinity),
                    initContainers: [exporterAuthInitContainer(spec, PORTS.sentinel)],
                    containers: [sentinelContainer(spec), exporterContainer(spec, PORTS.sentinel)],
                    volumes: [{ name: "config", configMap: { name: s.names.config, defaultMode: 0o444 } }, ...sharedVolumes(spec)],
                },
            },
        },
    };
}

/** Per-pod names, published before the pods are ready: Sentinels must find each other to become ready. */
export function buildSentinelHeadlessService(spec: ClusterSpec): KubeObject {
    const s = sentinelOf(spec);
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: sentinelMeta(spec, s.names.headlessService),
        spec: {
            clusterIP: "None",
            publishNotReadyAddresses: true,
            selector: s.selectorLabels,
            ports: [{ name: "sentinel", port: PORTS.sentinel, targetPort: "sentinel", protocol: "TCP" }],
        },
    };
}

/** Where Sentinel-aware clients start: any ready Sentinel tells them the master. */
export function buildSentinelService(spec: ClusterSpec): KubeObject {
    const s = sentinelOf(spec);
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: sentinelMeta(spec, s.names.service),
        spec: {
            type: "ClusterIP",
            selector: s.selectorLabels,
            ports: [
                { name: "sentinel", port: PORTS.sentinel, targetPort: "sentinel", protocol: "TCP" },
                { name: "metrics", port: PORTS.exporter, targetPort: "metrics", protocol: "TCP" },
            ],
        },
    };
}

/** Drains take one Sentinel at a time, so a quorum always remains. */
export function buildSentinelPodDisruptionBudget(spec: ClusterSpec): KubeObject {
    const s = sentinelOf(spec);
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: sentinelMeta(spec, s.names.pdb),
        spec: { maxUnavailable: 1, selector: { matchLabels: s.selectorLabels } },
    };
}

/** What a Sentinel reads only at start: its config and the scripts. Rolls the Sentinels when one changes. */
function sentinelDigest(spec: ClusterSpec): string {
    return createHash("sha256")
        .update(renderSentinelConf(spec))
        .update(renderSentinelAclRules(spec))
        .update(JSON.stringify(loadRedisScripts(spec.settings.topology)))
        .digest("hex")
        .slice(0, 16);
}

/** Every Sentinel object, in the order they are applied; none for the cluster topology. */
export function buildSentinelObjects(spec: ClusterSpec): KubeObject[] {
    if (!spec.sentinel) return [];
    return [
        buildSentinelConfigMap(spec),
        buildSentinelHeadlessService(spec),
        buildSentinelService(spec),
        buildSentinelStatefulSet(spec),
        buildSentinelPodDisruptionBudget(spec),
    ];
}
