// What a killed local-mode run leaves behind, against the real kernel and hosts file: a process
// still serving a pod's address stops `up` with the process named; the hosts block and nftables
// table of a deployment with nothing running are removed, those of a running one are kept.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { publishedDeployments, publishNames } from "../../local/dns";
import { pruneDeadDeployments, refuseTakenAddresses } from "../../local/leftovers";
import { tableOf } from "../../local/network-policy-enforcement";
import { saveState } from "../../local/state";

const nft = (...args: string[]) => spawnSync("nft", args, { encoding: "utf8" });

/** A pid that no process has: a child that has exited and been reaped. */
function deadPid(): number {
    const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    return Number(r.stdout.trim());
}

describe("local mode: what a killed run leaves behind (real kernel, real /etc/hosts)", function () {
    this.timeout(30000);
    const dirs: string[] = [];
    const deployment = (pid: number) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-leftovers-"));
        dirs.push(dir);
        saveState(dir, {
            stack: "leftovers",
            topology: "cluster",
            pods: [{ name: "redis-cluster-0", ordinal: 0, address: "127.0.44.1", root: dir, pids: { redis: pid } }],
        });
        return dir;
    };

    after(() => {
        for (const dir of dirs) {
            publishNames(dir, []);
            nft("delete", "table", "inet", tableOf(dir).table);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a process serving a pod's address stops the start, named; the deployment's own does not", async () => {
        const server = net.createServer().listen(6379, "127.0.44.1");
        await new Promise((r) => server.once("listening", r));
        try {
            assert.throws(
                () => refuseTakenAddresses([{ name: "redis-cluster-0", ip: "127.0.44.1" }], new Set()),
                new RegExp(
                    `cannot start pods on addresses that other processes serve: redis-cluster-0 at 127\\.0\\.44\\.1 \\(pid ${process.pid} node\\)`,
                ),
            );
            refuseTakenAddresses([{ name: "redis-cluster-0", ip: "127.0.44.1" }], new Set([process.pid]));
            refuseTakenAddresses([{ name: "redis-cluster-1", ip: "127.0.44.2" }], new Set());
        } finally {
            server.close();
        }
    });

    it("drops the hosts block and nftables table of a deployment with nothing running, and keeps a running one's", () => {
        const dead = deployment(deadPid());
        const live = deployment(process.pid);
        for (const dir of [dead, live]) {
            publishNames(dir, [{ address: "127.0.44.1", name: `redis-cluster-0.${path.basename(dir)}.svc.cluster.local` }]);
            const r = nft("add", "table", "inet", tableOf(dir).table);
            assert.strictEqual(r.status, 0, r.stderr);
        }
        const pruned = pruneDeadDeployments(path.join(os.tmpdir(), "another-deployment"));
        assert.ok(pruned.includes(dead), `${dead} not pruned: ${pruned}`);
        assert.ok(!pruned.includes(live));
        assert.ok(!publishedDeployments().includes(dead), "the dead deployment's hosts block is still there");
        assert.ok(publishedDeployments().includes(live), "the running deployment's hosts block was removed");
        assert.notStrictEqual(nft("list", "table", "inet", tableOf(dead).table).status, 0, "the dead deployment's table is still there");
        assert.strictEqual(nft("list", "table", "inet", tableOf(live).table).status, 0, "the running deployment's table was removed");
    });
});
