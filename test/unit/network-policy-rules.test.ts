// The NetworkPolicy -> nftables translator (local mode's enforcement), on the stacks' rendered
// policies and on hand-written ones. What each rule must allow follows the NetworkPolicy API
// documentation; the integration test (network-policy-enforcement) loads the same output into
// the kernel and checks what it then accepts and refuses against the oracle.
import * as assert from "assert";
import { buildAllObjects } from "../../components/kubernetes";
import type { KubeObject } from "../../components/kubernetes/object";
import { PORTS, resolveSpec } from "../../components/settings/spec";
import { buildRuleset, LocalPodIdentity, matchesSelector, Policy, RulesetInput } from "../../local/network-policy-rules";
import { policedPodsOf } from "../../local/policed-pods";
import { renderedStack } from "../support/render-stacks";

/** The lines of chain `name` in a ruleset, trimmed. */
function chain(ruleset: string, name: string): string[] {
    const lines = ruleset.split("\n");
    const start = lines.indexOf(`  chain ${name} {`);
    assert.ok(start >= 0, `no chain ${name} in:\n${ruleset}`);
    const end = lines.indexOf("  }", start);
    return lines.slice(start + 1, end).map((l) => l.trim());
}

/** The chain judging `address` in `direction`, found through the police chain's verdict map. */
function chainOf(ruleset: string, address: string, direction: "ingress" | "egress"): string[] | undefined {
    const m = new RegExp(`${address.replace(/\./g, "\\.")} : jump (${direction}-\\d+)`).exec(ruleset);
    return m ? chain(ruleset, m[1]) : undefined;
}

const pod = (name: string, address: string, labels: Record<string, string>, namespace = "ns"): LocalPodIdentity => ({
    name,
    namespace,
    labels,
    address,
});

const input = (pods: LocalPodIdentity[], policies: Policy[], extra: Partial<RulesetInput> = {}): RulesetInput => ({
    table: "t",
    pods,
    policies,
    markBase: 0x1000000,
    ...extra,
});

const netpol = (name: string, spec: Policy["spec"], namespace = "ns"): Policy => ({ metadata: { name, namespace }, spec });

/** The stack's pods at local addresses: the StatefulSets' pods from .11 (Sentinels from .31) and the Job pods. */
function stackPods(objects: KubeObject[]) {
    const sets = objects.filter((o) => o.kind === "StatefulSet") as any[];
    return policedPodsOf(
        objects,
        sets.flatMap((sts, i) =>
            Array.from({ length: sts.spec.replicas }, (_, n) => ({
                name: `${sts.metadata.name}-${n}`,
                address: `127.0.0.${11 + 20 * i + n}`,
                statefulSet: sts.metadata.name,
            })),
        ),
    );
}

describe("NetworkPolicies as nftables rules (local mode)", function () {
    this.timeout(60000);

    it("dev stack: Redis pods take the client and bus ports from each other and the client port from the Job pods only", async () => {
        const objects = (await renderedStack("dev")).kubernetes as KubeObject[];
        const pods = stackPods(objects);
        const ruleset = buildRuleset(input(pods, objects.filter((o) => o.kind === "NetworkPolicy") as unknown as Policy[]));
        const redis = pods.filter((p) => p.name.startsWith("redis-cluster-")).map((p) => p.address);
        assert.strictEqual(redis.length, 6);
        const job = pods.find((p) => p.name === "jobs")!;
        assert.strictEqual(job.labels["app.kubernetes.io/component"], "backup");
        const ingress = chainOf(ruleset, redis[0], "ingress")!;
        assert.ok(
            ingress.includes(
                `ip saddr { ${redis.join(", ")} } meta l4proto tcp th dport { ${PORTS.redis}, ${PORTS.bus} } return comment "redis-cluster-redis-peers"`,
            ),
            ingress.join("\n"),
        );
        assert.ok(
            ingress.includes(
                `ip saddr { ${job.address} } meta l4proto tcp th dport { ${PORTS.redis} } return comment "redis-cluster-redis-clients"`,
            ),
            ingress.join("\n"),
        );
        // Prometheus's namespace has no pod here: the metrics policy allows no local address.
        assert.ok(!ingress.some((l) => l.includes(String(PORTS.exporter))));
        assert.strictEqual(ingress[ingress.length - 1], "goto refuse");
        // Nothing may reach the Job pods; they reach Redis, DNS and HTTPS anywhere.
        assert.deepStrictEqual(chainOf(ruleset, job.address, "ingress"), ["goto refuse"]);
        const jobEgress = chainOf(ruleset, job.address, "egress")!;
        assert.ok(
            jobEgress.includes(`ip daddr 0.0.0.0/0 meta l4proto tcp th dport { 443 } return comment "redis-cluster-backup"`),
            jobEgress.join("\n"),
        );
        // Every pod's processes are tagged by its cgroup and leave from its address.
        for (const p of pods) assert.ok(!p.cgroup, "identities carry no cgroup until the applier gives them one");
    });

    it("sentinel topology: Redis pods reach the Sentinel port (their scripts ask the Sentinels), as the Sentinels do", () => {
        const spec = resolveSpec({ topology: "sentinel" });
        const objects = buildAllObjects(spec, "x");
        const pods = stackPods(objects);
        const ruleset = buildRuleset(input(pods, objects.filter((o) => o.kind === "NetworkPolicy") as unknown as Policy[]));
        const redis = pods.find((p) => p.labels["app.kubernetes.io/component"] === "redis")!;
        const sentinels = pods.filter((p) => p.labels["app.kubernetes.io/component"] === "sentinel").map((p) => p.address);
        assert.strictEqual(sentinels.length, 3);
        assert.ok(chainOf(ruleset, redis.address, "egress")!.some((l) => l.includes(String(PORTS.sentinel))));
        const sentinelIngress = chainOf(ruleset, sentinels[0], "ingress")!;
        assert.ok(
            sentinelIngress.some((l) => l.includes(`th dport { ${PORTS.sentinel} }`) && sentinels.every((a) => l.includes(a))),
            sentinelIngress.join("\n"),
        );
        assert.ok(
            sentinelIngress.some((l) => l.includes(`th dport { ${PORTS.sentinel} }`) && l.includes(redis.address)),
            sentinelIngress.join("\n"),
        );
    });

    it("peers: namespace and pod selectors AND-ed in one peer, ipBlock with except, no peers meaning everyone", () => {
        const pods = [
            pod("db", "127.0.0.11", { app: "db" }),
            pod("api", "127.0.0.12", { app: "api" }, "apps"),
            pod("batch", "127.0.0.13", { app: "batch" }, "apps"),
            pod("api-here", "127.0.0.14", { app: "api" }),
        ];
        const ruleset = buildRuleset(
            input(pods, [
                netpol("db", {
                    podSelector: { matchLabels: { app: "db" } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        {
                            from: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } },
                                    podSelector: { matchLabels: { app: "api" } },
                                },
                            ],
                            ports: [{ port: 5432 }],
                        },
                        {
                            from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }],
                            ports: [{ protocol: "UDP", port: 7000, endPort: 7010 }],
                        },
                    ],
                    egress: [{ ports: [{ protocol: "TCP" }] }],
                }),
            ]),
        );
        const ingress = chainOf(ruleset, "127.0.0.11", "ingress")!;
        assert.deepStrictEqual(ingress, [
            // Only api of namespace apps: not batch (other labels), not api-here (other namespace).
            'ip saddr { 127.0.0.12 } meta l4proto tcp th dport { 5432 } return comment "db"',
            'ip saddr 10.0.0.0/8 ip saddr != { 10.1.0.0/16 } meta l4proto udp th dport { 7000-7010 } return comment "db"',
            "goto refuse",
        ]);
        // No `to`: every peer; a port without a number: every port of its protocol.
        assert.deepStrictEqual(chainOf(ruleset, "127.0.0.11", "egress"), ['meta l4proto tcp return comment "db"', "goto refuse"]);
        // Pods no policy selects are not isolated: no chain judges them.
        assert.strictEqual(chainOf(ruleset, "127.0.0.12", "ingress"), undefined);
    });

    it("named ports resolve against the destination pod in ingress; in egress they are refused with a reason", () => {
        const db = { ...pod("db", "127.0.0.11", { app: "db" }), ports: [{ name: "sql", containerPort: 5432 }] };
        const named = (direction: "ingress" | "egress") =>
            netpol("db", {
                podSelector: {},
                policyTypes: [direction === "ingress" ? "Ingress" : "Egress"],
                [direction]: [{ ports: [{ port: "sql" }] }],
            });
        assert.deepStrictEqual(chainOf(buildRuleset(input([db], [named("ingress")])), "127.0.0.11", "ingress"), [
            'meta l4proto tcp th dport { 5432 } return comment "db"',
            "goto refuse",
        ]);
        assert.throws(() => buildRuleset(input([db], [named("egress")])), /named ports are enforced locally in ingress rules only/);
    });

    it("a local stand-in (the S3 endpoint) is reachable where the policy allows its remote port to an address range covering it", () => {
        const pods = [pod("job", "127.0.0.51", { app: "job" })];
        const egress = (cidr: string, port: number) =>
            chainOf(
                buildRuleset(
                    input(
                        pods,
                        [
                            netpol("job", {
                                podSelector: {},
                                policyTypes: ["Egress"],
                                egress: [{ to: [{ ipBlock: { cidr } }], ports: [{ port }] }],
                            }),
                        ],
                        { standIns: [{ port: 443, address: "127.0.0.1", localPort: 19411, what: "the local S3 endpoint" }] },
                    ),
                ),
                "127.0.0.51",
                "egress",
            )!;
        assert.ok(
            egress("0.0.0.0/0", 443).includes(
                'ip daddr 127.0.0.1 meta l4proto tcp th dport 19411 return comment "the local S3 endpoint stands in for port 443"',
            ),
        );
        assert.ok(!egress("0.0.0.0/0", 80).some((l) => l.includes("19411")), "port 80 is not S3's");
        assert.ok(!egress("52.0.0.0/8", 443).some((l) => l.includes("19411")), "the range does not cover the stand-in");
    });

    it("every pod's processes are tagged by its cgroup and leave from its address; the host is accepted, not judged", () => {
        const ruleset = buildRuleset(input([{ ...pod("a", "127.0.0.11", {}), cgroup: { path: "unified/t/a", level: 2 } }], []));
        assert.deepStrictEqual(chain(ruleset, "attribute").slice(1), [
            'socket cgroupv2 level 2 "unified/t/a" meta mark set 0x1000000 comment "a"',
        ]);
        assert.deepStrictEqual(chain(ruleset, "source").slice(1), [
            'oifname "lo" ip saddr 127.0.0.1 meta mark 0x1000000 snat ip to 127.0.0.11 comment "a"',
        ]);
        assert.ok(chain(ruleset, "police").some((l) => l.startsWith("ip saddr 127.0.0.1 add @accepted")));
    });

    it("refuses what it cannot enforce: two pods on one address, CronJobs whose pods differ in labels", () => {
        assert.throws(
            () => buildRuleset(input([pod("a", "127.0.0.11", {}), pod("b", "127.0.0.11", {})], [])),
            /address 127.0.0.11 is given to more than one pod/,
        );
        const cron = (name: string, labels: Record<string, string>) =>
            ({
                apiVersion: "batch/v1",
                kind: "CronJob",
                metadata: { name, namespace: "ns" },
                spec: { jobTemplate: { spec: { template: { metadata: { labels }, spec: { containers: [] } } } } },
            }) as unknown as KubeObject;
        assert.throws(
            () => policedPodsOf([cron("hourly", { a: "1" }), cron("daily", { a: "2" })], []),
            /CronJobs hourly and daily label their pods differently \(\{"a":"1"\} vs \{"a":"2"\}\)/,
        );
    });

    it("label selectors follow the Kubernetes semantics", () => {
        const labels = { app: "redis", tier: "db" };
        const cases: [Parameters<typeof matchesSelector>[0], boolean][] = [
            [{}, true],
            [{ matchLabels: { app: "redis" } }, true],
            [{ matchLabels: { app: "redis", tier: "cache" } }, false],
            [{ matchExpressions: [{ key: "tier", operator: "In", values: ["db", "cache"] }] }, true],
            [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }, false],
            [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, true],
            [{ matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
            [{ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
        ];
        for (const [selector, expected] of cases) assert.strictEqual(matchesSelector(selector, labels), expected, JSON.stringify(selector));
        assert.throws(
            () => matchesSelector({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, labels),
            /operator Gt is not one of In, NotIn, Exists, DoesNotExist/,
        );
    });
});
