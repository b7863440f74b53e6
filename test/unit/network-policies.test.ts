// "May A reach B on port P?" for every pair that matters, answered by the NetworkPolicy oracle over
// the policies as rendered (prod and dev stacks) or built (variants), against the expected answer.
// Redis pods carry the labels and ports of the rendered StatefulSet's template; Sentinel and backup
// pods those of their rendered templates when the stack has them, else the spec's selector labels.
import * as assert from "assert";
import { buildAllObjects } from "../../components/kubernetes";
import type { KubeObject } from "../../components/kubernetes/object";
import { packageRoot } from "../../components/package-files";
import { ClusterSpec, PORTS, resolveSpec } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { Cluster, Endpoint, namespace, NetworkPolicy, PodEndpoint, selectorMatches } from "../support/network-policy-oracle";
import { allContainers, podTemplates } from "../support/pod-templates";
import { renderedStack } from "../support/render-stacks";

const CLIENT_NS = "llm-analytics";

/** The pods of one pod group: a rendered template's labels and ports, or the selector labels. */
function groupPod(objects: KubeObject[], selector: Record<string, string>, component: string) {
    const t = podTemplates(objects).find((p) => selectorMatches({ matchLabels: selector }, p.labels));
    return {
        labels: t ? t.labels : { ...selector, "app.kubernetes.io/component": component },
        ports: t ? allContainers(t.spec).flatMap((c: any) => c.ports ?? []) : [],
    };
}

function world(spec: ClusterSpec, objects: KubeObject[]) {
    const ns = spec.names.namespace;
    const pod = (
        name: string,
        namespace: string,
        labels: Record<string, string>,
        ip: string,
        ports: PodEndpoint["ports"] = [],
    ): PodEndpoint => ({ kind: "pod", name, namespace, labels, ip, ports });
    const redis = groupPod(objects, spec.selectorLabels, "redis");
    const sentinel = groupPod(objects, spec.sentinelSelectorLabels, "sentinel");
    const backup = groupPod(objects, spec.backupSelectorLabels, "backup");
    const endpoints: Record<string, Endpoint> = {
        "redis-0": pod("redis-0", ns, redis.labels, "10.1.0.10", redis.ports),
        "redis-1": pod("redis-1", ns, redis.labels, "10.1.0.11", redis.ports),
        "sentinel-0": pod("sentinel-0", ns, sentinel.labels, "10.1.0.20", sentinel.ports),
        "sentinel-1": pod("sentinel-1", ns, sentinel.labels, "10.1.0.21", sentinel.ports),
        backup: pod("backup", ns, backup.labels, "10.1.0.30", backup.ports),
        "stranger (same namespace)": pod("stranger", ns, { app: "debug" }, "10.1.0.40"),
        "labelled app (same namespace)": pod("labelled", ns, { app: "analytics-api" }, "10.1.0.41"),
        "client (allowed namespace)": pod("client", CLIENT_NS, { app: "analytics-api" }, "10.2.0.10"),
        "batch (allowed namespace, other labels)": pod("batch", CLIENT_NS, { app: "batch" }, "10.2.0.11"),
        "other namespace": pod("payments", "payments", { app: "analytics-api" }, "10.3.0.10"),
        prometheus: pod("prometheus", "monitoring", { "app.kubernetes.io/name": "prometheus" }, "10.4.0.10"),
        "grafana (monitoring namespace)": pod("grafana", "monitoring", { "app.kubernetes.io/name": "grafana" }, "10.4.0.11"),
        "other kube-system pod": pod("metrics-server", "kube-system", { "k8s-app": "metrics-server" }, "10.5.0.11"),
        "DNS server (internet)": { kind: "external", name: "resolver", ip: "203.0.113.53" },
        "node-local DNS cache": { kind: "external", name: "nodelocaldns", ip: "169.254.20.10" },
        "cluster DNS": pod("coredns", "kube-system", { "k8s-app": "kube-dns" }, "10.5.0.10"),
        "S3 (internet)": { kind: "external", name: "s3", ip: "52.216.10.1" },
        "S3 VPC endpoint": { kind: "external", name: "s3-endpoint", ip: "10.0.12.34" },
        "pulumi host (outside)": { kind: "external", name: "pulumi", ip: "192.0.2.50" },
    };
    const namespaces = [ns, CLIENT_NS, "payments", "monitoring", "kube-system"].map((n) => namespace(n));
    const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicy[];
    return { cluster: new Cluster(namespaces, policies), endpoints };
}

type Row = [from: string, to: string, port: number, expected: boolean, protocol?: string];

function checkMatrix(spec: ClusterSpec, objects: KubeObject[], rows: Row[]): void {
    const { cluster, endpoints } = world(spec, objects);
    const wrong = rows
        .filter(([from, to, port, expected, protocol]) => {
            assert.ok(endpoints[from] && endpoints[to], `unknown endpoint in row ${from} -> ${to}`);
            return cluster.mayConnect(endpoints[from], endpoints[to], port, protocol ?? "TCP") !== expected;
        })
        .map(
            ([from, to, port, expected, protocol]) =>
                `${from} -> ${to}:${port}/${protocol ?? "TCP"} should be ${expected ? "allowed" : "denied"}`,
        );
    assert.deepStrictEqual(wrong, []);
}

const stackSpec = (stack: string) => {
    const { project, config } = readStackConfig(packageRoot, stack);
    return resolveSpec(argsFromConfig(config, project));
};

const { redis: R, bus: BUS, exporter: METRICS, sentinel: SENTINEL } = PORTS;

// Who may reach Redis itself, with the allowed-namespace client of prod.
const REDIS_ROWS: Row[] = [
    ["redis-0", "redis-1", R, true],
    ["redis-0", "redis-1", BUS, true],
    ["redis-1", "redis-0", BUS, true],
    ["redis-0", "redis-1", METRICS, false],
    ["redis-0", "cluster DNS", 53, true, "UDP"],
    ["redis-0", "cluster DNS", 53, true],
    // DNS goes to the cluster's DNS pods only: not a way out to any address.
    ["redis-0", "DNS server (internet)", 53, false, "UDP"],
    ["redis-0", "DNS server (internet)", 53, false],
    ["redis-0", "other kube-system pod", 53, false, "UDP"],
    ["redis-0", "S3 (internet)", 443, false],
    ["redis-0", "client (allowed namespace)", R, false],
    ["redis-0", "backup", 8080, false],
    ["prometheus", "redis-0", METRICS, true],
    ["prometheus", "redis-0", R, false],
    // Only Prometheus itself scrapes: the exporter's /scrape endpoint is not for any pod there.
    ["grafana (monitoring namespace)", "redis-0", METRICS, false],
    ["other namespace", "redis-0", R, false],
    ["other namespace", "redis-0", METRICS, false],
    ["stranger (same namespace)", "redis-0", R, false],
    ["stranger (same namespace)", "redis-0", BUS, false],
    ["stranger (same namespace)", "S3 (internet)", 443, false],
    ["S3 (internet)", "redis-0", R, false],
    ["pulumi host (outside)", "redis-0", R, false],
];

const BACKUP_ROWS: Row[] = [
    ["backup", "redis-0", R, true],
    ["backup", "redis-0", BUS, false],
    ["backup", "S3 (internet)", 443, true],
    ["backup", "S3 (internet)", 80, false],
    ["backup", "cluster DNS", 53, true, "UDP"],
    ["backup", "cluster DNS", 53, true],
    ["backup", "DNS server (internet)", 53, false, "UDP"],
    ["backup", "client (allowed namespace)", R, false],
    ["client (allowed namespace)", "backup", 8080, false],
    ["prometheus", "backup", METRICS, false],
];

describe("NetworkPolicies: who may reach what", function () {
    this.timeout(60000);

    it("prod stack: the allowed namespace reaches the client port only; peers, monitoring, DNS and backups as needed", async () => {
        const objects = (await renderedStack("prod")).kubernetes as KubeObject[];
        checkMatrix(stackSpec("prod"), objects, [
            ...REDIS_ROWS,
            ...BACKUP_ROWS,
            ["client (allowed namespace)", "redis-0", R, true],
            ["batch (allowed namespace, other labels)", "redis-1", R, true],
            ["client (allowed namespace)", "redis-0", BUS, false],
            ["client (allowed namespace)", "redis-0", METRICS, false],
            ["labelled app (same namespace)", "redis-0", R, false],
            // No Sentinels in the cluster topology: nothing opens their port.
            ["client (allowed namespace)", "sentinel-0", SENTINEL, false],
        ]);
    });

    it("dev stack: no allowed namespace, so only the deployment's own pods (and port-forward) reach Redis", async () => {
        const objects = (await renderedStack("dev")).kubernetes as KubeObject[];
        checkMatrix(stackSpec("dev"), objects, [
            ...REDIS_ROWS,
            ...BACKUP_ROWS,
            ["client (allowed namespace)", "redis-0", R, false],
            ["labelled app (same namespace)", "redis-0", R, false],
        ]);
    });

    it("sentinel topology: clients, Sentinels and Redis pods on the Sentinel port, Sentinels to Redis on the client port only", () => {
        const spec = resolveSpec({ topology: "sentinel", networkPolicy: { allowedNamespaces: [CLIENT_NS] } });
        checkMatrix(spec, buildAllObjects(spec, "x"), [
            ...REDIS_ROWS,
            // No backups in the sentinel topology (yet): their pods get no way in or out.
            ["backup", "redis-0", R, false],
            ["backup", "S3 (internet)", 443, false],
            ["client (allowed namespace)", "sentinel-0", SENTINEL, true],
            ["client (allowed namespace)", "redis-0", R, true],
            ["client (allowed namespace)", "sentinel-0", R, false],
            ["other namespace", "sentinel-0", SENTINEL, false],
            ["stranger (same namespace)", "sentinel-0", SENTINEL, false],
            ["sentinel-0", "sentinel-1", SENTINEL, true],
            ["sentinel-0", "redis-0", R, true],
            ["sentinel-0", "redis-0", BUS, false],
            ["sentinel-0", "cluster DNS", 53, true, "UDP"],
            ["sentinel-0", "S3 (internet)", 443, false],
            ["sentinel-0", "client (allowed namespace)", R, false],
            // The Redis pods' scripts ask the Sentinels (role at start, follow, preStop handover),
            // on the Sentinel port only.
            ["redis-0", "sentinel-0", SENTINEL, true],
            ["redis-0", "sentinel-0", METRICS, false],
            ["redis-0", "sentinel-0", R, false],
            ["redis-0", "client (allowed namespace)", SENTINEL, false],
            ["prometheus", "sentinel-0", METRICS, true],
            ["prometheus", "sentinel-0", SENTINEL, false],
            ["backup", "sentinel-0", SENTINEL, false],
        ]);
    });

    it("pod labels, address ranges and a shared namespace: labelled pods and the pulumi host only, others left alone", () => {
        const spec = resolveSpec({
            createNamespace: false,
            backup: { enabled: false },
            networkPolicy: { allowedNamespaces: [CLIENT_NS], allowedPodLabels: { app: "analytics-api" }, allowedCidrs: ["192.0.2.0/24"] },
        });
        checkMatrix(spec, buildAllObjects(spec, "x"), [
            ["client (allowed namespace)", "redis-0", R, true],
            ["batch (allowed namespace, other labels)", "redis-0", R, false],
            ["labelled app (same namespace)", "redis-0", R, true],
            ["other namespace", "redis-0", R, false],
            ["stranger (same namespace)", "redis-0", R, false],
            ["pulumi host (outside)", "redis-0", R, true],
            ["pulumi host (outside)", "redis-0", BUS, false],
            ["S3 (internet)", "redis-0", R, false],
            // Backups off: their pods get no way out and no way in.
            ["backup", "redis-0", R, false],
            ["backup", "S3 (internet)", 443, false],
            // A shared namespace: the deployment isolates its own pods, not its neighbours.
            ["stranger (same namespace)", "S3 (internet)", 443, true],
            ["other namespace", "stranger (same namespace)", 8080, true],
            ["redis-0", "redis-1", BUS, true],
        ]);
    });

    it("restoring from a backup: Redis pods may fetch their shard from S3 over HTTPS, nothing else opens", () => {
        const spec = resolveSpec({
            profile: "production",
            restore: { from: "s3://llm-analytics-redis-backups/redis/daily/20260101T020000Z/" },
        });
        checkMatrix(spec, buildAllObjects(spec, "x"), [
            ...REDIS_ROWS.filter(([from, to, port]) => !(from === "redis-0" && to === "S3 (internet)" && port === 443)),
            ["redis-0", "S3 (internet)", 443, true],
            ["redis-0", "S3 (internet)", 80, false],
            ["S3 (internet)", "redis-0", R, false],
        ]);
    });

    it("networkPolicy.awsCidrs: the backup Jobs and restoring Redis pods reach only those ranges on 443", () => {
        const spec = resolveSpec({
            backup: { s3: { enabled: true } },
            networkPolicy: { awsCidrs: ["10.0.0.0/16"] },
            restore: { from: "s3://llm-analytics-redis-backups/redis/daily/20260101T020000Z/" },
        });
        checkMatrix(spec, buildAllObjects(spec, "x"), [
            ["backup", "S3 VPC endpoint", 443, true],
            ["backup", "S3 (internet)", 443, false],
            ["redis-0", "S3 VPC endpoint", 443, true],
            ["redis-0", "S3 (internet)", 443, false],
            ["backup", "redis-0", R, true],
        ]);
        // Without a restore, the Redis pods reach nothing on 443.
        const plain = resolveSpec({ networkPolicy: { awsCidrs: ["10.0.0.0/16"] } });
        checkMatrix(plain, buildAllObjects(plain, "x"), [
            ["redis-0", "S3 VPC endpoint", 443, false],
            ["backup", "S3 VPC endpoint", 443, true],
        ]);
    });

    it("DNS servers and Prometheus as configured: a node-local cache's address, other DNS and Prometheus labels", () => {
        const spec = resolveSpec({
            networkPolicy: { dnsCidrs: ["169.254.20.10/32"], dnsPodLabels: { "k8s-app": "metrics-server" }, monitoringPodLabels: {} },
        });
        checkMatrix(spec, buildAllObjects(spec, "x"), [
            ["redis-0", "node-local DNS cache", 53, true, "UDP"],
            ["redis-0", "other kube-system pod", 53, true, "UDP"],
            ["redis-0", "cluster DNS", 53, false, "UDP"],
            ["redis-0", "DNS server (internet)", 53, false, "UDP"],
            // No Prometheus labels: every pod of the monitoring namespace may scrape.
            ["grafana (monitoring namespace)", "redis-0", METRICS, true],
            ["other namespace", "redis-0", METRICS, false],
        ]);
    });

    it("networkPolicy.enabled false: no policies, nothing isolated", () => {
        const spec = resolveSpec({ networkPolicy: { enabled: false } });
        const objects = buildAllObjects(spec, "x");
        assert.deepStrictEqual(
            objects.filter((o) => o.kind === "NetworkPolicy"),
            [],
        );
        checkMatrix(spec, objects, [
            ["other namespace", "redis-0", R, true],
            ["redis-0", "S3 (internet)", 443, true],
        ]);
    });

    it("every rendered pod belongs to exactly one policed pod group", async () => {
        const spec = stackSpec("prod");
        const groups = [spec.selectorLabels, spec.sentinelSelectorLabels, spec.backupSelectorLabels];
        for (const stack of ["prod", "dev"]) {
            const templates = podTemplates((await renderedStack(stack)).kubernetes as KubeObject[]);
            assert.ok(templates.length > 0);
            for (const t of templates) {
                const matches = groups.filter((g) => selectorMatches({ matchLabels: g }, t.labels));
                assert.strictEqual(
                    matches.length,
                    1,
                    `${stack} ${t.where} labels ${JSON.stringify(t.labels)} match ${matches.length} pod groups`,
                );
            }
        }
    });
});
