// `port-forward` connectivity: from the machine running `pulumi up`, discover the Redis pods
// through the Kubernetes API (their IPs, for CLUSTER MEET; their nodes and zones, for placement)
// and reach each one through a port-forward, as `kubectl port-forward` does. The cluster is the
// one the component's objects went to (KubeAccess, see kube-target.ts), never simply the ambient
// kubeconfig: with an explicit provider those are different clusters.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import type { NodeInput } from "./change";
import type { FormationNode } from "./formation";

export const ZONE_LABEL = "topology.kubernetes.io/zone";

/** Which cluster to talk to; both unset means the ambient default (KUBECONFIG, ~/.kube/config, in-cluster). */
export interface KubeAccess {
    /** A kubeconfig's contents or the path of a kubeconfig file, as `kubernetes:kubeconfig` takes it. */
    kubeconfig?: string;
    /** A context of that kubeconfig, instead of its current-context. */
    context?: string;
}

/**
 * The client configuration for `access`. Like the Kubernetes provider, a kubeconfig value that
 * names an existing file (`~` expanded) is read from it, anything else is the contents. Errors
 * never quote the kubeconfig: it holds credentials.
 */
// `any`: client-node is an ES module, loaded lazily inside the provider (see forwardToPods).
export async function loadKubeConfig(access: KubeAccess | undefined): Promise<any> {
    const k8s = await import("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    if (!access?.kubeconfig) {
        kc.loadFromDefault();
    } else {
        const file = access.kubeconfig.replace(/^~(?=$|\/)/, os.homedir());
        const isFile = !file.includes("\n") && fs.existsSync(file);
        try {
            if (isFile) kc.loadFromFile(file);
            else kc.loadFromString(access.kubeconfig);
        } catch {
            throw new Error(isFile ? `kubeconfig file ${file} is not a readable kubeconfig`
                : "kubeconfig (the component's `kubeconfig` or the `kubernetes:kubeconfig` config) is neither an existing file nor kubeconfig YAML");
        }
        if (kc.getClusters().length === 0) throw new Error("kubeconfig given to the component names no cluster");
    }
    if (access?.context) {
        const known = kc.getContexts().map((c) => c.name);
        if (!known.includes(access.context)) {
            throw new Error(`kubeContext "${access.context}" is not a context of the kubeconfig (it has: ${known.join(", ") || "none"})`);
        }
        kc.setCurrentContext(access.context);
    }
    return kc;
}

export interface PodFacts {
    name: string;
    ip: string;
    nodeName: string;
    phase: string;
}

/** Pure: the formation nodes for the wanted pods, or an error naming what is missing. */
export function nodesFromPods(wanted: NodeInput[], pods: PodFacts[], zones: Record<string, string>): FormationNode[] {
    const missing = wanted.filter((w) => !pods.some((p) => p.name === w.name && p.ip));
    if (missing.length > 0) {
        throw new Error(`pods without an IP yet (not scheduled or not running): ${missing.map((m) => m.name).join(", ")}`);
    }
    return wanted.map((w) => {
        const pod = pods.find((p) => p.name === w.name)!;
        return { name: w.name, ip: pod.ip, port: w.port, host: pod.nodeName, zone: zones[pod.nodeName] ?? "" };
    });
}

export interface ForwardedCluster {
    nodes: FormationNode[];
    close(): Promise<void>;
}

/** Discovers the pods and opens one local listener per pod, each forwarding to the pod's Redis port. */
export async function forwardToPods(namespace: string, labelSelector: string, wanted: NodeInput[], access?: KubeAccess): Promise<ForwardedCluster> {
    const k8s = await import("@kubernetes/client-node");
    const kc: InstanceType<typeof k8s.KubeConfig> = await loadKubeConfig(access);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    const pods: PodFacts[] = list.items.map((p) => ({
        name: p.metadata?.name ?? "", ip: p.status?.podIP ?? "", nodeName: p.spec?.nodeName ?? "", phase: p.status?.phase ?? "",
    }));
    const zones: Record<string, string> = {};
    for (const nodeName of new Set(pods.map((p) => p.nodeName).filter(Boolean))) {
        const node = await core.readNode({ name: nodeName });
        zones[nodeName] = node.metadata?.labels?.[ZONE_LABEL] ?? "";
    }
    const nodes = nodesFromPods(wanted, pods, zones);
    const forward = new k8s.PortForward(kc);
    const servers: net.Server[] = [];
    for (const node of nodes) {
        const server = net.createServer((socket) => {
            forward.portForward(namespace, node.name, [node.port], socket, null, socket)
                .then((ws: any) => {
                    socket.on("close", () => ws.close?.());
                    ws.on?.("close", () => socket.destroy());
                })
                .catch(() => socket.destroy());
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        servers.push(server);
        node.connect = { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port };
    }
    return {
        nodes,
        close: async () => {
            await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
        },
    };
}

/** One key of a Secret, decoded (the TLS Secret's public ca.crt: formation verifies the pods with it). */
export async function readSecretKey(namespace: string, name: string, key: string, access?: KubeAccess): Promise<string> {
    const k8s = await import("@kubernetes/client-node");
    const kc: InstanceType<typeof k8s.KubeConfig> = await loadKubeConfig(access);
    const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace, name });
    const value = secret.data?.[key];
    if (!value) throw new Error(`Secret ${namespace}/${name} has no ${key}: TLS needs the CA that signed the pods' certificate`);
    return Buffer.from(value, "base64").toString("utf8");
}
