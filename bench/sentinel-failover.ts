// Sentinel failover time: from the moment the master's processes are killed (SIGKILL) to the
// first write a Sentinel-aware client (ioredis with `sentinels`) gets accepted again, under a
// live write load. The rendered settings (down-after 5000 ms, the component's default) against
// Sentinel's own defaults (down-after 30000 ms, failover-timeout 180000 ms), each a local-mode
// deployment of the sentinel topology (1 master, 2 replicas, 3 Sentinels), same machine, same run.
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";
import { podAction } from "../local/deployment";
import { until } from "../testing/sentinel-health";
import { SentinelWorkload } from "../testing/sentinel-workload";
import { SENTINEL_STACK, SentinelTiming, withSentinelDeployment } from "./sentinel-deployment";
import { median, printTable } from "./stats";

interface Variant extends SentinelTiming {
    name: string;
}
export const SENTINEL_VARIANTS: Variant[] = [
    { name: "rendered", downAfterMs: 5000, failoverTimeoutMs: 60000, addressBase: "127.0.12.111" },
    { name: "sentinel defaults", downAfterMs: 30000, failoverTimeoutMs: 180000, addressBase: "127.0.12.151" },
];

export interface SentinelFailoverBench {
    variant: string;
    downAfterMs: number;
    gapsMs: number[];
    medianMs: number;
    lostAcknowledged: number;
}

export async function benchSentinelFailover(v: Variant, runs: number): Promise<SentinelFailoverBench> {
    const gaps: number[] = [];
    let lost = 0;
    await withSentinelDeployment(v, async ({ deployment: d, password, redisPods, probe, sentinels }) => {
        for (let run = 0; run < runs; run++) {
            const master = probe.healthyMaster()!;
            const victim = redisPods.find((p) => p.host === master)!;
            const w = new SentinelWorkload(sentinels, d.masterName!, password, `b${run}`);
            w.start();
            await until(() => w.replicaAcknowledged.length >= 50, "the workload writes");
            await podAction(SENTINEL_STACK, victim.name, "kill");
            const killed = Date.now();
            await until(() => w.successesAfter(killed) >= 20, "writes are accepted again", v.downAfterMs * 4 + 60000);
            await w.stop();
            gaps.push(w.gapAfterMs(killed)!);
            const promoted = probe.sentinelView(d.sentinels![0]);
            const reader = new Redis({ host: promoted, port: 6379, username: USERS.app, password });
            lost += (await SentinelWorkload.missing(reader, w.replicaAcknowledged)).length;
            reader.disconnect();
            w.close();
            await podAction(SENTINEL_STACK, victim.name, "start");
            await until(() => probe.healthyMaster() !== undefined, "the killed pod is back as a replica", 120000);
            console.error(`sentinel failover (${v.name}) run ${run + 1}/${runs}: ${gaps[gaps.length - 1]} ms`);
        }
    });
    return { variant: v.name, downAfterMs: v.downAfterMs, gapsMs: gaps, medianMs: median(gaps), lostAcknowledged: lost };
}

export function printSentinelFailover(results: SentinelFailoverBench[]): void {
    const [ours, stock] = results;
    printTable(
        "Sentinel failover: SIGKILL of the master to the first accepted write (ms)",
        ["variant", "down-after", "runs", "median", "min", "max", "lost WAIT-acked"],
        results.map((r) => [
            r.variant,
            r.downAfterMs,
            r.gapsMs.length,
            r.medianMs.toFixed(0),
            Math.min(...r.gapsMs).toFixed(0),
            Math.max(...r.gapsMs).toFixed(0),
            r.lostAcknowledged,
        ]),
    );
    console.log(`rendered/defaults: ${(ours.medianMs / stock.medianMs).toFixed(3)}`);
}
