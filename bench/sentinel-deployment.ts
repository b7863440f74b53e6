// A local-mode deployment of the sentinel topology for the Sentinel benchmarks (1 master,
// 2 replicas, 3 Sentinels): a scratch project with the sentinel-dev stack and the given Sentinel
// timing, up until every replica takes part, handed to `body`, then down, whatever happens.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../components/package-files";
import { down, up, UpResult } from "../local/deployment";
import { SentinelProbe, until } from "../testing/sentinel-health";
import type { SentinelAddress } from "../testing/sentinel-workload";
import { adminPasswordOf } from "../test/support/local-deployment";

export const SENTINEL_STACK = "bench";

export interface SentinelTiming {
    downAfterMs: number;
    failoverTimeoutMs: number;
    addressBase: string;
}

export interface SentinelDeployment {
    deployment: UpResult;
    password: string;
    redisPods: UpResult["pods"];
    probe: SentinelProbe;
    sentinels: SentinelAddress[];
}

/** A scratch project: this project's Pulumi.yaml and the sentinel-dev stack with the given Sentinel timing. */
function scratchProject(t: SentinelTiming): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sentinel-"));
    fs.copyFileSync(path.join(packageRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stack = YAML.parse(fs.readFileSync(path.join(packageRoot, "Pulumi.sentinel-dev.yaml"), "utf8"));
    stack.config["redis-cluster:namespace"] = `bench-sentinel-${t.downAfterMs}`;
    stack.config["redis-cluster:sentinel"] = { replicas: 3, quorum: 2, downAfterMs: t.downAfterMs, failoverTimeoutMs: t.failoverTimeoutMs };
    fs.writeFileSync(path.join(dir, `Pulumi.${SENTINEL_STACK}.yaml`), YAML.stringify(stack));
    return dir;
}

export async function withSentinelDeployment<T>(t: SentinelTiming, body: (s: SentinelDeployment) => Promise<T>): Promise<T> {
    const project = scratchProject(t);
    const saved = { cwd: process.cwd(), dir: process.env.REDIS_LOCAL_STATE_DIR, base: process.env.REDIS_LOCAL_ADDRESS_BASE };
    process.chdir(project);
    process.env.REDIS_LOCAL_STATE_DIR = path.join(project, ".local");
    process.env.REDIS_LOCAL_ADDRESS_BASE = t.addressBase;
    try {
        const d = await up(SENTINEL_STACK);
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
        return await body({ deployment: d, password, redisPods, probe, sentinels });
    } finally {
        await down(SENTINEL_STACK).catch(() => undefined);
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
}
