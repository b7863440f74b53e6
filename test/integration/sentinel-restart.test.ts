// A planned restart of a replica in the sentinel topology (local mode, real redis-server and
// redis-sentinel): the preStop hook has it write an RDB as it stops, the start loads that RDB
// with the AOF off, and the replica continues replication from its offset, so the master sends
// only what it missed instead of a full copy. Writes go on throughout; none acknowledged is lost.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Redis from "ioredis";
import { USERS } from "../../components/settings/spec";
import { podAction } from "../../local/deployment";
import { logTimes } from "../../bench/redis-log";
import { SentinelProbe, until } from "../../testing/sentinel-health";
import { SentinelWorkload } from "../../testing/sentinel-workload";
import { requireTool } from "../../local/tools";
import { printLogsOnFailure, startDevDeployment, TestDeployment } from "../support/local-deployment";

const STACK = "sentinel-dev";

describe("sentinel topology: a replica's planned restart continues with a partial resync", function () {
    this.timeout(180000);
    let t: TestDeployment;
    let probe: SentinelProbe;
    let redisPods: { name: string; host: string }[];

    before(async () => {
        for (const tool of ["redis-server", "redis-sentinel", "redis-cli"]) requireTool(tool);
        t = await startDevDeployment("127.0.26.11", STACK);
        redisPods = t.deployment.pods.filter((p) => t.deployment.seeds.includes(`${p.address}:6379`));
        probe = new SentinelProbe(
            redisPods.map((p) => p.host),
            t.deployment.sentinels!,
            t.password,
            t.deployment.masterName!,
            t.adminPassword,
        );
        await until(() => probe.healthyMaster() !== undefined, "a healthy deployment", 90000);
    });

    afterEach(function () {
        printLogsOnFailure(this, t, STACK);
    });

    after(async () => {
        await t?.stop();
    });

    it("stopped and started under writes: partial resync from the master, AOF back on, the stop's RDB gone, no write lost", async () => {
        const master = probe.healthyMaster()!;
        const index = redisPods.findIndex((p) => p.host !== master);
        const replica = redisPods[index];
        const podDir = path.join(t.root, STACK, "pods", `pod-${index}`);
        const masterLog = path.join(t.root, STACK, "pods", `pod-${redisPods.findIndex((p) => p.host === master)}`, "redis.log");
        const w = new SentinelWorkload(
            t.deployment.sentinels!.map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) })),
            t.deployment.masterName!,
            t.password,
            "restart",
        );
        w.start();
        try {
            await until(() => w.replicaAcknowledged.length >= 200, "the workload writes");
            const since = Date.now();
            await podAction(STACK, replica.name, "stop");
            // Writes the replica misses while it is down: the master's backlog must carry them.
            const missedFrom = w.replicaAcknowledged.length;
            await until(() => w.replicaAcknowledged.length >= missedFrom + 100, "writes while the replica is down");
            await podAction(STACK, replica.name, "start");
            await until(
                () => SentinelProbe.field(probe.replication(replica.host), "master_link_status") === "up",
                "the replica linked to its master again",
                60000,
            );
            const log = logTimes(path.join(podDir, "redis.log"), since).map((l) => l.text);
            const all = fs.readFileSync(path.join(podDir, "redis.log"), "utf8");
            assert.match(all, /back from a planned stop as a replica: loading the RDB written at the stop/);
            assert.ok(
                log.some((l) => /accepted a Partial Resynchronization/i.test(l)),
                `no partial resync in the replica's log:\n${log.join("\n")}`,
            );
            assert.deepStrictEqual(
                log.filter((l) => /Full resync from/i.test(l)),
                [],
                "the replica took a full copy",
            );
            assert.deepStrictEqual(
                logTimes(masterLog, since)
                    .map((l) => l.text)
                    .filter((l) => /Starting BGSAVE for SYNC|Full resync requested/i.test(l)),
                [],
                "the master sent a full copy",
            );
            // The AOF is back on and rewritten, and the stop's RDB (no save rules) is gone.
            await until(() => /^aof_enabled:1\r?$/m.test(probe.admin(replica.host, "info", "persistence")), "the replica's AOF back on");
            await until(() => !fs.existsSync(path.join(podDir, "data", "dump.rdb")), "the stop's RDB removed");
            assert.match(
                fs.readFileSync(path.join(podDir, "redis.log"), "utf8"),
                /follow: AOF back on after the start from the planned stop's RDB/,
            );
            assert.strictEqual(probe.admin(replica.host, "config", "get", "rdbcompression").split("\n")[1], "yes");
        } finally {
            await w.stop();
            w.close();
        }
        // Every write a replica acknowledged is on the restarted replica, which did not copy the
        // data again: what it had before its stop came from its own RDB.
        await until(() => SentinelProbe.field(probe.replication(replica.host), "master_link_status") === "up", "linked after the writes");
        await until(() => {
            const offsets = [master, replica.host].map((h) => SentinelProbe.field(probe.replication(h), "master_repl_offset"));
            return offsets[0] === offsets[1];
        }, "the replica caught up");
        const reader = new Redis({ host: replica.host, port: 6379, username: USERS.app, password: t.password });
        try {
            assert.deepStrictEqual(await SentinelWorkload.missing(reader, w.replicaAcknowledged), []);
        } finally {
            reader.disconnect();
        }
    });
});
