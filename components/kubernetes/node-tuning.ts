// The optional node tuning (`systemInit.enabled`): a DaemonSet that turns transparent huge pages
// off on the nodes Redis may run on. Writing /sys of a node needs a privileged container, so it
// runs in a namespace of its own that enforces the "privileged" Pod Security Standard, and the
// Redis namespace always enforces "restricted". Its script is part of the DaemonSet itself, not a
// ConfigMap: whoever may edit the Redis namespace's ConfigMaps must not be able to run code as
// root on the nodes.
import { readPackageFile } from "../package-files";
import { NODE_TUNING_SCRIPT } from "../redis/scripts";
import type { ClusterSpec } from "../settings/spec";
import type { KubeObject } from "./object";
import { podScheduling } from "./scheduling";
import { privilegedInitSecurity, restrictedContainerSecurity, restrictedPodSecurity } from "./security";

const THP_DIR = "/sys/kernel/mm/transparent_hugepage";
const HOST_THP_DIR = "/host/transparent_hugepage";

export function buildNodeTuningObjects(spec: ClusterSpec): KubeObject[] {
    if (!spec.settings.systemInit.enabled) return [];
    const namespace = spec.names.nodeTuningNamespace;
    const labels = {
        ...spec.settings.labels,
        "app.kubernetes.io/name": "redis-node-tuning",
        "app.kubernetes.io/instance": spec.names.statefulSet,
    };
    const selector = { "app.kubernetes.io/name": "redis-node-tuning", "app.kubernetes.io/instance": spec.names.statefulSet };
    // The Redis pods' node selector and tolerations, so every node that may run Redis is tuned;
    // no anti-affinity or spreading, which mean nothing for a DaemonSet.
    const { nodeSelector, tolerations, priorityClassName } = podScheduling(spec, spec.selectorLabels) as Record<string, unknown>;
    return [
        {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: namespace,
                labels: {
                    ...labels,
                    "app.kubernetes.io/managed-by": "pulumi",
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/warn": "privileged",
                    "pod-security.kubernetes.io/audit": "privileged",
                },
            },
        },
        {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: { name: spec.names.nodeTuning, namespace, labels },
            spec: {
                selector: { matchLabels: selector },
                updateStrategy: { type: "RollingUpdate" },
                template: {
                    metadata: { labels: { ...labels, ...selector } },
                    spec: {
                        automountServiceAccountToken: false,
                        ...(nodeSelector ? { nodeSelector } : {}),
                        ...(tolerations ? { tolerations } : {}),
                        ...(priorityClassName ? { priorityClassName } : {}),
                        securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                        initContainers: [
                            {
                                name: "disable-thp",
                                image: spec.settings.image,
                                imagePullPolicy: spec.settings.imagePullPolicy,
                                command: ["sh", "-c", readPackageFile("components", "redis", "scripts", NODE_TUNING_SCRIPT)],
                                env: [{ name: "THP_DIR", value: HOST_THP_DIR }],
                                securityContext: privilegedInitSecurity,
                                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
                                volumeMounts: [{ name: "thp", mountPath: HOST_THP_DIR }],
                            },
                        ],
                        // A DaemonSet's pods must keep running; this one only holds the node's place.
                        containers: [
                            {
                                name: "pause",
                                image: spec.settings.image,
                                imagePullPolicy: spec.settings.imagePullPolicy,
                                command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
                                securityContext: {
                                    ...restrictedContainerSecurity,
                                    runAsUser: restrictedPodSecurity.runAsUser,
                                    runAsGroup: restrictedPodSecurity.runAsGroup,
                                },
                                resources: { requests: { cpu: "1m", memory: "8Mi" }, limits: { memory: "16Mi" } },
                            },
                        ],
                        volumes: [{ name: "thp", hostPath: { path: THP_DIR, type: "Directory" } }],
                    },
                },
            },
        },
    ];
}
