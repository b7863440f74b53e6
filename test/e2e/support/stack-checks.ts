// What the end-to-end scenarios check on a deployed stack, with real clients: the client examples
// (ioredis, redis-py), redis-cli --cluster check, and the pods' restart counts from the API.
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { Workload, WorkloadReport } from "../../../testing/workload";
import { kubectlJson, LocalCluster } from "./local-cluster";

const EXAMPLES = path.resolve(__dirname, "../../../../examples/clients");

export interface StackAccess {
    seeds: string[];
    username: string;
    password: string;
}

export function accessOf(outputs: Record<string, any>): StackAccess {
    return { seeds: outputs.seedAddresses, username: outputs.username, password: outputs.password };
}

/** Runs a client example; its last line is its JSON report. */
export function runExample(access: StackAccess, client: "ioredis" | "redis-py", prefix: string, count: number, checkPrefix?: string): any {
    const [cmd, file] = client === "ioredis" ? [process.execPath, "ioredis-cluster.js"] : ["/usr/bin/python3", "redis-py-cluster.py"];
    const env = { ...process.env, REDIS_SEEDS: access.seeds.join(","), REDIS_USER: access.username, REDIS_PASSWORD: access.password };
    const out = execFileSync(cmd, [path.join(EXAMPLES, file), prefix, String(count), ...(checkPrefix ? [checkPrefix] : [])], {
        env,
        encoding: "utf8",
        timeout: 180_000,
    });
    return JSON.parse(out.trim().split("\n").pop()!);
}

/** `redis-cli --cluster check` against the first seed, the password given through the environment. */
export function clusterCheck(access: StackAccess): { ok: boolean; output: string } {
    const [host, port] = access.seeds[0].split(":");
    const r = spawnSync("redis-cli", ["--user", access.username, "--cluster", "check", `${host}:${port}`], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, REDISCLI_AUTH: access.password },
    });
    const output = (r.stdout ?? "") + (r.stderr ?? "");
    return { ok: r.status === 0 && output.includes("[OK] All 16384 slots covered."), output };
}

/** Pod name -> [uid, total restarts], from the API. */
export function podRestarts(
    cluster: LocalCluster,
    namespace: string,
    selector: string,
): Record<string, { uid: string; restarts: number; ip: string }> {
    const pods = kubectlJson(cluster, ["-n", namespace, "get", "pods", "-l", selector]).items;
    return Object.fromEntries(
        pods.map((p: any) => [
            p.metadata.name,
            {
                uid: p.metadata.uid,
                ip: p.status.podIP,
                restarts: (p.status.containerStatuses ?? []).reduce((n: number, c: any) => n + c.restartCount, 0),
            },
        ]),
    );
}

/** Runs `action` while a workload writes (each write followed by WAIT 1), then reads back every acknowledged key. */
export async function withWrites(access: StackAccess, prefix: string, action: () => Promise<unknown>): Promise<WorkloadReport> {
    const seeds = access.seeds.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) }));
    const workload = new Workload(seeds, access.password, { prefix, username: access.username, concurrency: 4 });
    await workload.start();
    try {
        await action();
    } finally {
        await workload.stop();
    }
    try {
        const report = await workload.verify(120_000);
        if (report.replicaAcknowledged === 0) throw new Error(`no write was acknowledged by a replica (${report.attempted} attempted)`);
        return report;
    } finally {
        workload.close();
    }
}
