// Monitoring against the real thing: the dev stack in local mode with its real exporters; every
// metric an alert or dashboard panel reads must be served; then a real Prometheus scrapes them
// with the rendered rules, and killing a master fires the critical alert, which resolves when the
// pod is back.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { buildAlertRules, metricNames } from "../../components/monitoring/alerts";
import { loadDashboard } from "../../components/monitoring/objects";
import { packageRoot } from "../../components/package-files";
import { resolveSpec } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { podAction, UpResult } from "../../local/deployment";
import { printLogsOnFailure, startDevDeployment, TestDeployment } from "../support/local-deployment";
import { requireTool } from "../../local/tools";
import { readStackConfig } from "../../tools/stack-config";

const PROM_PORT = 19391;

async function alerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
    const res = await fetch(`http://127.0.0.1:${PROM_PORT}/api/v1/alerts`);
    return ((await res.json()) as any).data.alerts;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

describe("monitoring with the real exporter and a real Prometheus", function () {
    this.timeout(240000);
    let local: TestDeployment;
    let deployment: UpResult;
    let prometheus: ChildProcess | undefined;
    // The dev stack's settings, with a short `for` on critical alerts so the test need not wait a minute.
    const spec = resolveSpec({
        ...argsFromConfig(readStackConfig(packageRoot, "dev").config),
        monitoring: { prometheusRule: { forDurations: { critical: "2s" } } },
    });

    before(async () => {
        requireTool("prometheus-redis-exporter");
        requireTool("prometheus");
        local = await startDevDeployment("127.0.10.11");
        deployment = local.deployment;
    });

    afterEach(function () {
        printLogsOnFailure(this, local, "dev");
    });

    after(async () => {
        prometheus?.kill("SIGKILL");
        await local?.stop();
    });

    it("serves every metric that an alert or a dashboard panel reads", async () => {
        const served = new Set<string>();
        for (const p of deployment.pods) {
            const text = await (await fetch(`http://${p.address}:9121/metrics`)).text();
            for (const m of text.match(/^redis_[a-z0-9_]+/gm) ?? []) served.add(m);
        }
        const used = new Set([
            ...buildAlertRules(spec)
                .flatMap((g) => g.rules)
                .flatMap((r) => metricNames(r.expr)),
            ...JSON.parse(loadDashboard()).panels.flatMap((p: any) => p.targets.flatMap((t: any) => metricNames(t.expr))),
        ]);
        assert.ok(used.size > 15, `only ${used.size} metrics used`);
        assert.deepStrictEqual(
            [...used].filter((m) => !served.has(m)),
            [],
        );
    });

    it("fires RedisDown when a master's pod dies, and resolves it when the pod is back", async () => {
        const dir = path.join(local.root, "prometheus");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "rules.yml"), YAML.stringify({ groups: buildAlertRules(spec) }));
        fs.writeFileSync(
            path.join(dir, "prometheus.yml"),
            YAML.stringify({
                global: { scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "800ms" },
                rule_files: [path.join(dir, "rules.yml")],
                scrape_configs: [
                    {
                        job_name: "redis",
                        // What the ServiceMonitor's targets carry: the namespace and the Service.
                        static_configs: [
                            {
                                targets: deployment.pods.map((p) => `${p.address}:9121`),
                                labels: { namespace: "redis-system", service: "redis-cluster" },
                            },
                        ],
                    },
                ],
            }),
        );
        prometheus = spawn(
            "prometheus",
            [
                `--config.file=${path.join(dir, "prometheus.yml")}`,
                `--storage.tsdb.path=${path.join(dir, "data")}`,
                `--web.listen-address=127.0.0.1:${PROM_PORT}`,
            ],
            { stdio: "ignore" },
        );
        await waitFor("Prometheus to scrape every target", async () => {
            const res = await fetch(`http://127.0.0.1:${PROM_PORT}/api/v1/query?query=${encodeURIComponent("sum(up)")}`);
            return Number(((await res.json()) as any).data.result[0]?.value[1]) === deployment.pods.length;
        });
        assert.deepStrictEqual(
            (await alerts()).filter((a) => a.labels.severity === "critical"),
            [],
            "critical alerts before any fault",
        );

        const victim = deployment.pods[0];
        await podAction("dev", victim.name, "kill");
        await waitFor("RedisDown to fire for the killed pod", async () =>
            (await alerts()).some(
                (a) => a.labels.alertname === "RedisDown" && a.state === "firing" && a.labels.instance === `${victim.address}:9121`,
            ),
        );

        await podAction("dev", victim.name, "start");
        let left: unknown[] = [];
        await waitFor("RedisDown to resolve", async () => {
            left = (await alerts()).filter((a) => a.labels.alertname === "RedisDown");
            return left.length === 0;
        }).catch(async (e) => {
            const metrics = await (await fetch(`http://${victim.address}:9121/metrics`)).text().catch(() => "no answer");
            throw new Error(
                `${e.message}: still ${JSON.stringify(left)}; exporter: ${metrics
                    .split("\n")
                    .filter((l) => /^redis_up|last_scrape_error/.test(l))
                    .join("; ")}`,
            );
        });
    });
});
