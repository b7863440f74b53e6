// The kubelet's own HTTPS API, as much of it as `port-forward` needs. kube-apiserver serves
// `pods/<name>/portforward` by proxying the request to the pod's node: it dials the Node's
// InternalIP (--kubelet-preferred-address-types) at status.daemonEndpoints.kubeletEndpoint.Port,
// authenticates with its kubelet client certificate, verifies the kubelet's serving certificate
// against --kubelet-certificate-authority, and forwards `/portForward/<namespace>/<pod>?port=<p>`.
// A WebSocket request (what @kubernetes/client-node sends, subprotocol v4.channel.k8s.io) goes
// through as it came, so the kubelet side speaks the same channel protocol: every binary message
// starts with its channel byte, port i has data channel 2i and error channel 2i+1, and the first
// message on each names the port (uint16, little endian). SPDY (kubectl port-forward, which the
// API server turns into SPDY toward the kubelet) is not served: see docs/kube.md.
import * as https from "https";
import * as net from "net";
import type { TLSSocket } from "tls";
import { WebSocket, WebSocketServer } from "ws";

/** The kubelet's well-known port; each Node listens on its own InternalIP. */
export const KUBELET_PORT = 10250;
/** The only client the node API answers: the API server's kubelet client certificate. */
export const KUBELET_CLIENT_CN = "kube-apiserver-kubelet-client";
const PROTOCOL = "v4.channel.k8s.io";

export interface PortForwardRequest {
    namespace: string;
    pod: string;
    ports: number[];
}

/**
 * Pure: a kubelet portforward URL (`/portForward/<ns>/<pod>[/<uid>]?port=6379,26379`), or why it
 * is not one. The kubelet takes `port` (the API server turns the client's `ports` into it).
 */
export function parsePortForward(url: string): PortForwardRequest | { error: string } {
    const u = new URL(url, "https://kubelet");
    const parts = u.pathname.split("/").filter(Boolean);
    if (parts[0] !== "portForward" || parts.length < 3 || parts.length > 4) return { error: `not a portForward path: ${u.pathname}` };
    const values = u.searchParams.getAll("port").flatMap((v) => v.split(","));
    if (values.length === 0) return { error: 'query parameter "port" is required' };
    const ports = values.map(Number);
    const bad = values.filter((v, i) => !/^\d+$/.test(v) || ports[i] < 1 || ports[i] > 65535);
    if (bad.length > 0) return { error: `port ${bad.map((b) => JSON.stringify(b)).join(", ")} is not a number from 1 to 65535` };
    return { namespace: decodeURIComponent(parts[1]), pod: decodeURIComponent(parts[2]), ports };
}

/** Pure: one channel message: the channel byte, then the payload. */
export const channelFrame = (channel: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([channel]), payload]);

/** Pure: the first message of a channel names its port, uint16 little endian. */
export function portPrefix(port: number): Buffer {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(port);
    return b;
}

export interface KubeletTls {
    cert: Buffer;
    key: Buffer;
    ca: Buffer;
}

/** The pod's address on this node, or undefined when the node runs no such pod. */
export type PodAddressOf = (namespace: string, pod: string) => string | undefined;

/** Serves one Node's kubelet API on `address`:KUBELET_PORT until closed. */
export async function serveKubelet(
    address: string,
    tls: KubeletTls,
    podAddress: PodAddressOf,
    log: (line: string) => void,
): Promise<https.Server> {
    const server = https.createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (req, res) => {
        // Only the WebSocket upgrade is served; everything else (logs, exec, metrics) is not here.
        res.writeHead(404, { "Content-Type": "text/plain" }).end(`not served by the local node agent: ${req.method} ${req.url}\n`);
    });
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false) });
    server.on("upgrade", (req, socket, head) => {
        const refuse = (status: number, why: string) => {
            socket.end(
                `HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Bad Request"}\r\nContent-Type: text/plain\r\n\r\n${why}\n`,
            );
        };
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        if (peer?.subject?.CN !== KUBELET_CLIENT_CN) return refuse(403, `only ${KUBELET_CLIENT_CN} may use the kubelet API`);
        const request = parsePortForward(req.url ?? "");
        if ("error" in request) return refuse(400, request.error);
        const ip = podAddress(request.namespace, request.pod);
        if (!ip) return refuse(404, `pod ${request.namespace}/${request.pod} does not run on this node`);
        wss.handleUpgrade(req, socket, head, (ws) => forwardPorts(ws, ip, request, log));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(KUBELET_PORT, address, () => resolve());
    });
    return server;
}

/** Joins each requested port of the WebSocket to a TCP connection to the pod's address. */
function forwardPorts(ws: WebSocket, ip: string, request: PortForwardRequest, log: (line: string) => void): void {
    const conns = request.ports.map((port, i) => {
        const data = 2 * i,
            error = 2 * i + 1;
        ws.send(channelFrame(data, portPrefix(port)));
        ws.send(channelFrame(error, portPrefix(port)));
        const conn = net.connect({ host: ip, port });
        conn.on("data", (chunk) => ws.readyState === WebSocket.OPEN && ws.send(channelFrame(data, chunk)));
        conn.on("error", (e) => {
            // What the kubelet reports on the error channel, so the client fails now, with a reason.
            const message = `error forwarding port ${port} to pod ${request.namespace}/${request.pod}: ${e.message}`;
            log(message);
            if (ws.readyState === WebSocket.OPEN) ws.send(channelFrame(error, Buffer.from(message)));
            ws.close();
        });
        conn.on("close", () => ws.close());
        return conn;
    });
    ws.on("message", (raw: Buffer, isBinary: boolean) => {
        if (!isBinary || raw.length < 1) return;
        const channel = raw[0];
        // Only data channels carry bytes toward the pod; the client writes nothing on error channels.
        if (channel % 2 === 0 && conns[channel / 2]) conns[channel / 2].write(raw.subarray(1));
    });
    ws.on("close", () => conns.forEach((c) => c.destroy()));
    ws.on("error", () => conns.forEach((c) => c.destroy()));
}
