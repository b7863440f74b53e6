// port-forward connectivity: the provider discovers pods through a Kubernetes API (a stand-in
// serving pods, nodes and the portforward WebSocket) and forms real Redis nodes through it.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { forwardToPods } from "../../components/formation/live/kube-access";
import { create } from "../../components/formation/runtime";
import { buildAllObjects } from "../../components/kubernetes";
import { resolveSpec } from "../../components/settings/spec";
import { LocalPod, startRedisPod } from "../../testing/redis-pod";
import { FakeKubeApi, kubeconfigFor, startFakeKubeApi } from "../support/fake-kube-api";
import { requireTool } from "../../local/tools";

const PASSWORD = "ForwardPw1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e";
const ip = (i: number) => `127.0.7.${i + 1}`;
const LABELS = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis-cluster" };

describe("formation through port-forwards (port-forward connectivity)", function () {
    this.timeout(60000);
    const pods: LocalPod[] = [];
    let api: FakeKubeApi;
    let kubeconfig: string;
    const savedKubeconfig = process.env.KUBECONFIG;

    before(async () => {
        requireTool("redis-server");
        const objects = buildAllObjects(
            resolveSpec({
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                storage: { size: "1Gi", storageClass: "" },
                redis: { maxmemory: "128mb", ioThreads: 1 },
            }),
            PASSWORD,
        );
        for (let i = 0; i < 6; i++) pods.push(startRedisPod(objects, i, ip(i), PASSWORD));
        // Three Kubernetes nodes in three zones, two pods on each; a stray pod of another app.
        api = await startFakeKubeApi(
            "redis-system",
            [
                ...pods.map((p, i) => ({ name: p.name, ip: p.ip, nodeName: `node-${i % 3}`, labels: LABELS })),
                { name: "other-app-0", ip: "127.0.7.99", nodeName: "node-0", labels: { "app.kubernetes.io/name": "other" } },
            ],
            { "node-0": "zone-a", "node-1": "zone-b", "node-2": "zone-c" },
        );
        kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kube-")), "config");
        fs.writeFileSync(kubeconfig, kubeconfigFor(api.url));
        process.env.KUBECONFIG = kubeconfig;
    });

    after(async () => {
        if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
        else process.env.KUBECONFIG = savedKubeconfig;
        await api?.close();
        await Promise.all(pods.map((p) => p.stop()));
        pods.forEach((p) => fs.rmSync(p.root, { recursive: true, force: true }));
    });

    it("discovers pod IPs, nodes and zones from the API and forms the cluster through forwards", async () => {
        const outs = await create({
            nodes: pods.map((p) => ({ name: p.name, address: "unused-with-port-forward", port: 6379, host: "", zone: "" })),
            shards: 3,
            replicasPerShard: 1,
            password: PASSWORD,
            connectivity: "port-forward",
            readyTimeoutSeconds: 10,
            clusterNodeTimeoutMs: 5000,
            namespace: "redis-system",
            podSelector: Object.entries(LABELS)
                .map(([k, v]) => `${k}=${v}`)
                .join(","),
        });
        // Every node was reached through the API's port-forward, none directly.
        assert.deepStrictEqual(Object.keys(api.forwards).sort(), pods.map((p) => p.name).sort());
        // Placement used the nodes the API reported: no replica on its master's Kubernetes node.
        const nodeOf = (name: string) => `node-${Number(name.split("-").pop()) % 3}`;
        for (const shard of outs.shardLayout) {
            assert.strictEqual(shard.replicas.length, 1);
            assert.notStrictEqual(nodeOf(shard.replicas[0]), nodeOf(shard.master), JSON.stringify(outs.shardLayout));
        }
        const check = spawnSync("redis-cli", ["--user", "admin", "--cluster", "check", `${ip(0)}:6379`], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: PASSWORD },
        });
        assert.strictEqual(check.status, 0, check.stdout);
    });

    const forwarded = () => ({
        nodes: pods.map((p) => ({ name: p.name, address: "", port: 6379, host: "", zone: "" })),
        shards: 3,
        replicasPerShard: 1,
        password: PASSWORD,
        connectivity: "port-forward",
        readyTimeoutSeconds: 60,
        clusterNodeTimeoutMs: 5000,
        namespace: "redis-system",
        podSelector: Object.entries(LABELS)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
    });

    it("an error on the API's error channel fails formation in seconds, naming the pod and the message", async () => {
        const message =
            "error forwarding port 6379 to pod 4f1c0d2e, uid : exit status 1: socat[3190] E connect(5, AF=2 127.0.0.1:6379, 16): Connection refused";
        api.faults[pods[2].name] = { error: message };
        const started = Date.now();
        try {
            await assert.rejects(create(forwarded()), (e: Error) => {
                assert.ok(
                    e.message.includes(
                        `${pods[2].name}: port-forward failing for 5 s: the Kubernetes API reports on the error channel: ${message}`,
                    ),
                    e.message,
                );
                return true;
            });
        } finally {
            delete api.faults[pods[2].name];
        }
        // Not the 60 s ready timeout: the forward's own error ended each attempt.
        assert.ok(Date.now() - started < 20000, `took ${Date.now() - started} ms`);
    });

    it("a forward reset by the API (ECONNRESET) fails in seconds without crashing, and works again once healed", async () => {
        api.faults[pods[3].name] = "reset";
        const started = Date.now();
        try {
            await assert.rejects(
                create(forwarded()),
                new RegExp(`${pods[3].name}: port-forward failing for 5 s: the API's WebSocket failed: .*ECONNRESET`),
            );
        } finally {
            delete api.faults[pods[3].name];
        }
        assert.ok(Date.now() - started < 20000, `took ${Date.now() - started} ms`);
        const outs = await create(forwarded());
        assert.strictEqual(outs.shardLayout.length, 3);
    });

    it("a local client resetting its connection does not crash the forwarder", async () => {
        const forward = await forwardToPods(
            "redis-system",
            Object.entries(LABELS)
                .map(([k, v]) => `${k}=${v}`)
                .join(","),
            pods.map((p) => ({ name: p.name, address: "", port: 6379, host: "", zone: "" })),
        );
        try {
            const { host, port } = forward.nodes[0].connect!;
            for (let i = 0; i < 5; i++) {
                const socket = net.connect(port, host);
                await new Promise((r) => socket.once("connect", r));
                socket.write("PING\r\n");
                socket.resetAndDestroy();
            }
            // The same listener still forwards: an unauthenticated PING gets Redis's own answer.
            const socket = net.connect(port, host);
            socket.write("PING\r\n");
            const reply = await new Promise<string>((resolve, reject) => {
                socket.once("data", (d) => resolve(d.toString()));
                socket.once("error", reject);
            });
            socket.destroy();
            assert.match(reply, /^-NOAUTH/);
        } finally {
            await forward.close();
        }
    });

    it("names pods the API does not know", async () => {
        await assert.rejects(
            create({
                nodes: [
                    ...pods.map((p) => ({ name: p.name, address: "", port: 6379, host: "", zone: "" })),
                    { name: "redis-cluster-6", address: "", port: 6379, host: "", zone: "" },
                ],
                shards: 3,
                replicasPerShard: 1,
                password: PASSWORD,
                connectivity: "port-forward",
                readyTimeoutSeconds: 5,
                clusterNodeTimeoutMs: 5000,
                namespace: "redis-system",
                podSelector: "app.kubernetes.io/name=redis",
            }),
            /pods without an IP yet.*redis-cluster-6/,
        );
    });

    it("with direct connectivity, names a pod address it cannot resolve and points at port-forward", async () => {
        await assert.rejects(
            create({
                nodes: pods.map((p, i) => ({
                    name: p.name,
                    address: i === 0 ? "redis-cluster-0.redis-cluster-headless.redis-system.svc.cluster.invalid" : p.ip,
                    port: 6379,
                    host: "",
                    zone: "",
                })),
                shards: 3,
                replicasPerShard: 1,
                password: PASSWORD,
                connectivity: "direct",
                readyTimeoutSeconds: 5,
                clusterNodeTimeoutMs: 5000,
                namespace: "redis-system",
                podSelector: "",
            }),
            /cannot resolve redis-cluster-0\.redis-cluster-headless.*set formation\.connectivity to "port-forward"/,
        );
    });
});
