// Backup and restore throughput (MB/s) of the rendered backup jobs in local mode, against the
// reference a person would script by hand in the same run on the same data: `redis-cli --rdb` from
// the same replicas plus `aws s3 cp` of the files (backup), and `aws s3 cp` down plus redis-server
// loading each RDB (restore). Both talk to the same s3rver, with Debian's aws CLI. Medians of runs.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Cluster } from "ioredis";
import { packageRoot } from "../components/package-files";
import { passwordKey, USERS } from "../components/spec/spec";
import { down, up } from "../local/deployment";
import { runJob } from "../local/jobs";
import { stopProcess } from "../local/pod";
import { AWS_CLI, awsLocal } from "../local/s3";
import { median, printTable } from "./stats";

const S3_ADDRESS = "127.0.11.1";
const S3_PORT = 19412;
const ADDRESS_BASE = "127.0.11.111";
const SCRATCH_ADDRESS = "127.0.11.161";
const BUCKET = "bench-backups";
const VALUE_BYTES = 64 * 1024;

export interface BackupBenchResult { phase: string; tool: string; mb: number; seconds: number[]; mbPerSecond: number }

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

function must(r: { status: number | null; stdout: string; stderr: string }, what: string): string {
    if (r.status !== 0) throw new Error(`${what}: ${r.stderr}`);
    return r.stdout;
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

async function fill(seed: string, password: string, megabytes: number): Promise<void> {
    const cluster = new Cluster([{ host: seed, port: 6379 }], { redisOptions: { username: USERS.app, password }, enableAutoPipelining: true });
    try {
        const value = Buffer.alloc(VALUE_BYTES);
        const count = Math.ceil((megabytes * 2 ** 20) / VALUE_BYTES);
        for (let i = 0; i < count; i += 256) {
            const batch = [];
            for (let j = i; j < Math.min(count, i + 256); j++) {
                // Distinct, poorly compressible values: RDB compression must not flatter either side.
                value.writeUInt32LE(j, 0);
                for (let k = 4; k < 64; k += 4) value.writeUInt32LE((j * 2654435761 + k) >>> 0, k);
                batch.push(cluster.set(`bench:${j}`, Buffer.concat([value.subarray(0, 64), randomTail(j)])));
            }
            await Promise.all(batch);
        }
    } finally {
        cluster.disconnect();
    }
}

const tails = new Map<number, Buffer>();
/** 64 KB that zlib/LZF cannot shrink, varied per key (a pool of 64 random blocks, rotated). */
function randomTail(j: number): Buffer {
    const block = j % 64;
    if (!tails.has(block)) tails.set(block, require("crypto").randomBytes(VALUE_BYTES - 64));
    return tails.get(block)!;
}

/** Replica address of each shard, in slot order, as the backup job picks them. */
function replicas(seed: string, password: string): string[] {
    const nodes = spawnSync("redis-cli", ["--no-auth-warning", "--user", USERS.admin, "-a", password, "-h", seed, "cluster", "nodes"], { encoding: "utf8" }).stdout;
    const lines = nodes.trim().split("\n").map((l) => l.split(" "));
    const masters = lines.filter((l) => l[2].includes("master") && l.length >= 9).sort((a, b) => Number(a[8].split("-")[0]) - Number(b[8].split("-")[0]));
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
    const s3rver: ChildProcess = spawn(process.execPath, [require.resolve("s3rver/bin/s3rver.js"), "-d", path.join(root, "s3"),
        "-a", S3_ADDRESS, "-p", String(S3_PORT), "-s", "--configure-bucket", BUCKET], { stdio: "ignore" });
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
        await fill(deployment.pods[0].address, password, megabytes);
        const sources = replicas(deployment.pods[0].address, adminPassword);
        let backupId = "";
        for (let run = 0; run < runs; run++) {
            // Ours: the rendered daily CronJob, its dump and upload steps timed apart.
            const started: Record<string, bigint> = {};
            const t0 = process.hrtime.bigint();
            const job = await runJob(stack, "redis-cluster-backup-daily", { retry: false, onStart: (name) => { started[name] = process.hrtime.bigint(); } });
            const total = seconds(t0);
            if (!job.succeeded) throw new Error(job.containers.map((c) => c.output).join("\n"));
            record("ours dump", Number(started.upload - t0) / 1e9);
            record("ours upload", seconds(started.upload));
            record("ours backup", total);
            const ids = must(awsLocal(["s3", "ls", `s3://${BUCKET}/redis-cluster/daily/`]), "list").match(/\d{8}T\d{6}Z/g)!;
            backupId = ids.sort().pop()!;
            const manifest = JSON.parse(must(awsLocal(["s3", "cp", `s3://${BUCKET}/redis-cluster/daily/${backupId}/manifest.json`, "-"]), "manifest"));
            bytes = manifest.shards.reduce((n: number, s: any) => n + s.bytes, 0);

            // Reference: redis-cli --rdb from the same replicas, then aws s3 cp of each file.
            const dir = path.join(root, `reference-${run}`);
            fs.mkdirSync(dir);
            const r0 = process.hrtime.bigint();
            sources.forEach((address, i) => {
                const [host, port] = address.split(":");
                must(spawnSync("redis-cli", ["--no-auth-warning", "--user", USERS.admin, "-a", adminPassword, "-h", host, "-p", port, "--rdb", path.join(dir, `shard-${i}.rdb`)],
                    { encoding: "utf8" }) as any, "redis-cli --rdb");
            });
            const r1 = process.hrtime.bigint();
            sources.forEach((_, i) => must(awsLocal(["s3", "cp", "--only-show-errors", path.join(dir, `shard-${i}.rdb`), `s3://${BUCKET}/reference/${run}/shard-${i}.rdb`]), "aws s3 cp"));
            record("reference dump", Number(r1 - r0) / 1e9);
            record("reference upload", seconds(r1));
            record("reference backup", seconds(r0));
            fs.rmSync(dir, { recursive: true, force: true });
        }

        await down(stack);
        for (let run = 0; run < runs; run++) {
            // Ours: a fresh deployment with restore.from, until the cluster is formed and every pod ready.
            fs.writeFileSync(stackFile(restoreStack), stackYaml(`daily/${backupId}`));
            const t0 = process.hrtime.bigint();
            await up(restoreStack);
            record("ours restore", seconds(t0));
            await down(restoreStack);

            // Reference: aws s3 cp down, then one redis-server per RDB, until each answers PONG.
            const dir = path.join(root, `restore-${run}`);
            fs.mkdirSync(dir);
            const r0 = process.hrtime.bigint();
            for (let i = 0; i < 3; i++) must(awsLocal(["s3", "cp", "--only-show-errors", `s3://${BUCKET}/reference/0/shard-${i}.rdb`, path.join(dir, `shard-${i}.rdb`)]), "aws s3 cp");
            const servers = [0, 1, 2].map((i) => spawn("redis-server", ["--bind", SCRATCH_ADDRESS, "--port", String(6400 + i), "--dir", dir,
                "--dbfilename", `shard-${i}.rdb`, "--save", "", "--appendonly", "no"], { stdio: "ignore" }));
            for (let i = 0; i < 3; i++) {
                while (spawnSync("redis-cli", ["-h", SCRATCH_ADDRESS, "-p", String(6400 + i), "ping"], { encoding: "utf8" }).stdout.trim() !== "PONG") {
                    await new Promise((r) => setTimeout(r, 50));
                }
            }
            record("reference restore", seconds(r0));
            await Promise.all(servers.map((s) => stopProcess(s.pid!, 10000)));
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
        return { phase, tool, mb: Math.round(mb), seconds: s.map((x) => Math.round(x * 100) / 100), mbPerSecond: Math.round((mb / median(s)) * 10) / 10 };
    });
}

export function printBackup(results: BackupBenchResult[]): void {
    const order = ["dump", "upload", "backup", "restore"];
    const rows = [...results].sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase) || a.tool.localeCompare(b.tool))
        .map((r) => [r.phase, r.tool, r.mb, median(r.seconds).toFixed(2), r.mbPerSecond, r.seconds.join(" ")]);
    printTable("Backup and restore throughput (RDB MB; ours = rendered jobs in local mode, reference = redis-cli --rdb + aws s3 cp)",
        ["phase", "tool", "MB", "median s", "MB/s", "runs (s)"], rows);
}
