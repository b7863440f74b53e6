// Backups end to end in local mode, with the real aws CLI against s3rver: the rendered backup
// CronJobs run as `kubectl create job --from=cronjob/...` would run them, the bucket then holds
// every shard's RDB and the manifest; verify loads them and catches a corrupted object; the jobs
// never delete from S3 (s3rver's request log shows no DELETE: retention is the bucket's lifecycle,
// asserted on the rendered bucket since s3rver has no lifecycle); a backup killed mid-upload is
// never complete; and a fresh deployment restored from the backup holds every key with an
// identical value. Throughout, the secret-leak sampler watches every process (the Jobs' aws and
// redis-cli included) and file.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis, { Cluster } from "ioredis";
import { packageRoot } from "../../components/package-files";
import { down, up, UpResult } from "../../local/deployment";
import { runJob } from "../../local/jobs";
import { buildBackupObjects } from "../../components/backup";
import { buildAllObjects } from "../../components/kubernetes";
import { passwordKey, resolveSpec, USER_ROLES } from "../../components/settings/spec";
import { materializeVolumes, planPod, runToCompletion, stopProcess } from "../../local/pod";
import { AWS_CLI, awsLocal } from "../../local/s3";
import { renderStack } from "../../tools/render";
import { requireTool } from "../../local/tools";
import { adminPasswordOf } from "../support/local-deployment";
import { assertNoLeaks, LeakSampler } from "../support/leak-sampler";

const ADDRESS_BASE = "127.0.11.11";
const S3_ADDRESS = "127.0.11.1";
const S3_PORT = 19411;
const BUCKET = "backup-test";
const PREFIX = "redis-cluster/";
const stackName = `test-backup-${process.pid}`;
const restoreStackName = `test-restore-${process.pid}`;
const stackFile = (name: string) => path.join(packageRoot, `Pulumi.${name}.yaml`);

const STACK = `config:
  redis-cluster:shards: 3
  redis-cluster:replicasPerShard: 1
  redis-cluster:resources:
    requests: {cpu: 100m, memory: 128Mi}
    limits: {cpu: "1", memory: 512Mi}
  redis-cluster:storage: {size: 2Gi, storageClass: ""}
  redis-cluster:redis: {maxmemory: 256mb, ioThreads: 1}
  redis-cluster:scheduling: {hostAntiAffinity: preferred, zoneAntiAffinity: none}
  redis-cluster:terminationGracePeriodSeconds: 30
  redis-cluster:monitoring:
    serviceMonitor: {enabled: false}
    prometheusRule: {enabled: false}
    dashboard: {enabled: false}
  redis-cluster:backup:
    volumeSize: 2Gi
    hourly: {keep: 2}
    s3: {enabled: true, bucketName: ${BUCKET}, prefix: ${PREFIX}}
`;

function s3(...args: string[]): string {
    const r = awsLocal(["s3", ...args]);
    assert.strictEqual(r.status, 0, `aws s3 ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
}
/** Folder names under a kind, with whether each holds a manifest (is complete). */
function backups(kind: string): { id: string; complete: boolean; files: string[] }[] {
    const ids = s3("ls", `s3://${BUCKET}/${PREFIX}${kind}/`)
        .split("\n")
        .map((l) => /PRE (\S+)\//.exec(l)?.[1])
        .filter((x): x is string => !!x);
    return ids.sort().map((id) => {
        const files = s3("ls", `s3://${BUCKET}/${PREFIX}${kind}/${id}/`)
            .split("\n")
            .map((l) => l.trim().split(/\s+/)[3])
            .filter(Boolean)
            .sort();
        return { id, complete: files.includes("manifest.json"), files };
    });
}

async function waitUntil(what: string, timeoutMs: number, test: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** Keys of every type, a few with a TTL, and one large value per shard (so an upload takes a while). */
async function writeDataset(cluster: Cluster, masters: { slots: string }[]): Promise<string[]> {
    const keys: string[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) {
        writes.push(cluster.set(`str:${i}`, `value-${i}-${"x".repeat(i % 50)}`));
        keys.push(`str:${i}`);
        writes.push(cluster.hset(`hash:${i}`, { a: String(i), b: `b${i}` }));
        keys.push(`hash:${i}`);
        writes.push(cluster.rpush(`list:${i}`, "1", String(i), "3"));
        keys.push(`list:${i}`);
        writes.push(cluster.sadd(`set:${i}`, "a", String(i)));
        keys.push(`set:${i}`);
        writes.push(cluster.zadd(`zset:${i}`, i, "m1", i + 1, "m2"));
        keys.push(`zset:${i}`);
    }
    for (let i = 0; i < 20; i++) {
        writes.push(cluster.set(`ttl:${i}`, String(i), "EX", 3600));
        keys.push(`ttl:${i}`);
    }
    await Promise.all(writes);
    const slotOf = require("cluster-key-slot") as (key: string) => number;
    const ranges = masters.map((m) => m.slots.split("-").map(Number));
    for (const [start, end] of ranges) {
        let n = 0;
        while (!(slotOf(`big:${n}`) >= start && slotOf(`big:${n}`) <= end)) n++;
        await cluster.set(`big:${n}`, Buffer.alloc(8 * 2 ** 20, `shard ${start}-${end} `));
        keys.push(`big:${n}`);
    }
    return keys;
}

/**
 * A key's type and value, compared as data: a DUMP payload is not canonical (a set's members come
 * out in hash table order, which a reload may change).
 */
async function valueOf(cluster: Cluster, key: string): Promise<string> {
    const type = await cluster.type(key);
    const value =
        type === "string"
            ? (await cluster.getBuffer(key))!.toString("base64")
            : type === "hash"
              ? Object.entries(await cluster.hgetall(key)).sort()
              : type === "list"
                ? await cluster.lrange(key, 0, -1)
                : type === "set"
                  ? (await cluster.smembers(key)).sort()
                  : type === "zset"
                    ? await cluster.zrange(key, 0, -1, "WITHSCORES")
                    : `unexpected type ${type}`;
    return JSON.stringify([type, value]);
}

describe("backup and restore (local mode, aws CLI against s3rver)", function () {
    this.timeout(300000);
    const saved = { ...process.env };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "backup-test-"));
    let s3rver: ChildProcess | undefined;
    // s3rver logs every response ("info: PUT /bucket/key 200 ..."): the requests the jobs made. Its
    // logger cuts a fixed-width colour prefix off each line, so colours must be on (FORCE_COLOR)
    // and are stripped here.
    const s3Log: string[] = [];
    const requests = (method: string) =>
        s3Log
            .join("")
            // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes being stripped.
            .replace(/\x1b\[[0-9;]*m/g, "")
            .split("\n")
            .filter((l) => new RegExp(`\\b${method} /${BUCKET}/`).test(l));
    let deployment: UpResult;
    let password: string;
    let cluster: Cluster;
    let keys: string[];
    const values = new Map<string, string>();
    let dailyId: string;
    let leaks: LeakSampler;

    before(async () => {
        for (const tool of ["redis-server", "redis-cli", "prometheus-redis-exporter", "shellcheck"]) requireTool(tool);
        assert.ok(fs.existsSync(AWS_CLI), `${AWS_CLI} is missing: apt-get install -y awscli`);
        fs.mkdirSync(path.join(root, "s3"));
        leaks = LeakSampler.start({ stateRoots: [path.join(root, "state"), path.join(root, "s3")] });
        s3rver = spawn(
            process.execPath,
            [
                require.resolve("s3rver/bin/s3rver.js"),
                "-d",
                path.join(root, "s3"),
                "--address",
                S3_ADDRESS,
                "-p",
                String(S3_PORT),
                "--configure-bucket",
                BUCKET,
            ],
            { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, FORCE_COLOR: "1" } },
        );
        s3rver.stdout!.on("data", (chunk: Buffer) => s3Log.push(chunk.toString()));
        Object.assign(process.env, {
            REDIS_LOCAL_S3_ENDPOINT: `http://${S3_ADDRESS}:${S3_PORT}`,
            REDIS_LOCAL_STATE_DIR: path.join(root, "state"),
            REDIS_LOCAL_ADDRESS_BASE: ADDRESS_BASE,
        });
        await waitUntil("s3rver to serve the bucket", 20000, () => awsLocal(["s3", "ls", `s3://${BUCKET}/`]).status === 0);
        fs.writeFileSync(stackFile(stackName), STACK);
        deployment = await up(stackName);
        leaks.scanText("local up's result (the stack's outputs)", JSON.stringify(deployment));
        password = fs.readFileSync(deployment.passwordFile, "utf8");
        cluster = new Cluster(
            deployment.seeds.slice(0, 1).map((s) => ({ host: s.split(":")[0], port: 6379 })),
            { redisOptions: { username: deployment.user!, password }, enableAutoPipelining: true },
        );
    });

    after(async () => {
        cluster?.disconnect();
        await down(stackName).catch(() => undefined);
        await down(restoreStackName).catch(() => undefined);
        if (s3rver?.pid) await stopProcess(s3rver.pid, 5000);
        const report = leaks ? await leaks.stop() : undefined;
        for (const name of [stackName, restoreStackName]) fs.rmSync(stackFile(name), { force: true });
        for (const k of ["REDIS_LOCAL_S3_ENDPOINT", "REDIS_LOCAL_STATE_DIR", "REDIS_LOCAL_ADDRESS_BASE"]) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
        fs.rmSync(root, { recursive: true, force: true });
        if (report) assertNoLeaks(report, USER_ROLES.map(passwordKey));
    });

    it("the backup scripts are POSIX sh, clean under shellcheck", () => {
        const dir = path.join(packageRoot, "components", "backup", "scripts");
        const r = spawnSync("shellcheck", ["-s", "sh", ...fs.readdirSync(dir).map((f) => path.join(dir, f))], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("a manual daily backup puts every shard's RDB and the manifest, last, in the bucket", async () => {
        const masters = ((await cluster.cluster("SHARDS")) as any[])
            .map((shard: any[]) => {
                const slots = shard[1] as number[];
                return { slots: `${slots[0]}-${slots[1]}` };
            })
            .sort((a, b) => Number(a.slots.split("-")[0]) - Number(b.slots.split("-")[0]));
        keys = await writeDataset(cluster, masters);
        const written = await Promise.all(keys.map((k) => valueOf(cluster, k)));
        keys.forEach((k, i) => values.set(k, written[i]));

        const job = await runJob(stackName, "redis-cluster-backup-daily");
        assert.ok(job.succeeded, job.containers.map((c) => c.output).join("\n"));
        assert.deepStrictEqual(
            job.containers.map((c) => [c.name, c.exitCode]),
            [
                ["dump", 0],
                ["upload", 0],
            ],
        );

        const [daily] = backups("daily");
        dailyId = daily.id;
        assert.deepStrictEqual(daily.files, ["manifest.json", "shard-0.rdb", "shard-1.rdb", "shard-2.rdb"]);
        const manifest = JSON.parse(s3("cp", `s3://${BUCKET}/${PREFIX}daily/${dailyId}/manifest.json`, "-"));
        assert.strictEqual(manifest.shardCount, 3);
        assert.deepStrictEqual(
            manifest.shards.map((s: any) => s.slots),
            masters.map((m) => m.slots),
        );
        assert.strictEqual(
            manifest.shards.reduce((n: number, s: any) => n + s.keys, 0),
            keys.length,
        );
        assert.strictEqual(
            manifest.shards.reduce((n: number, s: any) => n + s.expires, 0),
            20,
        );
        // Each RDB came from a replica of its shard, not from the master.
        const nodes = String(await cluster.nodes("master")[0].cluster("NODES"));
        for (const s of manifest.shards) {
            assert.match(
                nodes,
                new RegExp(`^${s.sourceId} \\S+ (myself,)?slave ${s.masterId} `, "m"),
                `shard ${s.index} was not dumped from a replica`,
            );
        }
        // The object in S3 is the file the manifest describes.
        const local = path.join(root, "shard-1.rdb");
        s3("cp", `s3://${BUCKET}/${PREFIX}daily/${dailyId}/shard-1.rdb`, local);
        assert.strictEqual(fs.statSync(local).size, manifest.shards[1].bytes);
    });

    it("verify loads the newest backup into a scratch Redis: checksums and key counts match the manifest", async () => {
        const job = await runJob(stackName, "redis-cluster-backup-verify");
        const output = job.containers.map((c) => c.output).join("\n");
        assert.ok(job.succeeded, output);
        assert.match(output, new RegExp(`verify: backup daily/${dailyId} OK \\(3 shards\\)`));
        assert.strictEqual((output.match(/sha256 ok/g) ?? []).length, 3);
    });

    it("verify catches a corrupted object", async () => {
        const key = `s3://${BUCKET}/${PREFIX}daily/${dailyId}/shard-2.rdb`;
        const good = path.join(root, "good.rdb");
        s3("cp", key, good);
        const bad = Buffer.from(fs.readFileSync(good));
        bad[Math.floor(bad.length / 2)] ^= 0xff;
        fs.writeFileSync(path.join(root, "bad.rdb"), bad);
        s3("cp", path.join(root, "bad.rdb"), key);
        try {
            const job = await runJob(stackName, "redis-cluster-backup-verify", { retry: false });
            const output = job.containers.map((c) => c.output).join("\n");
            assert.strictEqual(job.succeeded, false, output);
            assert.match(output, /verify: shard 2: shard-2\.rdb has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
            assert.match(output, new RegExp(`verify: backup daily/${dailyId} FAILED`));
            assert.doesNotMatch(output, /shard 0: .*has sha256/);
        } finally {
            s3("cp", good, key);
        }
    });

    it("the rendered restore step places shard n's RDB for pod n only, and refuses another shard count or a damaged object", () => {
        const url = `s3://${BUCKET}/${PREFIX}daily/${dailyId}/`;
        // IRSA settings: the step then reads no key Secret (local mode supplies s3rver's login).
        const irsa = {
            enabled: true,
            bucketName: BUCKET,
            oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X",
        };
        const restoreStep = (shards: number, ordinal: number) => {
            const spec = resolveSpec({ shards, restore: { from: url }, backup: { s3: irsa } });
            const objects = [...buildAllObjects(spec, password), ...buildBackupObjects(spec)];
            const plan = planPod(objects, ordinal, `127.0.11.${71 + ordinal}`, fs.mkdtempSync(path.join(root, "pod-")), password);
            materializeVolumes(objects, plan, password);
            const result = runToCompletion(plan.initContainers.find((c) => c.name === "restore")!);
            return { ...result, data: path.join(plan.root, "data") };
        };
        const manifest = JSON.parse(s3("cp", `${url}manifest.json`, "-"));
        const placed = restoreStep(3, 1);
        assert.strictEqual(placed.status, 0, placed.output);
        // It says what it restored and how long the two steps that grow with the data took.
        assert.match(
            placed.output,
            /loads shard 1 \(shard-1\.rdb, sha256 ok\) from s3:\/\/.*: downloaded in \d+\.\d s, checked in \d+\.\d s$/m,
        );
        const base = fs.readFileSync(path.join(placed.data, "appendonlydir", "appendonly.aof.1.base.rdb"));
        assert.strictEqual(require("crypto").createHash("sha256").update(base).digest("hex"), manifest.shards[1].sha256);
        assert.strictEqual(
            fs.readFileSync(path.join(placed.data, "appendonlydir", "appendonly.aof.manifest"), "utf8"),
            "file appendonly.aof.1.base.rdb seq 1 type b\n",
        );
        const replica = restoreStep(3, 4);
        assert.strictEqual(replica.status, 0, replica.output);
        assert.deepStrictEqual(fs.readdirSync(replica.data), []);

        const wrongCount = restoreStep(4, 0);
        assert.strictEqual(wrongCount.status, 1);
        assert.match(
            wrongCount.output,
            /has 3 shards and this deployment 4; restore into the same shard count \(shards: 3\), then change shards/,
        );
        assert.deepStrictEqual(fs.readdirSync(wrongCount.data), []);

        const good = path.join(root, "good-0.rdb");
        s3("cp", `${url}shard-0.rdb`, good);
        fs.writeFileSync(path.join(root, "bad-0.rdb"), Buffer.concat([fs.readFileSync(good), Buffer.from("tampered")]));
        s3("cp", path.join(root, "bad-0.rdb"), `${url}shard-0.rdb`);
        try {
            const damaged = restoreStep(3, 0);
            assert.strictEqual(damaged.status, 1);
            assert.match(damaged.output, /shard-0\.rdb has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}; refusing a damaged backup/);
            assert.deepStrictEqual(fs.readdirSync(damaged.data), [], "a damaged RDB was placed or left behind");
        } finally {
            s3("cp", good, `${url}shard-0.rdb`);
        }
    });

    it("the jobs never delete from S3: every backup stays for the bucket's lifecycle to expire; the volume keeps the newest `keep`", async () => {
        // An incomplete leftover older than everything: nothing removes it but the lifecycle.
        fs.writeFileSync(path.join(root, "leftover"), "partial");
        s3("cp", path.join(root, "leftover"), `s3://${BUCKET}/${PREFIX}hourly/20000101T000000Z/shard-0.rdb`);
        const before = backups("hourly")
            .filter((b) => b.complete)
            .map((b) => b.id);
        const puts = requests("PUT").length;
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
            const job = await runJob(stackName, "redis-cluster-backup-hourly");
            const output = job.containers.map((c) => c.output).join("\n");
            assert.ok(job.succeeded, output);
            assert.match(output, /the bucket's lifecycle expires old ones/);
            ids.push(
                backups("hourly")
                    .filter((b) => b.complete)
                    .map((b) => b.id)
                    .pop()!,
            );
        }
        assert.strictEqual(new Set(ids).size, 3);
        // keep is 2 in this stack, and all 3 new backups (and every older one) are still in S3.
        assert.deepStrictEqual(
            backups("hourly").map((b) => [b.id, b.complete]),
            [["20000101T000000Z", false], ...[...before, ...ids].map((id) => [id, true])],
        );
        assert.deepStrictEqual(
            backups("daily").map((b) => [b.id, b.complete]),
            [[dailyId, true]],
        );
        // The jobs' requests: uploads seen by the server (so the log is read), not one DELETE.
        assert.ok(requests("PUT").length >= puts + 3 * 4, `s3rver logged ${requests("PUT").length - puts} PUTs for 3 backups`);
        assert.deepStrictEqual(requests("DELETE"), []);
        // The staging volume is the job's own disk, not S3: it still keeps the newest `keep` by count.
        const volume = path.join(process.env.REDIS_LOCAL_STATE_DIR!, stackName, "claims", "redis-cluster-backup-hourly", "hourly");
        assert.deepStrictEqual(fs.readdirSync(volume).sort(), [ids[1], ids[2]]);
    });

    it("S3 retention is the rendered bucket's lifecycle: each kind under the prefix expires by keep and schedule, old versions after 7 days", async () => {
        const rendered = await renderStack(stackName);
        const lifecycle = rendered.others.find((o) => o.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!;
        const rules = (lifecycle.inputs as any).rules;
        // hourly keep 2 (2 hours: a day), daily keep 7 (7 days); S3 counts to the next midnight UTC.
        assert.deepStrictEqual(
            rules.map((r: any) => [r.filter.prefix, r.expiration.days ?? "markers", r.noncurrentVersionExpiration?.noncurrentDays]),
            [
                [`${PREFIX}hourly/`, 1, 7],
                [`${PREFIX}daily/`, 7, 7],
                [PREFIX, "markers", undefined],
            ],
        );
        const writer = JSON.parse((rendered.others.find((o) => o.name === "redis-backup-access")!.inputs as any).policy);
        assert.deepStrictEqual(
            writer.Statement.filter((st: any) => st.Effect === "Allow").flatMap((st: any) => [st.Action].flat()),
            ["s3:ListBucket", "s3:PutObject", "s3:AbortMultipartUpload"],
        );
    });

    it("a backup killed mid-upload is never listed as complete, and retention and verify pass it by", async () => {
        const before = backups("hourly");
        let uploadPid: number | undefined;
        const running = runJob(stackName, "redis-cluster-backup-hourly", {
            retry: false,
            onStart: (name, pid) => {
                if (name === "upload") uploadPid = pid;
            },
        });
        const known = new Set(before.map((b) => b.id));
        const hourlyDir = path.join(root, "s3", BUCKET, PREFIX, "hourly");
        let partial = "";
        await waitUntil("the first shard of the new backup to land in the bucket", 60000, () => {
            partial = fs.readdirSync(hourlyDir).find((id) => !known.has(id)) ?? "";
            return partial !== "" && fs.existsSync(path.join(hourlyDir, partial, "shard-0.rdb._S3rver_metadata.json"));
        });
        process.kill(-uploadPid!, "SIGKILL");
        const job = await running;
        assert.strictEqual(job.succeeded, false);
        const after = backups("hourly");
        const cut = after.find((b) => b.id === partial)!;
        assert.ok(cut.files.includes("shard-0.rdb"), "the upload was cut after its first shard");
        assert.strictEqual(cut.complete, false, `a cut upload holds ${cut.files.join(", ")}`);
        // Nothing complete was removed for it.
        assert.deepStrictEqual(
            after.filter((b) => b.complete),
            before.filter((b) => b.complete),
        );
        const verify = await runJob(stackName, "redis-cluster-backup-verify");
        const output = verify.containers.map((c) => c.output).join("\n");
        assert.ok(verify.succeeded, output);
        assert.doesNotMatch(output, new RegExp(partial));
    });

    it("a master flagged fail? by the node that answers: the backup fails naming the shard and its slots, and nothing is marked complete", async () => {
        const adminPassword = adminPasswordOf(deployment);
        const admin = (address: string) =>
            new Redis({ host: address, port: 6379, username: "admin", password: adminPassword, maxRetriesPerRequest: 1 });
        // The job asks the first pod of the deployment, as local mode's Service does.
        const answering = deployment.pods[0].address;
        const asker = admin(answering);
        const others = deployment.pods.filter((p) => p.address !== answering).map((p) => admin(p.address));
        const nodes = async () =>
            String(await asker.cluster("NODES"))
                .trim()
                .split("\n")
                .map((l) => l.split(" "));
        const victim = (await nodes()).find((n) => n[2].includes("master") && !n[2].includes("myself") && n.length >= 9)!;
        const victimAddress = victim[1].split(":")[0];
        const victimPid = deployment.pods.find((p) => p.address === victimAddress)!.pids.redis;
        const victimSlots = victim.slice(8).join(",");
        const hourlyVolume = path.join(process.env.REDIS_LOCAL_STATE_DIR!, stackName, "claims", "redis-cluster-backup-hourly", "hourly");
        const before = { s3: backups("hourly"), volume: fs.readdirSync(hourlyVolume).sort() };
        // Only the answering node suspects within a second; every other node waits 120 s, so no
        // majority marks the master failed, no replica takes over, and cluster_state stays ok:
        // the view in which the old dump skipped the shard and still wrote a complete manifest.
        for (const c of others) await c.config("SET", "cluster-node-timeout", "120000");
        await asker.config("SET", "cluster-node-timeout", "1000");
        process.kill(victimPid, "SIGSTOP");
        try {
            const deadline = Date.now() + 20000;
            while (!(await nodes()).some((n) => n[0] === victim[0] && /fail/.test(n[2]))) {
                if (Date.now() > deadline) throw new Error(`${answering} never flagged ${victimAddress} as failing`);
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.match(String(await asker.cluster("INFO")), /cluster_state:ok/);
            const job = await runJob(stackName, "redis-cluster-backup-hourly", { retry: false });
            const output = job.containers.map((c) => c.output).join("\n");
            assert.strictEqual(job.succeeded, false, output);
            assert.deepStrictEqual(
                job.containers.map((c) => [c.name, c.exitCode]),
                [["dump", 1]],
            );
            assert.match(
                output,
                new RegExp(`shard with slots ${victimSlots}: master ${victim[0]} at ${victimAddress}:6379 is flagged master,fail\\?`),
            );
            assert.match(output, new RegExp(`slots ${victimSlots} have no healthy master; a backup must cover all 16384 slots`));
            assert.doesNotMatch(output, /complete on the volume/);
            assert.deepStrictEqual(backups("hourly"), before.s3, "the bucket changed");
            assert.deepStrictEqual(fs.readdirSync(hourlyVolume).sort(), before.volume, "the volume holds a new (or partial) backup");
        } finally {
            process.kill(victimPid, "SIGCONT");
            for (const c of [asker, ...others]) await c.config("SET", "cluster-node-timeout", "5000");
            const deadline = Date.now() + 30000;
            while ((await nodes()).some((n) => /fail/.test(n[2])) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
            for (const c of [asker, ...others]) c.disconnect();
        }
    });

    it("verify refuses a backup older than backup.verify.maxAgeMinutes", async () => {
        const newest = [...backups("hourly"), ...backups("daily")]
            .filter((b) => b.complete)
            .map((b) => b.id)
            .sort()
            .pop()!;
        const taken = Date.parse(newest.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
        // One minute is the smallest limit: let the newest backup pass it.
        while (Date.now() - taken < 62000) await new Promise((r) => setTimeout(r, 500));
        fs.writeFileSync(
            stackFile(stackName),
            STACK.replace("    hourly: {keep: 2}\n", "    hourly: {keep: 2}\n    verify: {maxAgeMinutes: 1}\n"),
        );
        try {
            const job = await runJob(stackName, "redis-cluster-backup-verify", { retry: false });
            const output = job.containers.map((c) => c.output).join("\n");
            assert.strictEqual(job.succeeded, false, output);
            assert.match(output, new RegExp(`verify: backup \\w+/${newest} was taken \\d+ s ago, more than the allowed 60 s`));
            assert.match(output, new RegExp(`verify: backup \\w+/${newest} FAILED with 1 problem`));
        } finally {
            fs.writeFileSync(stackFile(stackName), STACK);
        }
    });

    it("restores into a fresh deployment: every key and value identical, every key on the shard that owns its slot", async () => {
        cluster.disconnect();
        await down(stackName);
        fs.writeFileSync(stackFile(restoreStackName), `${STACK}  redis-cluster:restore: {from: "daily/${dailyId}"}\n`);
        const restored = await up(restoreStackName);
        leaks.scanText("local up's result of the restore (the stack's outputs)", JSON.stringify(restored));
        const pw = fs.readFileSync(restored.passwordFile, "utf8");
        cluster = new Cluster([{ host: restored.pods[0].address, port: 6379 }], {
            redisOptions: { username: restored.user!, password: pw },
            enableAutoPipelining: true,
        });
        const restoredValues = await Promise.all(keys.map((k) => valueOf(cluster, k)));
        const mismatched = keys.filter((k, i) => restoredValues[i] !== values.get(k));
        assert.deepStrictEqual(mismatched, []);
        for (let i = 0; i < 20; i++) assert.ok((await cluster.pttl(`ttl:${i}`)) > 0, `ttl:${i} lost its TTL`);
        // No key beyond the backup's, and `redis-cli --cluster check` finds every slot covered and agreed.
        let total = 0;
        for (const m of cluster.nodes("master")) total += await m.dbsize();
        assert.strictEqual(total, keys.length);
        const check = spawnSync(
            "redis-cli",
            ["--no-auth-warning", "--user", restored.user!, "--cluster", "check", `${restored.pods[0].address}:6379`],
            { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: pw } },
        );
        assert.strictEqual(check.status, 0, check.stdout);
        assert.match(check.stdout, /All 16384 slots covered/);
        // Every key a master holds lies in a slot it owns: no key was stranded on the wrong shard.
        const slotOf = require("cluster-key-slot") as (key: string) => number;
        for (const node of cluster.nodes("master")) {
            const myself = String(await node.cluster("NODES"))
                .split("\n")
                .find((l) => l.includes("myself"))!;
            const owned = myself
                .split(" ")
                .slice(8)
                .map((r) => r.split("-").map(Number));
            // SCAN, not KEYS: the app user clients get may not run KEYS.
            const held: string[] = [];
            let cursor = "0";
            do {
                const [next, batch] = await node.scan(cursor, "COUNT", 1000);
                cursor = next;
                held.push(...batch);
            } while (cursor !== "0");
            const stray = held.filter((k) => !owned.some(([a, b = a]) => slotOf(k) >= a && slotOf(k) <= b));
            assert.deepStrictEqual(stray, [], `${myself.split(" ")[1]} holds keys of slots it does not own`);
        }
        // Backup, verify and restore together sent S3 not one DELETE.
        assert.deepStrictEqual(requests("DELETE"), []);
    });
});
