// Backup and restore throughput (MB/s) of the rendered backup jobs and restore.from in local mode,
// against the raw limit in the same run on the same data (bench/backup-reference.ts: the stock
// tools a person would script by hand, every shard at the same time). Restore is timed from `up`
// of a stack with restore.from to every key served (bench/keys-served.ts), and also to `up`
// returning (replicas synced, every pod ready). Medians of runs, ours and the reference interleaved.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packageRoot } from "../components/package-files";
import { passwordKey, USERS } from "../components/settings/spec";
import { down, up } from "../local/deployment";
import { runJob } from "../local/jobs";
import { stopProcess } from "../local/pod";
import { readEvents } from "../local/rollout";
import { AWS_CLI, awsLocal } from "../local/s3";
import { podAddress, secretFile, stateDir } from "../local/state";
import { RESTORE_CONTAINER } from "../components/backup/restore";
import { must, referenceBackup, referenceRestore } from "./backup-reference";
import { fill } from "./fill";
import { watchKeysServed } from "./keys-served";
import { median, printTable } from "./stats";

const S3_ADDRESS = "127.0.11.1";
const S3_PORT = 19412;
const ADDRESS_BASE = "127.0.11.111";
const SCRATCH_ADDRESS = "127.0.11.161";
const SHARDS = 3;
const BUCKET = "bench-backups";

export interface BackupBenchResult {
    phase: string;
    tool: string;
    mb: number;
    seconds: number[];
    mbPerSecond: number;
}

const stackYaml = (restoreFrom?: string) => `config:
  redis-cluster:shards: 3
  redis-cluster:replicasPerShard: 1
  redis-cluster:resources:
    requests: {cpu: 100m, memory: 128Mi}
    limits: {cpu: "2", memory: 4Gi}
  redis-cluster:storage: {size: 20Gi, storageClass: ""}
  redis-cluster:redis: {maxmemory: 3gb, ioThreads: 1}
  redis-cluster:scheduling: {hostAntiAffinity: preferred, zoneAntiAffinity: none}
  redis-cluster:terminationGracePeriodSeconds: 60
  redis-cluster:monitoring:
    serviceMonitor: {enabled: false}
    prometheusRule: {enabled: false}
    dashboard: {enabled: false}
  redis-cluster:backup:
    volumeSize: 20Gi
    daily: {keep: 2}
    s3: {enabled: true, bucketName: ${BUCKET}}
${restoreFrom ? `  redis-cluster:restore: {from: "${restoreFrom}"}\n` : ""}`;

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** The download and check seconds a restored master's init container printed (restore-fetch.sh's last line). */
function restoreSteps(log: string): { download: number; check: number } {
    const m = /downloaded in ([\d.]+) s, checked in ([\d.]+) s$/m.exec(fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "");
    if (!m) throw new Error(`${log}: no "downloaded in ... s, checked in ... s" line from restore-fetch.sh`);
    return { download: Number(m[1]), check: Number(m[2]) };
}

/** Replica address of each shard, in slot order, as the backup job picks them. */
function replicas(seed: string, password: string): string[] {
    const nodes = spawnSync("redis-cli", ["--no-auth-warning", "--user", USERS.admin, "-h", seed, "cluster", "nodes"], {
        encoding: "utf8",
        env: { ...process.env, REDISCLI_AUTH: password },
    }).stdout;
    const lines = nodes
        .trim()
        .split("\n")
        .map((l) => l.split(" "));
    const masters = lines
        .filter((l) => l[2].includes("master") && l.length >= 9)
        .sort((a, b) => Number(a[8].split("-")[0]) - Number(b[8].split("-")[0]));
    return masters.map((m) => lines.find((l) => l[3] === m[0] && l[2].includes("slave"))![1].split("@")[0]);
}

export async function benchBackup(megabytes: number, runs: number): Promise<BackupBenchResult[]> {
    if (!fs.existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing: apt-get install -y awscli`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-backup-"));
    const stack = `test-bench-${process.pid}`;
    const restoreStack = `test-bench-restore-${process.pid}`;
    const stackFile = (name: string) => path.join(packageRoot, `Pulumi.${name}.yaml`);
    Object.assign(process.env, {
        REDIS_LOCAL_S3_ENDPOINT: `http://${S3_ADDRESS}:${S3_PORT}`,
        REDIS_LOCAL_STATE_DIR: path.join(root, "state"),
        REDIS_LOCAL_ADDRESS_BASE: ADDRESS_BASE,
    });
    fs.mkdirSync(path.join(root, "s3"));
    const s3rver: ChildProcess = spawn(
        process.execPath,
        [
            require.resolve("s3rver/bin/s3rver.js"),
            "-d",
            path.join(root, "s3"),
            "-a",
            S3_ADDRESS,
            "-p",
            String(S3_PORT),
            "-s",
            "--configure-bucket",
            BUCKET,
        ],
        { stdio: "ignore" },
    );
    const times: Record<string, number[]> = {};
    const record = (key: string, s: number) => (times[key] ??= []).push(s);
    let bytes = 0;
    try {
        for (let i = 0; awsLocal(["s3", "ls", `s3://${BUCKET}/`]).status !== 0; i++) {
            if (i > 100) throw new Error("s3rver did not come up");
            await new Promise((r) => setTimeout(r, 200));
        }
        fs.writeFileSync(stackFile(stack), stackYaml());
        const deployment = await up(stack);
        const password = fs.readFileSync(deployment.passwordFile, "utf8");
        // The reference pulls snapshots as the jobs do: as admin (the app user may not SYNC).
        const adminPassword = fs.readFileSync(path.join(path.dirname(deployment.passwordFile), passwordKey("admin")), "utf8");
        console.error(`bench backup: writing ${megabytes} MB`);
        const keys = await fill(deployment.pods[0].address, password, megabytes);
        const sources = replicas(deployment.pods[0].address, adminPassword);
        let backupId = "";
        for (let run = 0; run < runs; run++) {
            // Ours: the rendered daily CronJob, its dump and upload steps timed apart.
            const started: Record<string, bigint> = {};
            const t0 = process.hrtime.bigint();
            const job = await runJob(stack, "redis-cluster-backup-daily", {
                retry: false,
                onStart: (name) => {
                    started[name] = process.hrtime.bigint();
                },
            });
            const total = seconds(t0);
            if (!job.succeeded) throw new Error(job.containers.map((c) => c.output).join("\n"));
            record("ours dump", Number(started.upload - t0) / 1e9);
            record("ours upload", seconds(started.upload));
            record("ours backup", total);
            const ids = (await must(awsLocal(["s3", "ls", `s3://${BUCKET}/redis-cluster/daily/`]), "list")).match(/\d{8}T\d{6}Z/g)!;
            backupId = ids.sort().pop()!;
            const manifest = JSON.parse(
                await must(awsLocal(["s3", "cp", `s3://${BUCKET}/redis-cluster/daily/${backupId}/manifest.json`, "-"]), "manifest"),
            );
            bytes = (manifest.shards as { bytes: number }[]).reduce((n, s) => n + s.bytes, 0);

            // Reference: redis-cli --rdb from the same replicas, then aws s3 cp of each file, shards at once.
            const reference = await referenceBackup(
                sources,
                adminPassword,
                path.join(root, `reference-${run}`),
                `s3://${BUCKET}/reference/${run}/`,
            );
            record("reference dump", reference.dump);
            record("reference upload", reference.upload);
            record("reference backup", reference.dump + reference.upload);
            fs.rmSync(path.join(root, `reference-${run}`), { recursive: true, force: true });
        }

        await down(stack);
        const restoreDir = stateDir(restoreStack);
        for (let run = 0; run < runs; run++) {
            // Ours: a fresh deployment with restore.from: until every key is served, and until `up` returns.
            fs.writeFileSync(stackFile(restoreStack), stackYaml(`daily/${backupId}`));
            const masters = Array.from({ length: SHARDS }, (_, i) => podAddress(i));
            const watch = watchKeysServed(masters, secretFile(restoreDir, passwordKey("admin")), keys);
            const t0 = process.hrtime.bigint();
            const wall0 = Date.now();
            try {
                await up(restoreStack);
                record("ours restore-up", seconds(t0));
                const served = await Promise.race([
                    watch.served,
                    new Promise<undefined>((r) => setTimeout(() => r(undefined), 30000).unref()),
                ]);
                if (!served) throw new Error(`restored deployment does not serve all ${keys} keys`);
                record("ours restore", Number(served - t0) / 1e9);
                // Where the time went: until the first pod is created (the render and its manifest
                // read), each restored master's init containers (fetch and check), and until the
                // last restored master's container starts.
                const events = readEvents(restoreDir).filter((e) => e.t >= wall0);
                const restored = (e: { pod: string }) => masters.some((_, i) => e.pod.endsWith(`-${i}`));
                const at = (kind: string) => events.filter((e) => e.event === kind && restored(e));
                record("ours restore-render", (Math.min(...events.filter((e) => e.event === "create").map((e) => e.t)) - wall0) / 1000);
                record("ours restore-init", Math.max(...at("start").map((s) => s.t - at("create").find((c) => c.pod === s.pod)!.t)) / 1000);
                record("ours restore-fetch", (Math.max(...at("start").map((e) => e.t)) - wall0) / 1000);
                // Within the init container, as restore-fetch.sh times it: the download, then the check.
                const steps = masters.map((_, i) => restoreSteps(path.join(restoreDir, "pods", `pod-${i}`, `${RESTORE_CONTAINER}.log`)));
                record("ours restore-download", Math.max(...steps.map((s) => s.download)));
                record("ours restore-check", Math.max(...steps.map((s) => s.check)));
            } finally {
                watch.stop();
                await down(restoreStack);
            }

            // Reference: per shard aws s3 cp down, then redis-server loading it, shards at once.
            const dir = path.join(root, `restore-${run}`);
            const reference = await referenceRestore(`s3://${BUCKET}/reference/0/`, SHARDS, dir, SCRATCH_ADDRESS, 6400);
            record("reference restore", reference.seconds);
            record("reference restore-download", reference.downloadSeconds);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    } finally {
        await down(stack).catch(() => undefined);
        await down(restoreStack).catch(() => undefined);
        for (const name of [stack, restoreStack]) fs.rmSync(stackFile(name), { force: true });
        if (s3rver.pid) await stopProcess(s3rver.pid, 5000);
        fs.rmSync(root, { recursive: true, force: true });
    }
    const mb = bytes / 2 ** 20;
    return Object.entries(times).map(([key, s]) => {
        const [tool, phase] = key.split(" ");
        return {
            phase,
            tool,
            mb: Math.round(mb),
            seconds: s.map((x) => Math.round(x * 100) / 100),
            mbPerSecond: Math.round((mb / median(s)) * 10) / 10,
        };
    });
}

export function printBackup(results: BackupBenchResult[]): void {
    const order = [
        "dump",
        "upload",
        "backup",
        "restore-render",
        "restore-init",
        "restore-download",
        "restore-check",
        "restore-fetch",
        "restore",
        "restore-up",
    ];
    // A phase is compared with the reference's same phase; the restore's end points (until the
    // last master starts, until up returns) with the reference's whole restore. Its steps
    // (render, init, check) have no counterpart and get no ratio.
    const compareWith: Record<string, string> = { "restore-fetch": "restore", "restore-up": "restore" };
    const reference = (phase: string) => results.find((r) => r.tool === "reference" && r.phase === (compareWith[phase] ?? phase));
    const rows = [...results]
        .sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase) || a.tool.localeCompare(b.tool))
        .map((r) => {
            const ref = reference(r.phase);
            const ratio = r.tool === "ours" && ref ? (median(ref.seconds) / median(r.seconds)).toFixed(2) : "";
            return [r.phase, r.tool, r.mb, median(r.seconds).toFixed(2), r.mbPerSecond, ratio, r.seconds.join(" ")];
        });
    printTable(
        "Backup and restore (RDB MB, 3 shards at once; ours = rendered jobs / restore.from in local mode, reference = redis-cli --rdb + aws s3 cp + redis-server load; ratio = reference s / ours s)",
        ["phase", "tool", "MB", "median s", "MB/s", "x raw", "runs (s)"],
        rows,
    );
    console.log(
        "restore = up to every key served; restore-up = up returned (replicas synced); restore-render = up to the first pod created (render, manifest read); restore-init = longest init of a restored master (fetch, sha256 check), of which restore-download and restore-check (the longest of each; reference: its downloads); restore-fetch = up to the last restored master's start (x raw against the whole reference restore)",
    );
}
