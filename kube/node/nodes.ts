// The Node objects the agent serves, as a kubelet registers and keeps them: labels for hostname
// and zone, addresses, capacity, a Ready condition, and a Lease renewed every 10 s (the node
// lifecycle controller marks a node NotReady, and evicts its pods, when its Lease lapses).
import { isStatus, KubeApi } from "./api";
import { KUBELET_PORT } from "./kubelet-server";
import { NodeNetwork } from "./network";

export const KUBELET_VERSION = "v1.34.4";
const LEASE_SECONDS = 40;

export interface LocalNode {
    name: string;
    zone: string;
    network: NodeNetwork;
}

const ZONES = "abcdefghijklmnopqrstuvwxyz";

/** Pure: node i (1-based) is local-node-i in zone-<letter>. */
export function localNodes(count: number, network: (i: number) => NodeNetwork): LocalNode[] {
    return Array.from({ length: count }, (_, k) => ({
        name: `local-node-${k + 1}`,
        zone: `zone-${ZONES[k % ZONES.length]}`,
        network: network(k + 1),
    }));
}

/** Pure: the Node object as the agent registers it. */
export function nodeObject(node: LocalNode): any {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name: node.name,
            labels: {
                "kubernetes.io/hostname": node.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": node.zone,
                "topology.kubernetes.io/region": "local",
            },
        },
        spec: {},
    };
}

/** Pure: the Node's status at `now`. Capacity is nominal: pods are processes on one machine. */
export function nodeStatus(node: LocalNode, now: Date): any {
    const at = now.toISOString();
    const condition = (type: string, status: string, reason: string) => ({
        type,
        status,
        reason,
        message: reason,
        lastHeartbeatTime: at,
        lastTransitionTime: at,
    });
    const capacity = { cpu: "8", memory: "16Gi", pods: "110", "ephemeral-storage": "100Gi" };
    return {
        status: {
            capacity,
            allocatable: capacity,
            addresses: [
                { type: "InternalIP", address: node.network.address },
                { type: "Hostname", address: node.name },
            ],
            conditions: [
                condition("Ready", "True", "KubeletReady"),
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID"),
            ],
            nodeInfo: {
                kubeletVersion: KUBELET_VERSION,
                kubeProxyVersion: "",
                containerRuntimeVersion: "local-processes://1",
                operatingSystem: "linux",
                architecture: "amd64",
                osImage: "local processes (redis-cluster npm run kube)",
                kernelVersion: "",
                machineID: "",
                systemUUID: "",
                bootID: "",
            },
            daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
        },
    };
}

export async function registerNode(api: KubeApi, node: LocalNode): Promise<void> {
    try {
        await api.create("/api/v1/nodes", nodeObject(node));
    } catch (e) {
        if (!isStatus(e, 409)) throw e;
        await api.patch(`/api/v1/nodes/${node.name}`, { metadata: { labels: nodeObject(node).metadata.labels } });
    }
    await heartbeat(api, node);
}

/** Status and Lease, as the kubelet refreshes them. */
export async function heartbeat(api: KubeApi, node: LocalNode): Promise<void> {
    const now = new Date();
    await api.patch(`/api/v1/nodes/${node.name}/status`, nodeStatus(node, now));
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node.name}`;
    const spec = { holderIdentity: node.name, leaseDurationSeconds: LEASE_SECONDS, renewTime: now.toISOString().replace("Z", "000Z") };
    const lease = await api.get(path);
    if (lease) await api.patch(path, { spec });
    else
        await api.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
            metadata: { name: node.name, namespace: "kube-node-lease" },
            spec,
        });
}
