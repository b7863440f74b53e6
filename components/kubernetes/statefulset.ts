// The Redis StatefulSet: one pod per Redis node, all alike; roles come from formation (cluster)
// or from the Sentinels at start-up (sentinel).
import { ClusterSpec, engineEnv, PASSWORD_KEY, PATHS, PORTS, USERS, ZONE_LABEL } from "../settings/spec";
import { restartDigest } from "./configmaps";
import { KubeObject, meta } from "./object";
import { podScheduling } from "./scheduling";
import { podDnsName } from "./services";
import { redisResources } from "./resources";
import {
    exporterAuthInitContainer,
    exporterContainer,
    fieldEnv,
    podIdentityEnv,
    PROBE_TIMEOUT_SECONDS,
    probe,
    sentinelDiscoveryEnv,
    sharedMounts,
    sharedVolumes,
} from "./pod-parts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";
import { restoreInitContainers, restorePodAdditions } from "../backup/restore";
import { rolloutTimeoutSeconds } from "./rollout-timeout";
import { tlsEnv } from "./tls";

/** Environment every Redis container and script reads (the kubelet resolves the field refs). */
function redisEnv(spec: ClusterSpec) {
    return [
        ...podIdentityEnv(),
        { name: "HEADLESS_SERVICE", value: spec.names.headlessService },
        { name: "STATEFULSET_NAME", value: spec.names.statefulSet },
        { name: "ANNOUNCE_HOSTNAME", value: podDnsName("$(POD_NAME)", spec.names.headlessService, "$(POD_NAMESPACE)") },
        { name: "TOPOLOGY", value: spec.settings.topology },
        engineEnv(spec),
        ...zoneEnv(spec),
        { name: "REDIS_PORT", value: String(PORTS.redis) },
        { name: "CONFIG_DIR", value: PATHS.config },
        { name: "DATA_DIR", value: PATHS.data },
        // redis-watchdog.sh and redis-prestop.sh: take the shard back after a planned stop, or not.
        { name: "PLANNED_TAKEOVER", value: String(spec.settings.plannedTakeover) },
        { name: "RUN_DIR", value: PATHS.run },
        // ACL users: the scripts authenticate as admin; redis-start.sh builds the ACL file from SECRETS_DIR.
        { name: "SECRETS_DIR", value: PATHS.secrets },
        { name: "ACL_RULES_FILE", value: `${PATHS.config}/${spec.names.aclRules}` },
        { name: "PASSWORD_FILE", value: `${PATHS.secrets}/${PASSWORD_KEY}` },
        { name: "ADMIN_USER", value: USERS.admin },
        { name: "REPLICATION_USER", value: USERS.replication },
        // The rejoin helper checks a peer's identity as this user (whose password reads no key).
        { name: "PEER_CHECK_USER", value: USERS.exporter },
        // The handover must leave Redis its shutdown timeout and a margin within the grace period.
        { name: "HANDOVER_TIMEOUT_SECONDS", value: String(handoverTimeoutSeconds(spec)) },
        // redis-probe.sh's one redis-cli session ends a second before the kubelet's deadline.
        { name: "PROBE_TIMEOUT", value: String(PROBE_TIMEOUT_SECONDS - 1) },
        ...sentinelDiscoveryEnv(spec),
        ...tlsEnv(spec),
        // The sentinel topology applies rotations in the pods (acl-reload.sh).
        ...(spec.settings.topology === "sentinel" && spec.settings.auth.disconnectRevoked
            ? [{ name: "DISCONNECT_REVOKED", value: "yes" }]
            : []),
    ];
}

/**
 * Valkey's `availability-zone` (clients read from replicas of their own zone): the pod's zone label.
 * The Downward API cannot read the node's labels; the PodTopologyLabels admission plugin copies the
 * node's zone label onto the pod when it is bound (Kubernetes 1.35 on by default, 1.33 and 1.34
 * behind the PodTopologyLabelsAdmission gate). Without it the variable is empty and no zone is set
 * (docs/engines.md, "Availability zone").
 */
function zoneEnv(spec: ClusterSpec) {
    return spec.settings.engine === "valkey" ? [fieldEnv("AVAILABILITY_ZONE", `metadata.labels['${ZONE_LABEL}']`)] : [];
}

export function handoverTimeoutSeconds(spec: ClusterSpec): number {
    const s = spec.settings;
    return Math.max(1, s.terminationGracePeriodSeconds - s.redis.shutdownTimeoutSeconds - 5);
}

function redisContainer(spec: ClusterSpec) {
    const s = spec.settings;
    return {
        name: "redis",
        image: s.image,
        imagePullPolicy: s.imagePullPolicy,
        command: ["sh", `${PATHS.scripts}/redis-start.sh`],
        env: redisEnv(spec),
        ports: [
            { name: "redis", containerPort: PORTS.redis, protocol: "TCP" },
            // Only Redis Cluster has a bus.
            ...(s.topology === "cluster" ? [{ name: "bus", containerPort: PORTS.bus, protocol: "TCP" }] : []),
        ],
        resources: redisResources(spec),
        // Loading a large AOF can take minutes: the startup probe allows 10, then liveness takes over.
        // Asked every 2 s, not 10: Redis answers ~150 ms after the container starts, so the first
        // probe almost always misses it, and at 10 s each pod of a rolling change sat ~10 s
        // unready after it could serve (measured: 12 s -> 4.5 s to Ready per pod, docs/e2e.md).
        // The probe stops once it passes, so the faster period costs nothing afterwards.
        startupProbe: probe("startup", { periodSeconds: 2, failureThreshold: 300 }),
        livenessProbe: probe("liveness", { periodSeconds: 10, failureThreshold: 6 }),
        readinessProbe: probe("readiness", { periodSeconds: 5, failureThreshold: 2, successThreshold: 1 }),
        // A stopping master hands its slots to a replica first (planned failover, no node timeout).
        lifecycle: { preStop: { exec: { command: ["sh", `${PATHS.scripts}/redis-prestop.sh`] } } },
        securityContext: restrictedContainerSecurity,
        volumeMounts: [{ name: "data", mountPath: PATHS.data }, ...sharedMounts(spec)],
    };
}

export function buildStatefulSet(spec: ClusterSpec): KubeObject {
    const s = spec.settings;
    const podLabels = { ...spec.commonLabels, "app.kubernetes.io/component": "redis" };
    const storage = s.storage;
    // Every container the pod runs: the IRSA skip list must name each but the restore step.
    const initContainers = [...restoreInitContainers(spec), exporterAuthInitContainer(spec)];
    const containers = [redisContainer(spec), exporterContainer(spec)];
    const restore = restorePodAdditions(
        spec,
        [...initContainers, ...containers].map((c) => (c as { name: string }).name),
    );
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: meta(spec, spec.names.statefulSet, "redis"),
        spec: {
            serviceName: spec.names.headlessService,
            replicas: spec.podCount,
            // All pods start at once: formation needs every node, and no pod depends on another's start.
            podManagementPolicy: "Parallel",
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
            // Scaling in or deleting the StatefulSet never deletes data volumes.
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            selector: { matchLabels: spec.selectorLabels },
            template: {
                metadata: {
                    labels: podLabels,
                    annotations: {
                        ...spec.annotations,
                        "redis-cluster.llm-analytics-hub/config-digest": restartDigest(spec),
                        // A password rotation rolls the pods: the exporter reads its password from
                        // the environment only at start (the scripts read the files at start too).
                        "redis-cluster.llm-analytics-hub/credentials-rotation": String(s.auth.rotation),
                        ...restore.annotations,
                    },
                },
                spec: {
                    ...(restore.serviceAccountName ? { serviceAccountName: restore.serviceAccountName } : {}),
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
                    securityContext: restrictedPodSecurity,
                    ...podScheduling(spec, spec.selectorLabels),
                    initContainers,
                    containers,
                    volumes: [
                        { name: "config", configMap: { name: spec.names.config, defaultMode: 0o444 } },
                        ...sharedVolumes(spec),
                        ...restore.volumes,
                    ],
                },
            },
            // The claim template is immutable: pulumi-kubernetes replaces a StatefulSet whose
            // template changes, and with a fixed name it deletes first (every pod at once, no
            // handover). So it carries only the selector labels, which never change, and the
            // StatefulSet's resource ignores later changes to it (STATEFULSET_IGNORE_CHANGES):
            // a larger storage.size reaches the existing claims by expansion (docs/operations.md,
            // "Growing the volumes"), not through the template.
            volumeClaimTemplates: [
                {
                    metadata: { name: "data", labels: spec.selectorLabels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
                        resources: { requests: { storage: storage.size } },
                    },
                },
            ],
        },
    };
}

/**
 * Resource options of the Redis StatefulSet: the claim template keeps what it was created with
 * (its size included); see the comment at volumeClaimTemplates.
 */
export const STATEFULSET_IGNORE_CHANGES = ["spec.volumeClaimTemplates"];

/**
 * The Redis StatefulSet's resource options: the ignored claim template, and how long Pulumi waits
 * for it to create or roll out (sized from the data, see rollout-timeout.ts).
 */
export function redisStatefulSetOptions(spec: ClusterSpec): {
    ignoreChanges: string[];
    customTimeouts: { create: string; update: string };
} {
    const timeout = `${rolloutTimeoutSeconds(spec)}s`;
    return { ignoreChanges: STATEFULSET_IGNORE_CHANGES, customTimeouts: { create: timeout, update: timeout } };
}
