// The node agent's pure parts: DNS from EndpointSlices, pod status, volume items, back-off, Nodes.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backoffMs } from "../../kube/node/container";
import { dnsEntries } from "../../kube/node/cluster-dns";
import { localNodes, nodeObject } from "../../kube/node/nodes";
import { nodeNetwork } from "../../kube/node/network";
import { podStatus, PodView } from "../../kube/node/pod-status";
import { selectItems, writeFiles } from "../../kube/node/volumes";

const slice = (service: string, endpoints: any[]) => ({
    metadata: { namespace: "redis-system", labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    endpoints,
});

describe("node agent: cluster DNS from EndpointSlices", () => {
    it("names each hostname endpoint of a headless Service and points the Service at its lowest ready address", () => {
        const entries = dnsEntries([
            slice("redis-headless", [
                { addresses: ["198.19.2.7"], hostname: "redis-1", conditions: { ready: true } },
                { addresses: ["198.19.1.9"], hostname: "redis-0", conditions: { ready: true } },
                { addresses: ["198.19.3.4"], hostname: "redis-2", conditions: { ready: false } },
            ]),
        ]);
        const byName = Object.fromEntries(entries.map((e) => [e.name, e.address]));
        assert.strictEqual(byName["redis-0.redis-headless.redis-system.svc.cluster.local"], "198.19.1.9");
        assert.strictEqual(byName["redis-1.redis-headless.redis-system.svc.cluster.local"], "198.19.2.7");
        assert.strictEqual(byName["redis-2.redis-headless.redis-system.svc.cluster.local"], undefined, "a not-ready endpoint has no name");
        for (const name of [
            "redis-headless.redis-system",
            "redis-headless.redis-system.svc",
            "redis-headless.redis-system.svc.cluster.local",
        ]) {
            assert.strictEqual(byName[name], "198.19.1.9", name);
        }
    });

    it("ignores slices of other address types and slices without a Service", () => {
        assert.deepStrictEqual(
            dnsEntries([
                { ...slice("x", [{ addresses: ["fd00::1"] }]), addressType: "IPv6" },
                { metadata: {}, addressType: "IPv4", endpoints: [] },
            ]),
            [],
        );
    });
});

describe("node agent: pod status", () => {
    const view = (over: Partial<PodView>): PodView => ({
        phase: "Running",
        ip: "198.19.1.2",
        hostIP: "198.19.1.1",
        startTime: "2026-01-01T00:00:00Z",
        initialized: true,
        initContainers: [],
        containers: [{ name: "redis", image: "redis:7", running: true, ready: true, started: true, restarts: 2, startedAt: "t" }],
        ...over,
    });

    it("is Ready only when every container is ready, with the pod's address and restart counts", () => {
        const s = podStatus(view({}), undefined);
        assert.strictEqual(s.podIP, "198.19.1.2");
        assert.strictEqual(s.conditions.find((c: any) => c.type === "Ready").status, "True");
        assert.strictEqual(s.containerStatuses[0].restartCount, 2);
        assert.ok(s.containerStatuses[0].state.running);
        const notReady = podStatus(
            view({ containers: [{ name: "redis", image: "redis:7", running: true, ready: false, started: true, restarts: 0 }] }),
            undefined,
        );
        assert.strictEqual(notReady.conditions.find((c: any) => c.type === "Ready").status, "False");
    });

    it("keeps a condition's transition time while its value holds", () => {
        const first = podStatus(view({}), { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2020-01-01T00:00:00Z" }] });
        assert.strictEqual(first.conditions.find((c: any) => c.type === "Ready").lastTransitionTime, "2020-01-01T00:00:00Z");
    });

    it("reports a finished container as terminated with its exit code", () => {
        const s = podStatus(
            view({
                phase: "Failed",
                containers: [
                    {
                        name: "job",
                        image: "x",
                        running: false,
                        ready: false,
                        started: false,
                        restarts: 0,
                        terminated: { exitCode: 3, reason: "Error", startedAt: "a", finishedAt: "b" },
                    },
                ],
            }),
            undefined,
        );
        assert.strictEqual(s.phase, "Failed");
        assert.strictEqual(s.containerStatuses[0].state.terminated.exitCode, 3);
    });
});

describe("node agent: volumes, back-off, Nodes", () => {
    it("selects and renames items, or takes every key", () => {
        assert.deepStrictEqual(selectItems({ a: "1", b: "2" }, [{ key: "b", path: "sub/b.txt" }]), { "sub/b.txt": "2" });
        assert.deepStrictEqual(selectItems({ a: "1" }), { a: "1" });
    });

    it("replaces a file volume in one step and reports whether it changed", () => {
        const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vol-")), "auth");
        assert.strictEqual(writeFiles(dir, { "admin-password": "one" }), true);
        assert.strictEqual(writeFiles(dir, { "admin-password": "one" }), false);
        assert.strictEqual(writeFiles(dir, { "admin-password": "two", "app-password": "x" }), true);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["admin-password", "app-password"]);
        assert.strictEqual(fs.readFileSync(path.join(dir, "admin-password"), "utf8"), "two");
    });

    it("backs off crashes as the kubelet does: 10 s doubling to 5 minutes", () => {
        assert.deepStrictEqual([1, 2, 3, 6, 20].map(backoffMs), [10_000, 20_000, 40_000, 300_000, 300_000]);
    });

    it("gives each node its own zone, hostname label and address block", () => {
        const nodes = localNodes(3, nodeNetwork);
        assert.deepStrictEqual(
            nodes.map((n) => [n.name, n.zone, n.network.address]),
            [
                ["local-node-1", "zone-a", "198.19.1.1"],
                ["local-node-2", "zone-b", "198.19.2.1"],
                ["local-node-3", "zone-c", "198.19.3.1"],
            ],
        );
        const labels = nodeObject(nodes[1]).metadata.labels;
        assert.strictEqual(labels["topology.kubernetes.io/zone"], "zone-b");
        assert.strictEqual(labels["kubernetes.io/hostname"], "local-node-2");
    });
});
