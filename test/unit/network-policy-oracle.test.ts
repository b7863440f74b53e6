// The NetworkPolicy oracle is checked here against the documented semantics, case by case, before
// the policy matrix trusts its answers.
import * as assert from "assert";
import { Cluster, Endpoint, namespace, NetworkPolicy, PodEndpoint, selectorMatches } from "../support/network-policy-oracle";

const pod = (name: string, ns: string, labels: Record<string, string>, ip: string, ports?: PodEndpoint["ports"]): PodEndpoint => ({
    kind: "pod",
    name,
    namespace: ns,
    labels,
    ip,
    ports,
});

const NAMESPACES = [namespace("db"), namespace("apps", { team: "a" }), namespace("other")];
const server = pod("server", "db", { app: "server" }, "10.0.0.1", [
    { name: "redis", containerPort: 6379 },
    { name: "dns", containerPort: 53, protocol: "UDP" },
]);
const dbClient = pod("db-client", "db", { app: "client" }, "10.0.0.2");
const appsClient = pod("apps-client", "apps", { app: "client" }, "10.0.1.2");
const appsOther = pod("apps-other", "apps", { app: "other" }, "10.0.1.3");
const otherClient = pod("other-client", "other", { app: "client" }, "10.0.2.2");
const internet: Endpoint = { kind: "external", name: "internet", ip: "203.0.113.9" };
const internet6: Endpoint = { kind: "external", name: "internet6", ip: "2001:db8::9" };

const np = (name: string, ns: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace: ns }, spec });
const serverSel = { matchLabels: { app: "server" } };
const ingressFrom = (from: any[] | undefined, ports?: any[]) =>
    np("p", "db", {
        podSelector: serverSel,
        policyTypes: ["Ingress"],
        ingress: [{ ...(from ? { from } : {}), ...(ports ? { ports } : {}) }],
    });

describe("NetworkPolicy oracle", () => {
    it("allows everything when no policy selects a pod", () => {
        const c = new Cluster(NAMESPACES, [np("elsewhere", "apps", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })]);
        assert.strictEqual(c.mayConnect(otherClient, server, 6379), true);
        assert.strictEqual(c.mayConnect(server, internet, 443), true);
        // The policy of namespace apps isolates apps' pods only.
        assert.strictEqual(c.mayConnect(otherClient, appsClient, 80), false);
    });

    it("isolates only in the directions of policyTypes, defaulting to Ingress plus Egress when egress rules exist", () => {
        const ingressOnly = new Cluster(NAMESPACES, [np("deny", "db", { podSelector: {}, policyTypes: ["Ingress"] })]);
        assert.strictEqual(ingressOnly.mayConnect(appsClient, server, 6379), false);
        assert.strictEqual(ingressOnly.mayConnect(server, appsClient, 6379), true);
        const defaulted = new Cluster(NAMESPACES, [np("d", "db", { podSelector: serverSel })]);
        assert.strictEqual(defaulted.mayConnect(appsClient, server, 6379), false);
        assert.strictEqual(defaulted.mayConnect(server, appsClient, 6379), true);
        const withEgress = new Cluster(NAMESPACES, [
            np("d", "db", { podSelector: serverSel, egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] }),
        ]);
        assert.strictEqual(withEgress.mayConnect(appsClient, server, 6379), false, "ingress isolated by default");
        assert.strictEqual(withEgress.mayConnect(server, appsClient, 6379), false, "egress isolated because egress rules exist");
        assert.strictEqual(withEgress.mayConnect(server, appsClient, 53, "UDP"), true);
    });

    it("needs both ends: the source's egress and the destination's ingress", () => {
        const c = new Cluster(NAMESPACES, [
            ingressFrom([{ namespaceSelector: {} }]),
            np("apps-egress", "apps", {
                podSelector: { matchLabels: { app: "client" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }],
            }),
        ]);
        assert.strictEqual(c.mayConnect(otherClient, server, 6379), true);
        assert.strictEqual(c.mayConnect(appsClient, server, 6379), false, "apps-client may only leave on 443");
        assert.strictEqual(c.mayConnect(appsOther, server, 6379), true, "apps-other is not selected by the egress policy");
    });

    it("reads a podSelector peer in the policy's own namespace only", () => {
        const c = new Cluster(NAMESPACES, [ingressFrom([{ podSelector: { matchLabels: { app: "client" } } }])]);
        assert.strictEqual(c.mayConnect(dbClient, server, 6379), true);
        assert.strictEqual(c.mayConnect(appsClient, server, 6379), false);
    });

    it("reads namespaceSelector alone as every pod of those namespaces, and both in one peer as AND", () => {
        const nsOnly = new Cluster(NAMESPACES, [ingressFrom([{ namespaceSelector: { matchLabels: { team: "a" } } }])]);
        assert.deepStrictEqual(
            [appsClient, appsOther, otherClient, dbClient].map((p) => nsOnly.mayConnect(p, server, 6379)),
            [true, true, false, false],
        );
        const and = new Cluster(NAMESPACES, [
            ingressFrom([{ namespaceSelector: { matchLabels: { team: "a" } }, podSelector: { matchLabels: { app: "client" } } }]),
        ]);
        assert.deepStrictEqual(
            [appsClient, appsOther, otherClient, dbClient].map((p) => and.mayConnect(p, server, 6379)),
            [true, false, false, false],
        );
        const or = new Cluster(NAMESPACES, [
            ingressFrom([{ namespaceSelector: { matchLabels: { team: "a" } } }, { podSelector: { matchLabels: { app: "client" } } }]),
        ]);
        assert.deepStrictEqual(
            [appsClient, appsOther, otherClient, dbClient].map((p) => or.mayConnect(p, server, 6379)),
            [true, true, false, true],
        );
    });

    it("treats a rule without peers, or with an empty list, as every peer, and an ingress list without rules as none", () => {
        for (const from of [undefined, []]) {
            const c = new Cluster(NAMESPACES, [ingressFrom(from, [{ port: 6379 }])]);
            assert.strictEqual(c.mayConnect(internet, server, 6379), true);
            assert.strictEqual(c.mayConnect(otherClient, server, 6380), false);
        }
        const none = new Cluster(NAMESPACES, [np("p", "db", { podSelector: serverSel, policyTypes: ["Ingress"], ingress: [] })]);
        assert.strictEqual(none.mayConnect(dbClient, server, 6379), false);
    });

    it("matches ipBlock by address with exceptions, IPv4 and IPv6; external addresses match nothing else", () => {
        const c = new Cluster(NAMESPACES, [
            ingressFrom([
                { ipBlock: { cidr: "203.0.113.0/24", except: ["203.0.113.128/25"] } },
                { ipBlock: { cidr: "2001:db8::/32" } },
                { namespaceSelector: {} },
            ]),
        ]);
        assert.strictEqual(c.mayConnect(internet, server, 6379), true);
        assert.strictEqual(c.mayConnect({ kind: "external", name: "x", ip: "203.0.113.200" }, server, 6379), false, "in except");
        assert.strictEqual(
            c.mayConnect({ kind: "external", name: "y", ip: "198.51.100.1" }, server, 6379),
            false,
            "namespaceSelector {} matches pods only",
        );
        assert.strictEqual(c.mayConnect(internet6, server, 6379), true);
    });

    it("matches ports by number, protocol (TCP by default), name on the destination pod, and endPort ranges", () => {
        const c = new Cluster(NAMESPACES, [
            ingressFrom(undefined, [
                { port: "redis" },
                { port: 7000, endPort: 7005 },
                { protocol: "UDP", port: "dns" },
                { protocol: "SCTP" },
            ]),
        ]);
        assert.strictEqual(c.mayConnect(dbClient, server, 6379), true, "named port redis");
        assert.strictEqual(c.mayConnect(dbClient, server, 6379, "UDP"), false, "named port redis is TCP");
        assert.strictEqual(c.mayConnect(dbClient, server, 53, "UDP"), true, "named port dns");
        assert.strictEqual(c.mayConnect(dbClient, server, 7000), true);
        assert.strictEqual(c.mayConnect(dbClient, server, 7005), true);
        assert.strictEqual(c.mayConnect(dbClient, server, 7006), false);
        assert.strictEqual(c.mayConnect(dbClient, server, 9999, "SCTP"), true, "protocol without port");
        assert.strictEqual(c.mayConnect(dbClient, server, 9999), false);
    });

    it("adds policies up: any policy selecting the pod may allow", () => {
        const c = new Cluster(NAMESPACES, [
            ingressFrom([{ podSelector: { matchLabels: { app: "client" } } }], [{ port: 6379 }]),
            np("metrics", "db", {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "other" } } }], ports: [{ port: 9121 }] },
                ],
            }),
        ]);
        assert.strictEqual(c.mayConnect(dbClient, server, 6379), true);
        assert.strictEqual(c.mayConnect(otherClient, server, 9121), true);
        assert.strictEqual(c.mayConnect(otherClient, server, 6379), false);
        assert.strictEqual(c.mayConnect(dbClient, server, 9121), false);
    });

    it("evaluates label selector expressions", () => {
        const labels = { a: "1", b: "2" };
        assert.ok(selectorMatches({}, labels));
        assert.ok(
            selectorMatches({ matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "In", values: ["2", "3"] }] }, labels),
        );
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "b", operator: "NotIn", values: ["2"] }] }, labels));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "c", operator: "NotIn", values: ["2"] }] }, labels));
        assert.ok(
            selectorMatches(
                {
                    matchExpressions: [
                        { key: "a", operator: "Exists" },
                        { key: "c", operator: "DoesNotExist" },
                    ],
                },
                labels,
            ),
        );
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "c", operator: "In", values: [""] }] }, labels));
        assert.ok(!selectorMatches({ matchLabels: { a: "2" } }, labels));
    });
});
