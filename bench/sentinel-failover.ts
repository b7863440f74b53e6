// Sentinel failover time: from the moment the master's processes are killed (SIGKILL) to the
// first write a Sentinel-aware client (ioredis with `sentinels`) gets accepted again, under a
// live write load. The rendered settings (down-after 5000 ms, the component's default) against
// Sentinel's own defaults (down-after 30000 ms, failover-timeout 180000 ms), each a local-mode
// deployment of the sentinel topology (1 master, 2 replicas, 3 Sentinels), same machine, same run.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { USERS } from "../components/settings/spec";
import * as YAML from "yaml";
import { packageRoot } from "../components/package-files";
import { down, podAction, up } from "../local/deployment";
import { SentinelProbe, until } from "../testing/sentinel-health";
import { SentinelWorkload } from "../testing/sentinel-workload";
import { adminPasswordOf } from "../test/support/local-deployment";
import { median, printTable } from "./stats";

interface Variant {
    name: string;
    downAfterMs: number;
    failoverTimeoutMs: number;
    addressBase: string;
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

/** A scratch project: this project's Pulumi.yaml and the sentinel-dev stack with the variant's Sentinel timing. */
function scratchProject(v: Variant): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sentinel-"));
    fs.copyFileSync(path.join(packageRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stack = YAML.parse(fs.readFileSync(path.join(packageRoot, "Pulumi.sentinel-dev.yaml"), "utf8"));
    stack.config["redis-cluster:namespace"] = `bench-sentinel-${v.downAfterMs}`;
    stack.config["redis-cluster:sentinel"] = { replicas: 3, quorum: 2, downAfterMs: v.downAfterMs, failoverTimeoutMs: v.failoverTimeoutMs };
    fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), YAML.stringify(stack));
    return dir;
}

export async function benchSentinelFailover(v: Variant, runs: number): Promise<SentinelFailoverBench> {
    const project = scratchProject(v);
    const saved = { cwd: process.cwd(), dir: process.env.REDIS_LOCAL_STATE_DIR, base: process.env.REDIS_LOCAL_ADDRESS_BASE };
    process.chdir(project);
    process.env.REDIS_LOCAL_STATE_DIR = path.join(project, ".local");
    process.env.REDIS_LOCAL_ADDRESS_BASE = v.addressBase;
    const gaps: number[] = [];
    let lost = 0;
    try {
        const d = await up("bench");
        const password = fs.readFileSync(d.passwordFile, "utf8");
        const redisPods = d.pods.filter((p) => d.seeds.includes(`${p.address}:6379`));
        // CKQUORUM is for the Sentinels' admin user, not the client user.
        const probe = new SentinelProbe(
            redisPods.map((p) => p.host),
            d.sentinels!,
            password,
            d.masterName!,
            adminPasswordOf(d),
        );
        const sentinels = d.sentinels!.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) }));
        // Every replica takes part: the Sentinels learn replicas from the master's INFO every 10 s.
        await until(
            () => probe.healthyMaster() !== undefined && /^OK 3 usable/.test(probe.ckquorum(d.sentinels![0])),
            "the deployment is healthy",
            120000,
        );
        for (let run = 0; run < runs; run++) {
            const master = probe.healthyMaster()!;
            const victim = redisPods.find((p) => p.host === master)!;
            const w = new SentinelWorkload(sentinels, d.masterName!, password, `b${run}`);
            w.start();
            await until(() => w.replicaAcknowledged.length >= 50, "the workload writes");
            await podAction("bench", victim.name, "kill");
            const killed = Date.now();
            await until(() => w.successesAfter(killed) >= 20, "writes are accepted again", v.downAfterMs * 4 + 60000);
            await w.stop();
            gaps.push(w.gapAfterMs(killed)!);
            const promoted = probe.sentinelView(d.sentinels![0]);
            const reader = new Redis({ host: promoted, port: 6379, username: USERS.app, password });
            lost += (await SentinelWorkload.missing(reader, w.replicaAcknowledged)).length;
            reader.disconnect();
            w.close();
            await podAction("bench", victim.name, "start");
            await until(() => probe.healthyMaster() !== undefined, "the killed pod is back as a replica", 120000);
            console.error(`sentinel failover (${v.name}) run ${run + 1}/${runs}: ${gaps[gaps.length - 1]} ms`);
        }
    } finally {
        await down("bench").catch(() => undefined);
        process.chdir(saved.cwd);
        for (const [k, val] of [
            ["REDIS_LOCAL_STATE_DIR", saved.dir],
            ["REDIS_LOCAL_ADDRESS_BASE", saved.base],
        ] as const) {
            if (val === undefined) delete process.env[k];
            else process.env[k] = val;
        }
        fs.rmSync(project, { recursive: true, force: true });
    }
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
