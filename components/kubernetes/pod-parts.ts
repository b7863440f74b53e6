// The pod pieces both workload builders share (the Redis StatefulSet in statefulset.ts, the Sentinel
// StatefulSet in sentinel.ts): the Downward API identity, probes, shared mounts and volumes, the
// metrics exporter with its password map, and the env the two pod kinds find each other by. Each
// builder imports these and adds its own containers; neither imports the other (the OT
// redis-operator's shared statefulset.go, called by each topology, is the same shape).
import { ClusterSpec, PASSWORD_KEY, passwordKey, PATHS, PORTS, USERS } from "../settings/spec";
import { helperResources } from "./resources";
import { restrictedContainerSecurity } from "./security";
import { podDnsName } from "./services";
import { exporterAddress, exporterTarget, tlsCaMounts, tlsCaVolumes, tlsMounts, tlsVolumes } from "./tls";

export const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** Who the pod is, from the Downward API: every container's scripts name themselves by these. */
export const podIdentityEnv = () => [
    fieldEnv("POD_NAME", "metadata.name"),
    fieldEnv("POD_NAMESPACE", "metadata.namespace"),
    fieldEnv("POD_IP", "status.podIP"),
];

/** The kubelet's deadline for one probe run. */
export const PROBE_TIMEOUT_SECONDS = 5;

export const probe = (mode: string, timing: Record<string, number>, script = "redis-probe.sh") => ({
    exec: { command: ["sh", `${PATHS.scripts}/${script}`, mode] },
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
    ...timing,
});

/** Where the Redis and Sentinel containers mount the volumes they share (the config is each one's own ConfigMap). */
export function sharedMounts(spec: ClusterSpec) {
    return [
        { name: "config", mountPath: PATHS.config, readOnly: true },
        { name: "scripts", mountPath: PATHS.scripts, readOnly: true },
        { name: "auth", mountPath: PATHS.secrets, readOnly: true },
        ...tlsMounts(spec),
        { name: "run", mountPath: PATHS.run },
        { name: "tmp", mountPath: "/tmp" },
    ];
}

const EXPORTER_PASSWORD_MAP = `${PATHS.exporterAuth}/passwords.json`;
const EXPORTER_AUTH_VOLUME = "exporter-auth";

/**
 * Writes the exporter's password map before it starts (exporter-auth.sh): the exporter image has
 * no shell, and the map must be keyed by the address the kubelet resolves ($(POD_IP) or the pod's name).
 */
export function exporterAuthInitContainer(spec: ClusterSpec, port: number = PORTS.redis) {
    return {
        name: "exporter-auth",
        image: spec.settings.image,
        imagePullPolicy: spec.settings.imagePullPolicy,
        command: ["sh", `${PATHS.scripts}/exporter-auth.sh`],
        env: [
            ...podIdentityEnv(),
            exporterAddress(spec, port),
            // The exporter's own read-only user, on Redis and on the Sentinels alike.
            { name: "REDIS_USER", value: USERS.exporter },
            { name: "EXPORTER_PASSWORD_FILE", value: `${PATHS.secrets}/${passwordKey("exporter")}` },
            { name: "PASSWORD_MAP_FILE", value: EXPORTER_PASSWORD_MAP },
        ],
        resources: helperResources(spec, { cpu: "10m", memory: "16Mi" }, { cpu: "100m", memory: "32Mi" }),
        securityContext: restrictedContainerSecurity,
        volumeMounts: [
            { name: "scripts", mountPath: PATHS.scripts, readOnly: true },
            { name: "auth", mountPath: PATHS.secrets, readOnly: true },
            { name: EXPORTER_AUTH_VOLUME, mountPath: PATHS.exporterAuth },
        ],
    };
}

/** The password map's volume: memory, so the password never reaches a disk. */
export const exporterAuthVolume = () => ({ name: EXPORTER_AUTH_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });

/**
 * The metrics sidecar; it scrapes the pod's Redis, or its Sentinel (`port` 26379). Its password
 * comes only from the map exporterAuthInitContainer writes, never from REDIS_PASSWORD, which
 * redis_exporter would also send to any target a `/scrape?target=` request names.
 */
export function exporterContainer(spec: ClusterSpec, port: number = PORTS.redis) {
    return {
        name: "exporter",
        image: spec.settings.monitoring.exporterImage,
        imagePullPolicy: spec.settings.imagePullPolicy,
        env: [
            ...podIdentityEnv(),
            ...exporterTarget(spec, port),
            // Its own read-only user on Redis and on the Sentinels alike. It may not run CONFIG
            // (CONFIG GET would show masterauth): "-" skips it.
            { name: "REDIS_USER", value: USERS.exporter },
            { name: "REDIS_EXPORTER_CONFIG_COMMAND", value: "-" },
            { name: "REDIS_PASSWORD_FILE", value: EXPORTER_PASSWORD_MAP },
            { name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: `$(POD_IP):${PORTS.exporter}` },
        ],
        ports: [{ name: "metrics", containerPort: PORTS.exporter, protocol: "TCP" }],
        resources: helperResources(spec, { cpu: "50m", memory: "64Mi" }, { cpu: "200m", memory: "128Mi" }),
        // Every 2 s like Redis's startup probe: the pod is Ready only when the exporter is too, and
        // its first probe comes before it listens. An HTTP GET on the pod's own address is cheap.
        readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 2, timeoutSeconds: 5 },
        securityContext: restrictedContainerSecurity,
        volumeMounts: [{ name: EXPORTER_AUTH_VOLUME, mountPath: PATHS.exporterAuth, readOnly: true }, ...tlsCaMounts(spec)],
    };
}

/** The pod volumes both StatefulSets share: scripts, the password, scratch space. */
export function sharedVolumes(spec: ClusterSpec) {
    return [
        { name: "scripts", configMap: { name: spec.names.scripts, defaultMode: 0o555 } },
        { name: "auth", secret: { secretName: spec.names.secret, defaultMode: 0o440 } },
        ...tlsVolumes(spec),
        ...tlsCaVolumes(spec),
        exporterAuthVolume(),
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
        { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
    ];
}

const podNames = (count: number, statefulSet: string, service: string) =>
    Array.from({ length: count }, (_, i) => podDnsName(`${statefulSet}-${i}`, service, "$(POD_NAMESPACE)")).join(" ");

/**
 * What the scripts of both pod kinds need to find each other: the per-pod DNS names of the
 * Sentinels and of the Redis pods, the Sentinel port and the master's name. Empty for the
 * cluster topology. Expects POD_NAMESPACE earlier in the list.
 */
export function sentinelDiscoveryEnv(spec: ClusterSpec): { name: string; value: string }[] {
    const sentinel = spec.sentinel;
    if (!sentinel) return [];
    return [
        { name: "MASTER_NAME", value: sentinel.masterName },
        { name: "DOWN_AFTER_MS", value: String(sentinel.settings.downAfterMs) },
        { name: "SENTINEL_PORT", value: String(PORTS.sentinel) },
        // Both pod kinds' scripts ask the Sentinels as admin (SENTINEL FAILOVER at a planned stop,
        // the Sentinel's own MONITOR/SET/ACL); clients use the app user, which may only ask.
        { name: "SENTINEL_USER", value: USERS.admin },
        { name: "SENTINEL_PASSWORD_FILE", value: `${PATHS.secrets}/${PASSWORD_KEY}` },
        { name: "SENTINEL_HOSTS", value: podNames(sentinel.settings.replicas, sentinel.names.statefulSet, sentinel.names.headlessService) },
        { name: "REDIS_HOSTS", value: podNames(spec.podCount, spec.names.statefulSet, spec.names.headlessService) },
    ];
}
