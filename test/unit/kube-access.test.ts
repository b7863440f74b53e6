// Formation reaches the cluster the component deployed to, not whatever the ambient kubeconfig
// points at: two API servers, KUBECONFIG names the first, the component's kubeconfig the second.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { forwardToPods, readSecretKey } from "../../components/formation/live/kube-access";
import { create } from "../../components/formation/runtime";
import { FakeKubeApi, kubeconfigFor, startFakeKubeApi } from "../support/fake-kube-api";

const NS = "redis-system";
const LABELS = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis-cluster" };
const SELECTOR = Object.entries(LABELS)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
const PODS = [0, 1, 2, 3, 4, 5].map((i) => `redis-cluster-${i}`);
const wanted = PODS.map((name) => ({ name, address: "", port: 6379, host: "", zone: "" }));

/** One API server whose pods have addresses 127.0.<octet>.x and whose TLS Secret holds `ca`. */
function startCluster(octet: number, ca: string): Promise<FakeKubeApi> {
    return startFakeKubeApi(
        NS,
        PODS.map((name, i) => ({ name, ip: `127.0.${octet}.${i + 1}`, nodeName: `node-${i % 3}`, labels: LABELS })),
        { "node-0": "a", "node-1": "b", "node-2": "c" },
        { secrets: { "redis-cluster-tls": { "ca.crt": ca } } },
    );
}

/** A kubeconfig with two contexts; `current` is the current-context. */
function twoContexts(urlA: string, urlB: string, current: string): string {
    const cluster = (name: string, url: string) => [
        `- name: ${name}`,
        "  cluster:",
        `    server: ${url}`,
        "    insecure-skip-tls-verify: true",
    ];
    return [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${current}`,
        "clusters:",
        ...cluster("a", urlA),
        ...cluster("b", urlB),
        "contexts:",
        "- name: a",
        "  context: {cluster: a, user: u}",
        "- name: b",
        "  context: {cluster: b, user: u}",
        "users:",
        "- name: u",
        "  user: {token: t}",
        "",
    ].join("\n");
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

describe("kube access: the configured cluster, not the ambient one", function () {
    this.timeout(30000);
    let ambient: FakeKubeApi;
    let target: FakeKubeApi;
    let dir: string;
    const saved = process.env.KUBECONFIG;

    before(async () => {
        ambient = await startCluster(8, "CA OF THE AMBIENT CLUSTER");
        target = await startCluster(9, "CA OF THE TARGET CLUSTER");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-access-"));
        fs.writeFileSync(path.join(dir, "ambient"), kubeconfigFor(ambient.url));
        process.env.KUBECONFIG = path.join(dir, "ambient");
    });

    after(async () => {
        if (saved === undefined) delete process.env.KUBECONFIG;
        else process.env.KUBECONFIG = saved;
        await Promise.all([ambient?.close(), target?.close()]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Discovers the pods with `access`, opens one forwarded connection, and says which API served both. */
    async function discover(access: Parameters<typeof forwardToPods>[3]): Promise<{ octets: string[]; forwardedBy: string }> {
        const before = { ambient: ambient.forwards[PODS[0]] ?? 0, target: target.forwards[PODS[0]] ?? 0 };
        const forwarded = await forwardToPods(NS, SELECTOR, wanted, access);
        try {
            const socket = net.connect(forwarded.nodes[0].connect!.port, "127.0.0.1");
            socket.on("error", () => undefined);
            await waitFor(
                () => (ambient.forwards[PODS[0]] ?? 0) > before.ambient || (target.forwards[PODS[0]] ?? 0) > before.target,
                "a port-forward",
            );
            socket.destroy();
        } finally {
            await forwarded.close();
        }
        return {
            octets: [...new Set(forwarded.nodes.map((n) => n.ip.split(".")[2]))],
            forwardedBy: (target.forwards[PODS[0]] ?? 0) > before.target ? "target" : "ambient",
        };
    }

    it("without access given, uses the ambient KUBECONFIG (the control case)", async () => {
        assert.deepStrictEqual(await discover(undefined), { octets: ["8"], forwardedBy: "ambient" });
        assert.strictEqual(await readSecretKey(NS, "redis-cluster-tls", "ca.crt"), "CA OF THE AMBIENT CLUSTER");
    });

    it("with a kubeconfig's contents, discovers, forwards and reads the CA in that cluster only", async () => {
        const access = { kubeconfig: kubeconfigFor(target.url) };
        assert.deepStrictEqual(await discover(access), { octets: ["9"], forwardedBy: "target" });
        assert.strictEqual(await readSecretKey(NS, "redis-cluster-tls", "ca.crt", access), "CA OF THE TARGET CLUSTER");
    });

    it("with a kubeconfig path, or a context of a kubeconfig, uses that cluster", async () => {
        fs.writeFileSync(path.join(dir, "target"), kubeconfigFor(target.url));
        assert.deepStrictEqual(await discover({ kubeconfig: path.join(dir, "target") }), { octets: ["9"], forwardedBy: "target" });
        const both = twoContexts(ambient.url, target.url, "a");
        assert.deepStrictEqual(await discover({ kubeconfig: both, context: "b" }), { octets: ["9"], forwardedBy: "target" });
        // The context applies to the ambient kubeconfig too (kubernetes:context without kubernetes:kubeconfig).
        fs.writeFileSync(path.join(dir, "ambient"), twoContexts(ambient.url, target.url, "a"));
        try {
            assert.deepStrictEqual(await discover({ context: "b" }), { octets: ["9"], forwardedBy: "target" });
        } finally {
            fs.writeFileSync(path.join(dir, "ambient"), kubeconfigFor(ambient.url));
        }
    });

    it("names an unknown context, and never quotes a kubeconfig it cannot read", async () => {
        await assert.rejects(
            forwardToPods(NS, SELECTOR, wanted, { kubeconfig: kubeconfigFor(target.url), context: "prod" }),
            /kubeContext "prod" is not a context of the kubeconfig \(it has: fake\)/,
        );
        const canary = "token: Canary-Credential-5f2e";
        await assert.rejects(forwardToPods(NS, SELECTOR, wanted, { kubeconfig: `{{ not yaml\n${canary}` }), (e: Error) => {
            assert.match(e.message, /neither an existing file nor kubeconfig YAML/);
            assert.ok(!e.message.includes("Canary"), e.message);
            return true;
        });
    });

    it("the formation runtime takes the cluster from its `kube` input", async () => {
        const forwardsBefore = Object.keys(ambient.forwards).length;
        // No Redis answers behind the fake pods: formation fails, but only after reaching them.
        await assert.rejects(
            create({
                nodes: wanted,
                shards: 3,
                replicasPerShard: 1,
                password: "pw",
                connectivity: "port-forward",
                readyTimeoutSeconds: 1,
                clusterNodeTimeoutMs: 5000,
                namespace: NS,
                podSelector: SELECTOR,
                kube: { kubeconfig: kubeconfigFor(target.url) },
            }),
        );
        assert.ok(Object.keys(target.forwards).length >= 1, JSON.stringify(target.forwards));
        assert.strictEqual(Object.keys(ambient.forwards).length, forwardsBefore);
    });
});
