// A network partition isolating one master, with real Redis nodes in network namespaces: the
// isolated master stops taking writes once the node timeout passes, the majority fails over, and
// after healing no write acknowledged with WAIT is lost.
import * as assert from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { formCluster } from "../../components/formation/live/formation";
import type { FormationNode } from "../../components/formation/types";
import { buildAllObjects } from "../../components/kubernetes";
import { packageRoot } from "../../components/package-files";
import { resolveSpec } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { materializeVolumes, planPod, startContainer, stopProcess } from "../../local/pod";
import { requireTool } from "../../local/tools";
import { Workload } from "../../testing/workload";
import { canCreateNamespaces, createTestNet, TestNet } from "../support/netns";

const keySlot: (key: string) => number = require("cluster-key-slot");
const PASSWORD = "PartitionPw6d8f0a2c4e6b8d0f2a4c6e8b0d2f";
const NODE_TIMEOUT_MS = 5000;

describe("network partition of one master (network namespaces)", function () {
    this.timeout(180000);
    let net: TestNet | undefined;
    const procs: ChildProcess[] = [];
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "partition-"));

    before(function () {
        if (!canCreateNamespaces()) {
            console.log("      not run: network namespaces and veth pairs need root; CI runs as root");
            this.skip();
        }
        requireTool("redis-server");
        requireTool("ip");
    });

    after(async () => {
        await Promise.all(procs.map((p) => (p.pid ? stopProcess(p.pid, 5000) : undefined)));
        net?.destroy();
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("isolated master stops writes after the node timeout; majority fails over; no WAIT-acknowledged write lost after healing", async () => {
        net = createTestNet("rcpt", 6);
        const objects = buildAllObjects(resolveSpec(argsFromConfig(readStackConfig(packageRoot, "dev").config)), PASSWORD);
        for (const [i, h] of net.hosts.entries()) {
            const plan = planPod(objects, i, h.address, path.join(root, `pod-${i}`), PASSWORD);
            materializeVolumes(objects, plan, PASSWORD);
            const redis = plan.containers.find((c) => c.name === "redis")!;
            procs.push(startContainer({ ...redis, argv: ["ip", "netns", "exec", h.ns, ...redis.argv] }));
        }
        const nodes: FormationNode[] = net.hosts.map((h, i) => ({
            name: `redis-cluster-${i}`,
            ip: h.address,
            port: 6379,
            host: `host-${i}`,
            zone: "",
        }));
        await formCluster(
            nodes,
            { shards: 3, replicasPerShard: 1 },
            { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs: NODE_TIMEOUT_MS },
        );

        const admin = async (address: string) => {
            const c = new Redis({
                host: address,
                port: 6379,
                username: "admin",
                password: PASSWORD,
                lazyConnect: true,
                maxRetriesPerRequest: 0,
                retryStrategy: () => null,
                commandTimeout: 1000,
            });
            c.on("error", () => undefined);
            await c.connect();
            return c;
        };
        const ownerOfSlot0 = async (from: string) => {
            const c = await admin(from);
            const slots = (await c.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
            c.disconnect();
            return slots.find(([a, b]) => a <= 0 && b >= 0)![2][0];
        };
        const victimAddress = await ownerOfSlot0(net.hosts[0].address);
        const victim = net.hosts.findIndex((h) => h.address === victimAddress);
        const others = net.hosts.filter((_, i) => i !== victim).map((h) => h.address);
        let minorityKey: string;
        for (let i = 0; keySlot((minorityKey = `minority:${i}`)) > 5000; i++);

        const workload = new Workload(
            others.map((host) => ({ host, port: 6379 })),
            PASSWORD,
            { prefix: "pt" },
        );
        await workload.start();
        await new Promise((r) => setTimeout(r, 1000));

        net.isolate(victim);
        const isolatedAt = Date.now();
        // A client on the isolated side keeps writing to the isolated master.
        let minorityAcked = 0;
        let refusedAfterMs = -1;
        while (Date.now() - isolatedAt < NODE_TIMEOUT_MS * 3) {
            const r = spawnSync(
                "ip",
                [
                    "netns",
                    "exec",
                    net.hosts[victim].ns,
                    "redis-cli",
                    "--user",
                    "app",
                    "-h",
                    victimAddress,
                    "set",
                    minorityKey,
                    String(Date.now()),
                ],
                { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: PASSWORD }, timeout: 3000 },
            );
            if (r.stdout.trim() === "OK") minorityAcked++;
            else if (/CLUSTERDOWN/.test(r.stdout + r.stderr)) {
                refusedAfterMs = Date.now() - isolatedAt;
                break;
            }
            await new Promise((res) => setTimeout(res, 100));
        }
        assert.ok(refusedAfterMs >= 0, "the isolated master kept accepting writes");

        const deadline = Date.now() + 60000;
        while ((await ownerOfSlot0(others[0]).catch(() => victimAddress)) === victimAddress) {
            assert.ok(Date.now() < deadline, "the majority never failed the isolated master over");
            await new Promise((r) => setTimeout(r, 200));
        }
        const failedOverAfterMs = Date.now() - isolatedAt;

        net.heal(victim);
        const healDeadline = Date.now() + 60000;
        for (;;) {
            const c = await admin(victimAddress).catch(() => undefined);
            const role = c ? String(await c.info("replication").catch(() => "")) : "";
            c?.disconnect();
            if (/role:slave/.test(role) && /master_link_status:up/.test(role)) break;
            assert.ok(Date.now() < healDeadline, "the old master did not rejoin as a replica after healing");
            await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 1000));
        await workload.stop();
        workload.retarget(net.hosts.map((h) => ({ host: h.address, port: 6379 })));
        const report = await workload.verify();
        workload.close();
        console.log(
            `      partition: isolated master refused writes ${refusedAfterMs} ms after isolation (node timeout ${NODE_TIMEOUT_MS} ms), ` +
                `having acknowledged ${minorityAcked} minority-side writes without WAIT (lost by design); majority failed over after ${failedOverAfterMs} ms; ` +
                `${report.lostAcknowledged.length} of ${report.acknowledged} majority-side acknowledged writes lost, 0 of ${report.replicaAcknowledged} WAIT-acknowledged expected`,
        );
        assert.deepStrictEqual(report.lostReplicaAcknowledged, []);
        assert.ok(report.replicaAcknowledged > 100);
    });
});
