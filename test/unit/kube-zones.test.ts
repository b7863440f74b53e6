// Where pods run, read from the Kubernetes API (a stand-in serving pods and nodes): `direct`
// connectivity learns each pod's node and zone when the API answers, and a 403 on Nodes (RBAC
// without `get nodes`) or an API that does not answer is a warning and no zone, never a failure.
import * as assert from "assert";
import * as net from "net";
import { forwardToPods, podPlacement } from "../../components/formation/live/kube-access";
import { FormationInputs, resolveNodes } from "../../components/formation/runtime";
import { FakeKubeApi, kubeconfigFor, startFakeKubeApi } from "../support/fake-kube-api";

const NS = "redis-system";
const LABELS = { "app.kubernetes.io/name": "redis" };
const SELECTOR = "app.kubernetes.io/name=redis";
const PODS = [0, 1, 2, 3].map((i) => ({ name: `redis-cluster-${i}`, ip: `127.0.42.${i + 1}`, nodeName: `node-${i % 2}`, labels: LABELS }));
const ZONES = { "node-0": "zone-a", "node-1": "zone-b" };

function inputs(kubeconfig: string): FormationInputs {
    return {
        nodes: PODS.map((p) => ({ name: p.name, address: p.ip, port: 6379, host: "", zone: "" })),
        shards: 2,
        replicasPerShard: 1,
        password: "pw",
        connectivity: "direct",
        readyTimeoutSeconds: 5,
        clusterNodeTimeoutMs: 5000,
        namespace: NS,
        podSelector: SELECTOR,
        kube: { kubeconfig },
    };
}

/** Runs `work`, returning what it printed with console.log (where the provider's warnings go). */
async function printed<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => lines.push(args.join(" "));
    try {
        return { value: await work(), lines };
    } finally {
        console.log = original;
    }
}

describe("pod placement from the Kubernetes API", function () {
    this.timeout(20000);
    let api: FakeKubeApi;
    let forbidding: FakeKubeApi;

    before(async () => {
        api = await startFakeKubeApi(NS, PODS, ZONES);
        forbidding = await startFakeKubeApi(NS, PODS, ZONES, { forbidNodes: true });
    });
    after(async () => Promise.all([api?.close(), forbidding?.close()]));

    it("direct connectivity: each pod gets the node and zone the API reports", async () => {
        const { value: nodes, lines } = await printed(() => resolveNodes(inputs(kubeconfigFor(api.url))));
        assert.deepStrictEqual(
            nodes.map((n) => [n.name, n.ip, n.host, n.zone]),
            [
                ["redis-cluster-0", "127.0.42.1", "node-0", "zone-a"],
                ["redis-cluster-1", "127.0.42.2", "node-1", "zone-b"],
                ["redis-cluster-2", "127.0.42.3", "node-0", "zone-a"],
                ["redis-cluster-3", "127.0.42.4", "node-1", "zone-b"],
            ],
        );
        assert.deepStrictEqual(lines, []);
    });

    it("a 403 on reading Nodes is a warning: pods keep their node, zones stay unknown", async () => {
        const { value: nodes, lines } = await printed(() => resolveNodes(inputs(kubeconfigFor(forbidding.url))));
        assert.deepStrictEqual(
            nodes.map((n) => [n.host, n.zone]),
            [
                ["node-0", ""],
                ["node-1", ""],
                ["node-0", ""],
                ["node-1", ""],
            ],
        );
        assert.strictEqual(lines.length, 1, lines.join("\n"));
        assert.match(
            lines[0],
            /warning: reading Nodes is forbidden \(403\) for node-0, node-1, so their zones are unknown.*Grant `get` on nodes/,
        );
    });

    it("port-forward discovery survives the same 403", async () => {
        const { value: forwarded } = await printed(() =>
            forwardToPods(
                NS,
                SELECTOR,
                PODS.map((p) => ({ name: p.name, address: "", port: 6379, host: "", zone: "" })),
                { kubeconfig: kubeconfigFor(forbidding.url) },
            ),
        );
        try {
            assert.deepStrictEqual(
                forwarded.nodes.map((n) => [n.host, n.zone]),
                [
                    ["node-0", ""],
                    ["node-1", ""],
                    ["node-0", ""],
                    ["node-1", ""],
                ],
            );
        } finally {
            await forwarded.close();
        }
    });

    it("an API that refuses connections is a warning naming why, and no placement", async () => {
        const closed = net.createServer();
        await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
        const { port } = closed.address() as net.AddressInfo;
        await new Promise((r) => closed.close(r));
        const { value: nodes, lines } = await printed(() => resolveNodes(inputs(kubeconfigFor(`http://127.0.0.1:${port}`))));
        assert.deepStrictEqual(
            nodes.map((n) => [n.ip, n.host, n.zone]),
            PODS.map((p) => [p.ip, "", ""]),
        );
        assert.strictEqual(lines.length, 1, lines.join("\n"));
        assert.match(
            lines[0],
            /warning: the Kubernetes API did not list the pods \(.*ECONNREFUSED.*\); the pods' Kubernetes nodes and zones are unknown/,
        );
    });

    it("an API that never answers is given up on within the bound", async () => {
        // Accepts connections and never replies.
        const held: net.Socket[] = [];
        const silent = net.createServer((socket) => held.push(socket));
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        try {
            const { value, lines } = await printed(() =>
                podPlacement(
                    NS,
                    SELECTOR,
                    { kubeconfig: kubeconfigFor(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`) },
                    300,
                ),
            );
            assert.strictEqual(value.size, 0);
            assert.match(lines.join("\n"), /did not list the pods \(no answer within 0.3 s\)/);
        } finally {
            held.forEach((socket) => socket.destroy());
            silent.close();
        }
    });

    it("pods of another cluster's API (other addresses) are not believed", async () => {
        const elsewhere = inputs(kubeconfigFor(api.url));
        elsewhere.nodes = elsewhere.nodes.map((n, i) => ({ ...n, address: `127.0.43.${i + 1}` }));
        const { value: nodes, lines } = await printed(() => resolveNodes(elsewhere));
        assert.deepStrictEqual(
            nodes.map((n) => [n.host, n.zone]),
            PODS.map(() => ["", ""]),
        );
        assert.match(
            lines.join("\n"),
            /warning: the Kubernetes API's pods redis-cluster-0 \(127\.0\.42\.1, not 127\.0\.43\.1\).* are not the pods formation reaches/,
        );
    });

    it("nodes given with their placement are not looked up", async () => {
        const given = inputs("not used");
        given.nodes = given.nodes.map((n, i) => ({ ...n, host: `h-${i}`, zone: `z-${i}` }));
        const { value: nodes, lines } = await printed(() => resolveNodes(given));
        assert.deepStrictEqual(
            nodes.map((n) => n.zone),
            ["z-0", "z-1", "z-2", "z-3"],
        );
        assert.deepStrictEqual(lines, []);
    });
});
