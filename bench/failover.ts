// Failover unavailability: the longest stretch with no successful write to the failed master's
// slots, under a live write load. Planned (graceful stop) and unplanned (SIGKILL), for the
// rendered configuration (node timeout 5000 ms, preStop handover) against stock Redis settings
// (node timeout 15000 ms, no preStop hook), same machine, same run.
import { stopProcess } from "../local/pod";
import { Workload } from "../testing/workload";
import { BenchCluster, clusterOk, masterOf, PASSWORD, slotsOf, until } from "./bench-cluster";
import { median, printTable } from "./stats";

/** `preStop`: our helpers (preStop handover, watchdog, rejoin); stock Redis has none of them. */
interface Variant {
    name: string;
    nodeTimeoutMs: number;
    preStop: boolean;
}
export const VARIANTS: Variant[] = [
    { name: "rendered", nodeTimeoutMs: 5000, preStop: true },
    { name: "stock", nodeTimeoutMs: 15000, preStop: false },
];

export interface FailoverBench {
    variant: string;
    kind: "planned" | "unplanned";
    gapsMs: number[];
    medianMs: number;
}

export async function benchFailover(variant: Variant, runs: number, firstOctet: number): Promise<FailoverBench[]> {
    const cluster = await BenchCluster.start(`failover-${variant.name}`, variant.nodeTimeoutMs, firstOctet, variant.preStop);
    const { addresses, pids } = cluster;
    const results: FailoverBench[] = [];
    try {
        for (const kind of ["planned", "unplanned"] as const) {
            const gaps: number[] = [];
            for (let run = 0; run < runs; run++) {
                const victimIp = await masterOf(addresses, 0);
                const victim = addresses.indexOf(victimIp);
                const workload = new Workload(
                    addresses.map((host) => ({ host, port: 6379 })),
                    PASSWORD,
                    { prefix: `fb${run}${kind}` },
                );
                await workload.start();
                await new Promise((r) => setTimeout(r, 500));
                const ranges = await slotsOf(victimIp);
                if (kind === "unplanned") await stopProcess(pids[victim], 0, "SIGKILL");
                else {
                    if (variant.preStop) await cluster.runPreStop(victim);
                    await stopProcess(pids[victim], 60000);
                }
                const others = addresses.filter((a) => a !== victimIp);
                await until(async () => (await clusterOk(others, false)) && (await masterOf(others, 0)) !== victimIp, 120000);
                await new Promise((r) => setTimeout(r, 500));
                await workload.stop();
                gaps.push(workload.longestGapMs((slot) => ranges.some(([a, b]) => slot >= a && slot <= b)));
                workload.close();
                cluster.startNode(victim);
                await until(() => clusterOk(addresses, true), 120000);
            }
            results.push({ variant: variant.name, kind, gapsMs: gaps, medianMs: median(gaps) });
        }
    } finally {
        await cluster.stop();
    }
    return results;
}

export function printFailover(results: FailoverBench[]): void {
    const get = (v: string, k: string) => results.find((r) => r.variant === v && r.kind === k)!;
    printTable(
        "Failover: longest write gap on the failed master's slots (median ms)",
        ["kind", "runs", "rendered", "stock", "rendered/stock"],
        (["planned", "unplanned"] as const).map((k) => [
            k,
            get("rendered", k).gapsMs.length,
            get("rendered", k).medianMs.toFixed(0),
            get("stock", k).medianMs.toFixed(0),
            (get("rendered", k).medianMs / get("stock", k).medianMs).toFixed(3),
        ]),
    );
}
