// A stand-in for the Kubernetes API server, just the parts port-forward formation uses: list pods,
// read nodes, and the pod portforward WebSocket (v4.channel.k8s.io: one byte of channel, the
// first frame of each channel carrying the port). Pod traffic goes to the real Redis at the pod's IP.
import * as http from "http";
import * as net from "net";
import { WebSocketServer } from "ws";

export interface FakePod {
    name: string;
    ip: string;
    nodeName: string;
    labels: Record<string, string>;
}

/**
 * How a pod's port-forward fails: `reset` tears the WebSocket's TCP connection down with an RST
 * once it is open; `{ error }` sends the text on the port's error channel and closes, as the
 * kubelet does when it cannot reach the port inside the pod.
 */
export type ForwardFault = "reset" | { error: string };

export interface FakeKubeApi {
    url: string;
    /** Port-forward connections opened so far, by pod name. */
    forwards: Record<string, number>;
    /** Faults to inject into new port-forwards, by pod name; change them at any time. */
    faults: Record<string, ForwardFault>;
    close(): Promise<void>;
}

export interface FakeKubeApiOptions {
    /** Secrets of the namespace by name, their data as plain text (served base64, as the API does). */
    secrets?: Record<string, Record<string, string>>;
    /** Answer reads of Nodes with 403, as RBAC does for an identity without `get nodes`. */
    forbidNodes?: boolean;
}

export async function startFakeKubeApi(
    namespace: string,
    pods: FakePod[],
    zones: Record<string, string>,
    options: FakeKubeApiOptions = {},
): Promise<FakeKubeApi> {
    const secrets = options.secrets ?? {};
    const forwards: Record<string, number> = {};
    const faults: Record<string, ForwardFault> = {};
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (url.pathname === `/api/v1/namespaces/${namespace}/pods`) {
            const selector = Object.fromEntries(
                (url.searchParams.get("labelSelector") ?? "")
                    .split(",")
                    .filter(Boolean)
                    .map((kv) => kv.split("=")),
            );
            const items = pods
                .filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v))
                .map((p) => ({
                    metadata: { name: p.name, namespace, labels: p.labels },
                    spec: { nodeName: p.nodeName, containers: [] },
                    status: { podIP: p.ip, phase: "Running" },
                }));
            return send(200, { kind: "PodList", apiVersion: "v1", metadata: {}, items });
        }
        const secret = new RegExp(`^/api/v1/namespaces/${namespace}/secrets/([^/]+)$`).exec(url.pathname);
        if (secret && secret[1] in secrets) {
            const data = Object.fromEntries(Object.entries(secrets[secret[1]]).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
            return send(200, { kind: "Secret", apiVersion: "v1", metadata: { name: secret[1], namespace }, data });
        }
        const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
        if (node && options.forbidNodes) {
            return send(403, {
                kind: "Status",
                apiVersion: "v1",
                status: "Failure",
                code: 403,
                reason: "Forbidden",
                message: `nodes "${node[1]}" is forbidden: User "system:serviceaccount:ci:deployer" cannot get resource "nodes" in API group "" at the cluster scope`,
            });
        }
        if (node && node[1] in zones) {
            return send(200, {
                kind: "Node",
                apiVersion: "v1",
                metadata: { name: node[1], labels: { "topology.kubernetes.io/zone": zones[node[1]] } },
            });
        }
        return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", code: 404, message: `not found: ${url.pathname}` });
    });
    const wss = new WebSocketServer({ noServer: true, handleProtocols: () => "v4.channel.k8s.io" });
    server.on("upgrade", (req, socket, head) => {
        const m = new RegExp(`^/api/v1/namespaces/${namespace}/pods/([^/]+)/portforward\\?ports=(\\d+)$`).exec(req.url ?? "");
        const pod = m && pods.find((p) => p.name === m[1]);
        if (!m || !pod) {
            socket.destroy();
            return;
        }
        const port = Number(m[2]);
        wss.handleUpgrade(req, socket, head, (ws) => {
            forwards[pod.name] = (forwards[pod.name] ?? 0) + 1;
            const portFrame = (channel: number) => Buffer.from([channel, port & 0xff, port >> 8]);
            ws.send(portFrame(0));
            ws.send(portFrame(1));
            const fault = faults[pod.name];
            if (fault === "reset") {
                (socket as net.Socket).resetAndDestroy();
                return;
            }
            if (fault) {
                ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(fault.error)]));
                ws.close();
                return;
            }
            const target = net.connect(port, pod.ip);
            target.on("data", (d) => ws.send(Buffer.concat([Buffer.from([0]), d])));
            target.on("close", () => ws.close());
            target.on("error", () => ws.close());
            ws.on("message", (data: Buffer) => {
                if (data[0] === 0 && data.length > 1) target.write(data.subarray(1));
            });
            ws.on("close", () => target.destroy());
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        forwards,
        faults,
        close: async () => {
            wss.clients.forEach((c) => c.terminate());
            server.closeAllConnections();
            await new Promise((r) => server.close(r));
        },
    };
}

/** A kubeconfig file pointing at the fake API. */
export function kubeconfigFor(url: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "current-context: fake",
        "clusters:",
        "- name: fake",
        "  cluster:",
        `    server: ${url}`,
        "    insecure-skip-tls-verify: true",
        "contexts:",
        "- name: fake",
        "  context:",
        "    cluster: fake",
        "    user: fake",
        "users:",
        "- name: fake",
        "  user:",
        "    token: fake-token",
        "",
    ].join("\n");
}
