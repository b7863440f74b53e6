// The alert rules exactly as rendered, checked by promtool: syntax, and for every alert a case
// where it fires and one where it stays silent. Annotations are compared too, expanded here from
// the rendered templates.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { AlertRule, buildAlertRules, RuleGroup } from "../../components/monitoring/alerts";
import { resolveSpec } from "../../components/settings/spec";
import { requireTool } from "../../local/tools";
import { renderedStack } from "../support/render-stacks";

type Labels = Record<string, string>;
interface Case {
    series: { labels: Labels & { __name__: string }; values: string }[];
    fires: { labels: Labels; value: number }[];
}

const NS = { namespace: "redis-system" };
const s = (name: string, labels: Labels, values: string) => ({ labels: { __name__: name, ...NS, ...labels }, values });
const fire = (labels: Labels, value: number) => ({ labels: { ...NS, ...labels }, value });

// For each alert: series with one instance that must fire ("fire") and others that must not.
const CASES: Record<string, Case> = {
    RedisDown: {
        series: [
            s("redis_up", { instance: "fire" }, "0x30"),
            s("redis_up", { instance: "quiet" }, "1x30"),
            s("up", { instance: "gone", service: "redis-cluster" }, "0x30"),
            s("up", { instance: "quiet", service: "redis-cluster" }, "1x30"),
            s("up", { instance: "other-app", service: "other" }, "0x30"),
        ],
        fires: [fire({ instance: "fire" }, 0), fire({ instance: "gone", service: "redis-cluster" }, 0)],
    },
    RedisClusterStateNotOk: {
        series: [s("redis_cluster_state", { instance: "fire" }, "0x30"), s("redis_cluster_state", { instance: "quiet" }, "1x30")],
        fires: [fire({ instance: "fire" }, 0)],
    },
    RedisClusterSlotsNotOk: {
        series: [
            s("redis_cluster_slots_ok", { instance: "fire" }, "16000x30"),
            s("redis_cluster_slots_ok", { instance: "quiet" }, "16384x30"),
        ],
        fires: [fire({ instance: "fire" }, 16000)],
    },
    RedisMasterWithoutReplica: {
        series: [
            s("redis_connected_slaves", { instance: "fire" }, "0x30"),
            s("redis_instance_info", { instance: "fire", role: "master" }, "1x30"),
            s("redis_connected_slaves", { instance: "quiet" }, "1x30"),
            s("redis_instance_info", { instance: "quiet", role: "master" }, "1x30"),
            s("redis_connected_slaves", { instance: "replica" }, "0x30"),
            s("redis_instance_info", { instance: "replica", role: "slave" }, "1x30"),
        ],
        fires: [fire({ instance: "fire" }, 0)],
    },
    RedisMemoryHigh: {
        series: [
            s("redis_memory_used_bytes", { instance: "fire" }, "95x30"),
            s("redis_memory_max_bytes", { instance: "fire" }, "100x30"),
            s("redis_memory_used_bytes", { instance: "quiet" }, "50x30"),
            s("redis_memory_max_bytes", { instance: "quiet" }, "100x30"),
            s("redis_memory_used_bytes", { instance: "unlimited" }, "95x30"),
            s("redis_memory_max_bytes", { instance: "unlimited" }, "0x30"),
        ],
        fires: [fire({ instance: "fire" }, 95)],
    },
    RedisEvictingKeys: {
        series: [
            s("redis_evicted_keys_total", { instance: "fire" }, "0+100x30"),
            s("redis_evicted_keys_total", { instance: "quiet" }, "5x30"),
        ],
        fires: [fire({ instance: "fire" }, 500)],
    },
    RedisReplicationBroken: {
        series: [s("redis_master_link_up", { instance: "fire" }, "0x30"), s("redis_master_link_up", { instance: "quiet" }, "1x30")],
        fires: [fire({ instance: "fire" }, 0)],
    },
    RedisReplicationLag: {
        series: [
            s("redis_connected_slave_lag_seconds", { instance: "fire", slave_ip: "10.0.0.2" }, "45x30"),
            s("redis_connected_slave_lag_seconds", { instance: "quiet", slave_ip: "10.0.0.3" }, "1x30"),
        ],
        fires: [fire({ instance: "fire", slave_ip: "10.0.0.2" }, 45)],
    },
    RedisRejectedConnections: {
        series: [
            s("redis_rejected_connections_total", { instance: "fire" }, "0+10x30"),
            s("redis_rejected_connections_total", { instance: "quiet" }, "3x30"),
        ],
        fires: [fire({ instance: "fire" }, 50)],
    },
    RedisPersistenceFailed: {
        series: [
            s("redis_rdb_last_bgsave_status", { instance: "fire" }, "0x30"),
            s("redis_aof_last_bgrewrite_status", { instance: "fire" }, "1x30"),
            s("redis_rdb_last_bgsave_status", { instance: "aof" }, "1x30"),
            s("redis_aof_last_bgrewrite_status", { instance: "aof" }, "0x30"),
            s("redis_rdb_last_bgsave_status", { instance: "quiet" }, "1x30"),
            s("redis_aof_last_bgrewrite_status", { instance: "quiet" }, "1x30"),
        ],
        fires: [fire({ instance: "fire" }, 0), fire({ instance: "aof" }, 0)],
    },
    // SLOWLOG LEN, the one slow-log figure the exporter user may read.
    RedisSlowlogGrowing: {
        series: [
            s("redis_slowlog_length", { instance: "fire" }, "0+5x30"),
            s("redis_slowlog_length", { instance: "quiet" }, "0+1x30"),
            s("redis_slowlog_length", { instance: "full" }, "128x30"),
        ],
        fires: [fire({ instance: "fire" }, 25)],
    },
    // At the default redis.slowlogMaxLen (128) the length stops moving.
    RedisSlowlogFull: {
        series: [s("redis_slowlog_length", { instance: "fire" }, "128x30"), s("redis_slowlog_length", { instance: "quiet" }, "0+5x30")],
        fires: [fire({ instance: "fire" }, 128)],
    },
    // kube-state-metrics' CronJob metrics. At the 20m evaluation time() is 1200: the hourly job last
    // succeeded 21200 s ago (limit 170 min), the daily 1200 s ago, and verify never, created 301200 s ago (limit 54 h).
    RedisBackupStale: {
        series: [
            s("kube_cronjob_status_last_successful_time", { cronjob: "redis-cluster-backup-hourly" }, "-20000x30"),
            s("kube_cronjob_created", { cronjob: "redis-cluster-backup-hourly" }, "-900000x30"),
            s("kube_cronjob_status_last_successful_time", { cronjob: "redis-cluster-backup-daily" }, "0x30"),
            s("kube_cronjob_created", { cronjob: "redis-cluster-backup-daily" }, "-900000x30"),
            s("kube_cronjob_created", { cronjob: "redis-cluster-backup-verify" }, "-300000x30"),
            s("kube_cronjob_status_last_successful_time", { cronjob: "other-app-backup", namespace: "other" }, "-900000x30"),
        ],
        fires: [fire({ cronjob: "redis-cluster-backup-hourly" }, 21200), fire({ cronjob: "redis-cluster-backup-verify" }, 301200)],
    },
    RedisConnectionsNearLimit: {
        series: [
            // Against the configured maxclients (10000 here): the exporter does not scrape CONFIG.
            s("redis_connected_clients", { instance: "fire" }, "9000x30"),
            s("redis_connected_clients", { instance: "quiet" }, "100x30"),
        ],
        fires: [fire({ instance: "fire" }, 90)],
    },
};

// The sentinel topology's own alerts, rendered from the sentinel-dev stack.
const SENTINEL_CASES: Record<string, Case> = {
    RedisSentinelQuorumLost: {
        series: [
            s("redis_sentinel_master_ok_sentinels", { instance: "fire", master_name: "redis-cluster" }, "1x30"),
            s("redis_sentinel_master_ok_sentinels", { instance: "one-down", master_name: "redis-cluster" }, "2x30"),
            s("redis_sentinel_master_ok_sentinels", { instance: "quiet", master_name: "redis-cluster" }, "3x30"),
        ],
        fires: [fire({ instance: "fire", master_name: "redis-cluster" }, 1)],
    },
};

/** Prometheus's humanizeDuration for whole seconds of at least 1: "3d 11h 40m 0s", "5h 53m 20s", "2m 5s", "7s". */
function humanizeDuration(v: number): string {
    const [d, h, m, sec] = [Math.floor(v / 86400), Math.floor(v / 3600) % 24, Math.floor(v / 60) % 60, v % 60];
    return d ? `${d}d ${h}h ${m}m ${sec}s` : h ? `${h}h ${m}m ${sec}s` : m ? `${m}m ${sec}s` : `${sec}s`;
}

/** Expands the few template forms the rules use, the way Prometheus would for these values. */
function expand(template: string, labels: Labels, value: number): string {
    return template
        .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l) => labels[l] ?? "")
        .replace(/\{\{ \$value \| humanizeDuration \}\}/g, humanizeDuration(value))
        .replace(/\{\{ \$value \| humanize \}\}/g, String(value))
        .replace(/\{\{ \$value \}\}/g, String(value));
}

export function promSeries(labels: Labels & { __name__: string }): string {
    const { __name__, ...rest } = labels;
    return `${__name__}{${Object.entries(rest)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
}

/** promtool test rules over `ruleFile` in `dir`: each of `rules` fires on its case and stays silent before its `for`. */
function runPromtoolTests(dir: string, ruleFile: string, rules: AlertRule[], cases: Record<string, Case>): void {
    const tests = rules.map((rule) => ({
        interval: "1m",
        input_series: cases[rule.alert].series.map((x) => ({ series: promSeries(x.labels), values: x.values })),
        alert_rule_test: [
            {
                eval_time: "20m",
                alertname: rule.alert,
                exp_alerts: cases[rule.alert].fires.map((f) => ({
                    exp_labels: { ...f.labels, ...rule.labels },
                    exp_annotations: {
                        summary: expand(rule.annotations.summary, f.labels, f.value),
                        description: expand(rule.annotations.description, f.labels, f.value),
                        runbook_url: rule.annotations.runbook_url,
                    },
                })),
            },
            {
                // Before the condition has held for its `for`, nothing fires.
                eval_time: "0m",
                alertname: rule.alert,
                exp_alerts: [],
            },
        ],
    }));
    const file = path.join(dir, `${ruleFile}.tests.yml`);
    fs.writeFileSync(file, YAML.stringify({ rule_files: [ruleFile], evaluation_interval: "1m", tests }));
    const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8", cwd: dir });
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
}

describe("alert rules under promtool", function () {
    this.timeout(60000);
    let dir: string;
    let rules: AlertRule[];

    before(async () => {
        requireTool("promtool");
        const rendered = (await renderedStack("prod")).kubernetes as any[];
        const groups: RuleGroup[] = rendered.find((o) => o.kind === "PrometheusRule").spec.groups;
        rules = groups.flatMap((g) => g.rules);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
        fs.writeFileSync(path.join(dir, "rules.yml"), YAML.stringify({ groups }));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("promtool check rules accepts the rendered rules", () => {
        const r = spawnSync("promtool", ["check", "rules", path.join(dir, "rules.yml")], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /SUCCESS: 14 rules found/);
    });

    it("has a test case for every alert", () => {
        assert.deepStrictEqual(Object.keys(CASES).sort(), rules.map((r) => r.alert).sort());
    });

    it("promtool test rules: every alert fires on its case and stays silent on the others", () => {
        runPromtoolTests(dir, "rules.yml", rules, CASES);
    });

    it("the sentinel topology's alerts: promtool accepts them, and each fires on its case and stays silent on the others", () => {
        const groups = buildAlertRules(resolveSpec({ topology: "sentinel" }));
        fs.writeFileSync(path.join(dir, "sentinel-rules.yml"), YAML.stringify({ groups }));
        const check = spawnSync("promtool", ["check", "rules", path.join(dir, "sentinel-rules.yml")], { encoding: "utf8" });
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        const own = groups.flatMap((g) => g.rules).filter((r) => !rules.some((c) => c.alert === r.alert));
        assert.deepStrictEqual(
            own.map((r) => r.alert),
            Object.keys(SENTINEL_CASES),
        );
        runPromtoolTests(dir, "sentinel-rules.yml", own, SENTINEL_CASES);
    });

    it("promtool test rules fails when a case is wrong (the check can fail)", () => {
        const rule = rules.find((r) => r.alert === "RedisDown")!;
        const file = path.join(dir, "wrong.yml");
        fs.writeFileSync(
            file,
            YAML.stringify({
                rule_files: ["rules.yml"],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [{ series: promSeries({ __name__: "redis_up", ...NS, instance: "quiet" }), values: "1x30" }],
                        alert_rule_test: [
                            {
                                eval_time: "20m",
                                alertname: rule.alert,
                                exp_alerts: [{ exp_labels: { ...NS, instance: "quiet", severity: "critical" } }],
                            },
                        ],
                    },
                ],
            }),
        );
        const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8", cwd: dir });
        assert.notStrictEqual(r.status, 0);
    });
});
