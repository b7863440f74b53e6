// Planned handover in the sentinel topology as a Sentinel-aware client (ioredis with `sentinels`)
// feels it: the longest stretch without an accepted write while the master's pod is stopped
// gracefully (preStop hook, then SIGTERM, as the kubelet does), under a live write load. The
// rendered hook (sentinel-prestop.sh: pause writes, ask a Sentinel to fail over, disconnect the
// clients once a Sentinel names the new master) against the same stop without the hook (SIGTERM
// at once; the Sentinels fail over after down-after). One deployment, the variants interleaved.
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";
import { podAction } from "../local/deployment";
import { until } from "../testing/sentinel-health";
import { SentinelWorkload } from "../testing/sentinel-workload";
import { SENTINEL_STACK, withSentinelDeployment } from "./sentinel-deployment";
import { SENTINEL_VARIANTS } from "./sentinel-failover";
import { median, printTable } from "./stats";

export const SENTINEL_HANDOVER_VARIANTS: { name: string; env: Record<string, string> }[] = [
    { name: "preStop handover", env: {} },
    { name: "no hook (SIGTERM)", env: { REDIS_LOCAL_PRESTOP: "off" } },
];

export interface SentinelHandoverRun {
    variant: string;
    stallMs: number;
    /** Milliseconds the stop took, hook and shutdown included. */
    stopMs: number;
    lostAcknowledged: number;
}

export async function benchSentinelHandover(runs: number): Promise<SentinelHandoverRun[]> {
    const rendered = SENTINEL_VARIANTS[0];
    const results: SentinelHandoverRun[] = [];
    await withSentinelDeployment(rendered, async ({ deployment: d, password, redisPods, probe, sentinels }) => {
        for (let run = 0; run < runs; run++) {
            for (const [i, variant] of SENTINEL_HANDOVER_VARIANTS.entries()) {
                const master = probe.healthyMaster()!;
                const victim = redisPods.find((p) => p.host === master)!;
                const w = new SentinelWorkload(sentinels, d.masterName!, password, `h${run}-${i}`);
                w.start();
                await until(() => w.replicaAcknowledged.length >= 50, "the workload writes");
                Object.assign(process.env, variant.env);
                const t0 = Date.now();
                try {
                    await podAction(SENTINEL_STACK, victim.name, "stop");
                } finally {
                    for (const key of Object.keys(variant.env)) delete process.env[key];
                }
                const stopMs = Date.now() - t0;
                await until(() => w.successesAfter(t0 + stopMs) >= 20, "writes are accepted again", rendered.downAfterMs * 4 + 60000);
                await w.stop();
                const promoted = probe.sentinelView(d.sentinels![0]);
                const reader = new Redis({ host: promoted, port: 6379, username: USERS.app, password });
                const lost = (await SentinelWorkload.missing(reader, w.replicaAcknowledged)).length;
                reader.disconnect();
                w.close();
                const r = { variant: variant.name, stallMs: w.longestGapAfterMs(t0), stopMs, lostAcknowledged: lost };
                results.push(r);
                console.error(`sentinel handover run ${run + 1}/${runs}: ${JSON.stringify(r)}`);
                await podAction(SENTINEL_STACK, victim.name, "start");
                // The next stop needs the stopped pod back as a replica the Sentinels count.
                await until(
                    () => probe.healthyMaster() !== undefined && /^OK 3 usable/.test(probe.ckquorum(d.sentinels![0])),
                    "the stopped pod is back as a replica",
                    120000,
                );
            }
        }
    });
    return results;
}

export function printSentinelHandover(results: SentinelHandoverRun[]): void {
    const of = (v: string) => results.filter((r) => r.variant === v);
    printTable(
        "Sentinel planned stop of the master: longest stretch without an accepted write (ms), ioredis with sentinels",
        ["stop", "runs", "median stall", "max stall", "median stop", "lost WAIT-acked", "stalls (ms)"],
        SENTINEL_HANDOVER_VARIANTS.map(({ name }) => [
            name,
            of(name).length,
            median(of(name).map((r) => r.stallMs)).toFixed(0),
            Math.max(...of(name).map((r) => r.stallMs)).toFixed(0),
            median(of(name).map((r) => r.stopMs)).toFixed(0),
            of(name).reduce((n, r) => n + r.lostAcknowledged, 0),
            of(name)
                .map((r) => r.stallMs)
                .join(" "),
        ]),
    );
    const [hook, plain] = SENTINEL_HANDOVER_VARIANTS.map(({ name }) => median(of(name).map((r) => r.stallMs)));
    console.log(`preStop handover / no hook stall: ${(hook / plain).toFixed(3)}`);
}
