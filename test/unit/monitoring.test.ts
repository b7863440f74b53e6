import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildAlertRules, metricNames, runbookAnchor, SEVERITIES } from "../../components/monitoring/alerts";
import { loadDashboard } from "../../components/monitoring/objects";
import { packageRoot } from "../../components/package-files";
import { resolveSpec } from "../../components/settings/spec";
import { renderedStack } from "../support/render-stacks";

const rules = buildAlertRules(resolveSpec({})).flatMap((g) => g.rules);
const sentinelRules = buildAlertRules(resolveSpec({ topology: "sentinel" })).flatMap((g) => g.rules);

describe("alert rules", () => {
    it("cover the guide's three classes with the issue's alerts", () => {
        const by = (sev: string) =>
            rules
                .filter((r) => r.labels.severity === sev)
                .map((r) => r.alert)
                .sort();
        assert.deepStrictEqual(by("critical"), [
            "RedisClusterSlotsNotOk",
            "RedisClusterStateNotOk",
            "RedisDown",
            "RedisMasterWithoutReplica",
        ]);
        assert.deepStrictEqual(by("warning"), [
            "RedisBackupStale",
            "RedisEvictingKeys",
            "RedisMemoryHigh",
            "RedisPersistenceFailed",
            "RedisRejectedConnections",
            "RedisReplicationBroken",
            "RedisReplicationLag",
        ]);
        assert.deepStrictEqual(by("info"), ["RedisConnectionsNearLimit", "RedisSlowlogFull", "RedisSlowlogGrowing"]);
        assert.deepStrictEqual([...new Set(rules.map((r) => r.labels.severity))].sort(), [...SEVERITIES].sort());
    });

    it("of the sentinel topology: the cluster's slot alerts give way to RedisSentinelQuorumLost, and RedisDown watches the Sentinels too", () => {
        const names = (rs: typeof rules) => rs.map((r) => r.alert);
        assert.deepStrictEqual(
            names(sentinelRules).filter((a) => !names(rules).includes(a)),
            ["RedisSentinelQuorumLost"],
        );
        // The sentinel topology has no backups yet, so no backup alert either.
        assert.deepStrictEqual(
            names(rules).filter((a) => !names(sentinelRules).includes(a)),
            ["RedisClusterStateNotOk", "RedisClusterSlotsNotOk", "RedisBackupStale"],
        );
        const quorum = sentinelRules.find((r) => r.alert === "RedisSentinelQuorumLost")!;
        assert.strictEqual(quorum.expr, 'redis_sentinel_master_ok_sentinels{namespace="redis-system"} < 2');
        // 5 Sentinels with quorum 4: the quorum is the larger need (a majority would be 3).
        const five = buildAlertRules(resolveSpec({ topology: "sentinel", sentinel: { replicas: 5, quorum: 4 } })).flatMap((g) => g.rules);
        assert.match(five.find((r) => r.alert === "RedisSentinelQuorumLost")!.expr, /< 4$/);
        assert.match(sentinelRules.find((r) => r.alert === "RedisDown")!.expr, /service=~"redis-cluster\|redis-cluster-sentinel"/);
    });

    it("each have a for, a summary and description with values, and a runbook section that exists", () => {
        const runbooks = fs.readFileSync(path.join(packageRoot, "docs", "runbooks.md"), "utf8");
        const anchors = [...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1].toLowerCase());
        for (const r of [...rules, ...sentinelRules]) {
            assert.match(r.for, /^\d+[smh]$/, r.alert);
            assert.ok(r.annotations.summary.length > 10 && r.annotations.description.includes("{{"), r.alert);
            assert.ok(r.annotations.runbook_url.endsWith(`#${runbookAnchor(r.alert)}`), r.alert);
            assert.ok(anchors.includes(runbookAnchor(r.alert)), `docs/runbooks.md has no section for ${r.alert}`);
            assert.match(r.expr, /namespace="redis-system"/, `${r.alert} is not scoped to the deployment`);
        }
    });

    it("take thresholds and durations from the settings", () => {
        const custom = buildAlertRules(
            resolveSpec({
                namespace: "cache",
                monitoring: {
                    prometheusRule: {
                        thresholds: { memoryPercent: 75 },
                        forDurations: { critical: "30s" },
                        runbookBaseUrl: "https://wiki.example.com/redis",
                    },
                },
            }),
        ).flatMap((g) => g.rules);
        const mem = custom.find((r) => r.alert === "RedisMemoryHigh")!;
        assert.match(mem.expr, /\* 100 > 75\)/);
        assert.match(mem.expr, /namespace="cache"/);
        assert.strictEqual(custom.find((r) => r.alert === "RedisDown")!.for, "30s");
        assert.strictEqual(
            custom.find((r) => r.alert === "RedisDown")!.annotations.runbook_url,
            "https://wiki.example.com/redis#redisdown",
        );
    });
});

describe("monitoring objects", () => {
    it("are all in prod, with the Operator's selection labels", async () => {
        const objs = (await renderedStack("prod")).kubernetes as any[];
        const sm = objs.find((o) => o.kind === "ServiceMonitor");
        const pr = objs.find((o) => o.kind === "PrometheusRule");
        const dash = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-dashboard"));
        assert.strictEqual(sm.metadata.labels.release, "kube-prometheus-stack");
        assert.strictEqual(pr.metadata.labels.release, "kube-prometheus-stack");
        assert.deepStrictEqual(sm.spec.endpoints, [{ port: "metrics", interval: "30s", path: "/metrics" }]);
        assert.strictEqual(dash.metadata.labels.grafana_dashboard, "1");
        assert.strictEqual(pr.spec.groups[0].rules.length, 14);
    });

    it("are absent in dev (no Prometheus Operator), while the exporter sidecar still runs", async () => {
        const objs = (await renderedStack("dev")).kubernetes as any[];
        assert.ok(!objs.some((o) => o.kind === "ServiceMonitor" || o.kind === "PrometheusRule" || o.metadata.name.endsWith("-dashboard")));
        const sts = objs.find((o) => o.kind === "StatefulSet");
        assert.ok(sts.spec.template.spec.containers.some((c: any) => c.name === "exporter"));
    });
});

describe("dashboard", () => {
    const dash = JSON.parse(loadDashboard());
    it("has the guide's panels, each with a query", () => {
        const titles = dash.panels.map((p: any) => p.title.toLowerCase()).join(" | ");
        for (const want of [
            "cluster health",
            "memory",
            "commands per second",
            "hit rate",
            "network",
            "replication offset",
            "replication lag",
            "evicted",
            "clients",
        ]) {
            assert.ok(titles.includes(want), `no panel for ${want}: ${titles}`);
        }
        for (const p of dash.panels)
            assert.ok(p.targets.length > 0 && p.targets.every((t: any) => metricNames(t.expr).length > 0), p.title);
    });
});
