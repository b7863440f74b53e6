// Two RedisCluster components side by side in one namespace, registered under Pulumi mocks the
// way a program registers them: no Kubernetes object, Pulumi resource or bucket prefix of one may
// be the other's, no selector of one (StatefulSet, Services, PDB, NetworkPolicies, ServiceMonitor)
// may select the other's pods, and the NetworkPolicy oracle says the cluster bus and the metrics
// port of one are closed to the other's pods.
import * as assert from "assert";
import { RedisCluster } from "../../components/redis-cluster";
import type { RedisClusterArgs } from "../../components/settings/args";
import { PORTS } from "../../components/settings/spec";
import { runUnderMocks } from "../../tools/pulumi-mocks";
import { Cluster, namespace, NetworkPolicy, PodEndpoint, selectorMatches } from "../support/network-policy-oracle";
import { podTemplates } from "../support/pod-templates";

const NS = "shared";
const common: RedisClusterArgs = {
    namespace: NS,
    backup: { s3: { enabled: true } },
    monitoring: { serviceMonitor: { enabled: true } },
    networkPolicy: { allowedNamespaces: ["llm-analytics"] },
};

async function twoInstances() {
    const run = await runUnderMocks(
        () => [
            new RedisCluster("sessions", common),
            // The first creates the namespace; a namespace is one object, whoever shares it.
            new RedisCluster("cache", { ...common, createNamespace: false }),
        ],
        { project: "p", stack: "s" },
    );
    const kube = (instance: string) =>
        run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.name.startsWith(`${instance}-`)).map((r) => r.inputs as any);
    return { run, sessions: kube("sessions"), cache: kube("cache") };
}

const id = (o: any) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const selectorsOf = (objects: any[]) =>
    objects.flatMap((o) => {
        const s = o.spec ?? {};
        if (o.kind === "NetworkPolicy") {
            const peers = [...(s.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(s.egress ?? []).flatMap((r: any) => r.to ?? [])];
            // Peer selectors of this namespace's pods (no namespaceSelector) are about pods beside it.
            return [
                { what: `${id(o)} podSelector`, selector: s.podSelector },
                ...peers
                    .filter((p: any) => p.podSelector && !p.namespaceSelector)
                    .map((p: any) => ({ what: `${id(o)} peer`, selector: p.podSelector })),
            ];
        }
        if (o.kind === "Service") return [{ what: id(o), selector: { matchLabels: s.selector } }];
        if (o.kind === "ServiceMonitor") return [{ what: id(o), selector: s.selector }];
        if (s.selector?.matchLabels) return [{ what: id(o), selector: s.selector }];
        return [];
    });

describe("two RedisClusters in one namespace", function () {
    this.timeout(60000);
    let r: Awaited<ReturnType<typeof twoInstances>>;

    before(async () => {
        r = await twoInstances();
    });

    it("take their object names from their resource names and share none", () => {
        const a = r.sessions.map(id);
        const b = r.cache.map(id);
        assert.ok(a.includes(`StatefulSet ${NS}/sessions`), a.join(", "));
        assert.ok(b.includes(`StatefulSet ${NS}/cache`), b.join(", "));
        for (const kind of [
            "Service",
            "ConfigMap",
            "Secret",
            "CronJob",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "ServiceMonitor",
            "PersistentVolumeClaim",
            "ServiceAccount",
        ]) {
            assert.ok(a.some((x) => x.startsWith(`${kind} `)) && b.some((x) => x.startsWith(`${kind} `)), `both render a ${kind}`);
        }
        assert.deepStrictEqual(
            a.filter((x) => b.includes(x)),
            [],
        );
        const names = r.run.resources.map((x) => `${x.type} ${x.name}`);
        assert.strictEqual(new Set(names).size, names.length, "two Pulumi resources share a type and name");
    });

    it("generate buckets under different prefixes, tagged with their own instance", () => {
        const buckets = r.run.resources.filter((x) => x.type === "aws:s3/bucket:Bucket").map((x) => x.inputs as any);
        assert.deepStrictEqual(buckets.map((b) => b.bucketPrefix).sort(), ["cache-backups-", "sessions-backups-"]);
        assert.deepStrictEqual(buckets.map((b) => b.tags["app.kubernetes.io/instance"]).sort(), ["cache", "sessions"]);
    });

    it("no selector of one selects a pod of the other", () => {
        const pods = (objects: any[]) => podTemplates(objects).map((t) => t.labels);
        for (const [mine, theirs] of [
            [r.sessions, r.cache],
            [r.cache, r.sessions],
        ]) {
            for (const { what, selector } of selectorsOf(mine)) {
                // An empty selector (the default-deny policy) selects every pod of the namespace on purpose.
                if (Object.keys(selector.matchLabels ?? {}).length === 0 && !(selector.matchExpressions ?? []).length) continue;
                for (const labels of pods(theirs))
                    assert.ok(!selectorMatches(selector, labels), `${what} selects ${JSON.stringify(labels)}`);
            }
        }
    });

    it("keep each one's cluster bus, metrics and backup access to its own pods", () => {
        const policies = [...r.sessions, ...r.cache].filter((o) => o.kind === "NetworkPolicy") as NetworkPolicy[];
        const world = new Cluster([namespace(NS), namespace("llm-analytics"), namespace("kube-system")], policies);
        const podOf = (objects: any[], component: string, ip: string): PodEndpoint => {
            const t = podTemplates(objects).find(
                (p) =>
                    p.labels["app.kubernetes.io/component"] === component ||
                    (component === "redis" && p.labels["app.kubernetes.io/name"] === "redis"),
            );
            assert.ok(t, `no ${component} pod template`);
            return { kind: "pod", name: `${component}-${ip}`, namespace: NS, labels: t.labels, ip, ports: [] };
        };
        const a = {
            redis: podOf(r.sessions, "redis", "10.1.0.1"),
            redis2: podOf(r.sessions, "redis", "10.1.0.2"),
            backup: podOf(r.sessions, "backup", "10.1.0.3"),
        };
        const b = { redis: podOf(r.cache, "redis", "10.1.1.1"), backup: podOf(r.cache, "backup", "10.1.1.3") };
        // Each one's own pods: the bus between its nodes, its backup job to its nodes.
        assert.ok(world.mayConnect(a.redis, a.redis2, PORTS.bus), "sessions' nodes reach each other's bus");
        assert.ok(world.mayConnect(a.backup, a.redis, PORTS.redis), "sessions' backup job reaches its nodes");
        assert.ok(world.mayConnect(b.backup, b.redis, PORTS.redis), "cache's backup job reaches its nodes");
        // The other's: no bus (a node of one must never join the other's cluster), no metrics, no backup access.
        for (const [from, to] of [
            [b.redis, a.redis],
            [a.redis, b.redis],
        ]) {
            assert.ok(!world.mayConnect(from, to, PORTS.bus), `${from.name} reaches ${to.name}'s cluster bus`);
            assert.ok(!world.mayConnect(from, to, PORTS.exporter), `${from.name} reaches ${to.name}'s metrics`);
        }
        assert.ok(!world.mayConnect(b.backup, a.redis, PORTS.redis), "cache's backup job reaches sessions' nodes");
        assert.ok(!world.mayConnect(a.backup, b.redis, PORTS.redis), "sessions' backup job reaches cache's nodes");
    });
});

describe("the objects' base name", () => {
    it("is the name setting when given, else the resource name, which must be a valid one", async () => {
        const run = await runUnderMocks(() => new RedisCluster("x", { name: "explicit", backup: { enabled: false } }), {
            project: "p",
            stack: "s",
        });
        assert.ok(run.resources.some((x) => x.type === "kubernetes:apps/v1:StatefulSet" && (x.inputs as any).metadata.name === "explicit"));
        await assert.rejects(
            runUnderMocks(() => new RedisCluster("Sessions_Cache", {}), { project: "p", stack: "s" }),
            /name: got "Sessions_Cache"; set, because the component's resource name/,
        );
    });
});
