// `port-forward` connectivity: from the machine running `pulumi up`, discover the Redis pods
// through the Kubernetes API (their IPs, for CLUSTER MEET; their nodes and zones, for placement)
// and reach each one through a port-forward, as `kubectl port-forward` does. The cluster is the
// one the component's objects went to (KubeAccess, see kube-target.ts), never simply the ambient
// kubeconfig: with an explicit provider those are different clusters.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import { Writable } from "stream";
import type { FormationNode, NodeInput } from "../types";
import { ZONE_LABEL } from "../../settings/spec";

export { ZONE_LABEL };

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
            throw new Error(
                isFile
                    ? `kubeconfig file ${file} is not a readable kubeconfig`
                    : "kubeconfig (the component's `kubeconfig` or the `kubernetes:kubeconfig` config) is neither an existing file nor kubeconfig YAML",
            );
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

/** The pods the selector matches, and the zone of each Kubernetes node they run on. */
async function discoverPods(
    core: any,
    namespace: string,
    labelSelector: string,
): Promise<{ pods: PodFacts[]; zones: Record<string, string> }> {
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    const pods: PodFacts[] = list.items.map((p: any) => ({
        name: p.metadata?.name ?? "",
        ip: p.status?.podIP ?? "",
        nodeName: p.spec?.nodeName ?? "",
        phase: p.status?.phase ?? "",
    }));
    return {
        pods,
        zones: await readZones(
            core,
            pods.map((p) => p.nodeName),
        ),
    };
}

/** Where the client finds an API without being told: KUBECONFIG, ~/.kube/config, or a pod's service account. */
function ambientApiConfigured(): boolean {
    return Boolean(process.env.KUBECONFIG || process.env.KUBERNETES_SERVICE_HOST || fs.existsSync(`${os.homedir()}/.kube/config`));
}

export interface PodPlacement {
    ip: string;
    host: string;
    zone: string;
}

/**
 * `direct` connectivity: each wanted pod's Kubernetes node and zone, read from the API when it
 * answers within `timeoutMs`. Best-effort: without an API, or when it fails, the result is empty
 * and a warning says that placement cannot see zones (so a master and its replica may share one).
 */
export async function podPlacement(
    namespace: string,
    labelSelector: string,
    access: KubeAccess | undefined,
    timeoutMs = 10000,
): Promise<Map<string, PodPlacement>> {
    const warn = (why: string) =>
        console.log(
            `redis-cluster formation: warning: ${why}; the pods' Kubernetes nodes and zones are unknown, ` +
                "so placement cannot keep a master and its replica on different nodes or zones",
        );
    if (!access?.kubeconfig && !ambientApiConfigured()) {
        warn("no Kubernetes API is configured (no kubeconfig given, no KUBECONFIG or ~/.kube/config, not inside a pod)");
        return new Map();
    }
    let timer: NodeJS.Timeout | undefined;
    try {
        const k8s = await import("@kubernetes/client-node");
        const kc: InstanceType<typeof k8s.KubeConfig> = await loadKubeConfig(access);
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
        });
        const { pods, zones } = await Promise.race([discoverPods(kc.makeApiClient(k8s.CoreV1Api), namespace, labelSelector), timeout]);
        return new Map(pods.filter((p) => p.nodeName).map((p) => [p.name, { ip: p.ip, host: p.nodeName, zone: zones[p.nodeName] ?? "" }]));
    } catch (e) {
        warn(`the Kubernetes API did not list the pods (${firstLine(e)})`);
        return new Map();
    } finally {
        clearTimeout(timer);
    }
}

/** An error's first line: client-node's ApiException goes on with the response's headers. */
function firstLine(e: unknown): string {
    const status = statusOf(e);
    const text = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return status && !text.includes(String(status)) ? `${status}: ${text}` : text;
}

export interface ForwardedCluster {
    nodes: FormationNode[];
    close(): Promise<void>;
}

/** Discovers the pods and opens one local listener per pod, each forwarding to the pod's Redis port. */
export async function forwardToPods(
    namespace: string,
    labelSelector: string,
    wanted: NodeInput[],
    access?: KubeAccess,
): Promise<ForwardedCluster> {
    const k8s = await import("@kubernetes/client-node");
    const kc: InstanceType<typeof k8s.KubeConfig> = await loadKubeConfig(access);
    const { pods, zones } = await discoverPods(kc.makeApiClient(k8s.CoreV1Api), namespace, labelSelector);
    const nodes = nodesFromPods(wanted, pods, zones);
    // One PortForward (one kubeconfig, one set of credentials) serves every pod and connection.
    const forward = new k8s.PortForward(kc);
    const servers: net.Server[] = [];
    for (const node of nodes) {
        const health = new ForwardHealth(node.name);
        const server = net.createServer((socket) => forwardConnection(forward, namespace, node.name, node.port, socket, health));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        servers.push(server);
        node.connect = { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port, problem: () => health.problem };
    }
    return {
        nodes,
        close: async () => {
            await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
        },
    };
}

/**
 * The last thing that went wrong forwarding to one pod (an error-channel message, a refused
 * upgrade, a reset), until data flows again. Each new problem is printed once, as it happens.
 */
class ForwardHealth {
    problem: string | undefined;

    constructor(private readonly pod: string) {}

    failed(what: string): void {
        const message = what.trim() || "the forward closed without a reason";
        if (message !== this.problem) console.log(`redis-cluster formation: port-forward to ${this.pod}: ${message}`);
        this.problem = message;
    }

    flowing(): void {
        this.problem = undefined;
    }
}

/**
 * One local connection through the API's portforward WebSocket. Every stream gets an error
 * handler: an unhandled 'error' (a reset socket, a write after the pod side closed) would crash
 * the provider. What the API reports on the port's error channel ends the connection at once, so
 * the Redis client fails now instead of waiting out its timeout.
 */
function forwardConnection(forward: any, namespace: string, pod: string, port: number, socket: net.Socket, health: ForwardHealth): void {
    let ws: any;
    const end = (problem?: string) => {
        if (problem) health.failed(problem);
        socket.destroy();
        ws?.close?.();
    };
    // The local client's own reset says nothing about the forward: handled, not recorded.
    socket.on("error", () => end());
    const output = new Writable({
        write(chunk, _encoding, done) {
            if (chunk.length > 0) health.flowing();
            if (!socket.destroyed) socket.write(chunk);
            done();
        },
    });
    const errors = new Writable({
        write(chunk, _encoding, done) {
            if (chunk.length > 0) end(`the Kubernetes API reports on the error channel: ${chunk.toString("utf8")}`);
            done();
        },
    });
    forward
        .portForward(namespace, pod, [port], output, errors, socket)
        .then((opened: any) => {
            ws = opened;
            // ws reports a reset of its open connection only as close code 1006; the cause is an
            // 'error' on its socket (a private field; without it the message says 1006 only).
            let lost: string | undefined;
            ws._socket?.on?.("error", (e: Error) => {
                lost = describe(e);
            });
            ws.on?.("error", (e: Error) => end(`the API's WebSocket failed: ${describe(e)}`));
            ws.on?.("close", (code: number) => {
                // Lost while the local side was still using it: the forward broke, not the client.
                if (code === 1006 && !socket.destroyed)
                    end(`the API's WebSocket failed: ${lost ?? "connection lost without a close frame (1006)"}`);
                else socket.destroy();
            });
            socket.on("close", () => ws.close?.());
            if (socket.destroyed) ws.close?.();
        })
        .catch((e: unknown) => end(`the API refused the port-forward: ${describe(e)}`));
}

function describe(e: unknown): string {
    if (e instanceof Error)
        return (e as NodeJS.ErrnoException).code && !e.message.includes((e as NodeJS.ErrnoException).code!)
            ? `${e.message} (${(e as NodeJS.ErrnoException).code})`
            : e.message;
    // ws's ErrorEvent (from the handshake) carries the error inside.
    const inner = (e as { error?: unknown; message?: string })?.error;
    return inner instanceof Error ? describe(inner) : String((e as { message?: string })?.message ?? e);
}

/**
 * Each node's zone label. Best-effort: a principal that may not read Nodes (RBAC answers 403)
 * gets a warning and no zones, never a failed deployment; placement then spreads by node name only.
 */
export async function readZones(core: any, nodeNames: string[]): Promise<Record<string, string>> {
    const zones: Record<string, string> = {};
    const forbidden: string[] = [];
    await Promise.all(
        [...new Set(nodeNames.filter(Boolean))].map(async (name) => {
            try {
                const node = await core.readNode({ name });
                zones[name] = node.metadata?.labels?.[ZONE_LABEL] ?? "";
            } catch (e) {
                if (statusOf(e) !== 403) throw e;
                forbidden.push(name);
            }
        }),
    );
    if (forbidden.length > 0) {
        console.log(
            `redis-cluster formation: warning: reading Nodes is forbidden (403) for ${forbidden.sort().join(", ")}, so their zones are unknown ` +
                "and placement cannot keep a master and its replica in different zones. Grant `get` on nodes to the deploying identity to fix this.",
        );
    }
    return zones;
}

/** The HTTP status of a client-node error (ApiException's `code`). */
function statusOf(e: unknown): number | undefined {
    const code = (e as { code?: unknown })?.code;
    return typeof code === "number" ? code : undefined;
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
