// The preStop hooks' last step, run in a real sh against a stand-in redis-cli: a node that stops
// as a replica asks for an RDB at its exit (the offset it restarts from), unless writing its data
// took too long for the time the grace period leaves; a master never does. Without save rules
// that RDB is written uncompressed (it lives only until the restart has loaded it). Both
// topologies' hooks (redis-prestop.sh, sentinel-prestop.sh) share it (resync-lib.sh).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { standInEnv, writeScriptsWithStandInCli } from "../support/stand-in-cli";

/** The node as the test sets it up: its role, its last AOF rewrite's seconds, save rules, shutdown-timeout. */
interface Node {
    role: "slave" | "master";
    took: number;
    save?: string;
    shutdownTimeout?: number;
}

for (const topology of ["cluster", "sentinel"] as const) {
    describe(`${topology === "cluster" ? "redis-prestop.sh" : "sentinel-prestop.sh"}: the RDB at a replica's stop`, () => {
        let dir: string;

        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "prestop-save-"));
            // Answers from files the test writes. The one session the step opens gets INFO
            // (role, the last AOF rewrite's time) and CONFIG GET, which redis-cli prints a line
            // per element (name, then value). CLUSTER NODES shows this node without slots and
            // INFO replication (the sentinel hook's first look) no master: neither hook has
            // anything to hand over.
            writeScriptsWithStandInCli(
                dir,
                [
                    "while [ $# -gt 0 ]; do case $1 in --user|-h|-p) shift 2 ;; --*) shift ;; *) break ;; esac; done",
                    'case "$*" in',
                    "  '') cat >/dev/null",
                    '      printf \'role:%s\\r\\naof_last_rewrite_time_sec:%s\\r\\nrdb_last_bgsave_time_sec:-1\\r\\nused_memory_dataset:1000\\r\\n\' "$(cat "$d/role")" "$(cat "$d/took")"',
                    '      printf \'save\\n%s\\nshutdown-timeout\\n%s\\n\' "$(cat "$d/save")" "$(cat "$d/shutdown")" ;;',
                    "  'cluster nodes') printf '%s 127.0.0.2:6379@16379 myself,%s - 0 1 1 connected\\n' \"$(printf 'b%.0s' $(seq 40))\" \"$(cat \"$d/role\")\" ;;",
                    "  'info replication') printf 'role:%s\\r\\n' \"$(cat \"$d/role\")\" ;;",
                    "  'config set '*) echo OK ;;",
                    "esac",
                ],
                topology,
            );
        });

        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        /** Runs the hook; returns its output, whether it asked for the RDB, and whether for one without LZF first. */
        function stop(node: Node): { stdout: string; asked: boolean; uncompressed: boolean } {
            fs.rmSync(path.join(dir, "calls"), { force: true });
            fs.writeFileSync(path.join(dir, "role"), node.role);
            fs.writeFileSync(path.join(dir, "took"), String(node.took));
            fs.writeFileSync(path.join(dir, "save"), node.save ?? "");
            fs.writeFileSync(path.join(dir, "shutdown"), String(node.shutdownTimeout ?? 0));
            const sentinelEnv = {
                TOPOLOGY: "sentinel",
                ANNOUNCE_HOSTNAME: "redis-0.redis-headless",
                SENTINEL_USER: "sentinel",
                SENTINEL_PASSWORD_FILE: path.join(dir, "password"),
                SENTINEL_PORT: "26379",
                MASTER_NAME: "redis",
                SENTINEL_HOSTS: "sentinel-0",
            };
            const r = spawnSync("sh", [path.join(dir, "redis-prestop.sh")], {
                encoding: "utf8",
                timeout: 20000,
                env: { ...standInEnv(dir), HANDOVER_TIMEOUT_SECONDS: "20", ...(topology === "sentinel" ? sentinelEnv : {}) },
            });
            assert.strictEqual(r.status, 0, r.stderr);
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8");
            const at = (call: string) => calls.indexOf(call);
            const [asked, uncompressed] = [at("config set shutdown-on-sigterm save"), at("config set rdbcompression no")];
            return { stdout: r.stdout, asked: asked >= 0, uncompressed: uncompressed >= 0 && uncompressed < asked };
        }

        const nothingToHandOver = "not a master: nothing to hand over\n";

        it("a replica whose last rewrite took 3 s, with 25 s left, asks for the RDB, without LZF", () => {
            const r = stop({ role: "slave", took: 3 });
            assert.strictEqual(r.stdout, nothingToHandOver);
            assert.ok(r.asked, "no RDB asked for");
            assert.ok(r.uncompressed, "without save rules the RDB is only read once: no LZF asked for first");
        });

        it("a replica with save rules asks for the RDB with its configured compression: it stays as the node's snapshot", () => {
            const r = stop({ role: "slave", took: 3, save: "3600 1 300 100" });
            assert.ok(r.asked, "no RDB asked for");
            assert.ok(!r.uncompressed, "rdbcompression turned off for an RDB that outlives the restart");
        });

        it("a replica whose last rewrite took 15 s, with 25 s left, stops without it and says why", () => {
            const r = stop({ role: "slave", took: 15 });
            assert.match(
                r.stdout,
                /^not a master: nothing to hand over\nno RDB at the stop: writing the data took 15 s, 2[45] s are left\n$/,
            );
            assert.ok(!r.asked, "an RDB asked for that would not finish in time");
        });

        it("shutdown-timeout counts too: a replica waits for no replica of its own, so the save has that time as well", () => {
            const r = stop({ role: "slave", took: 15, shutdownTimeout: 10 });
            assert.strictEqual(r.stdout, nothingToHandOver);
            assert.ok(r.asked, "no RDB asked for with 35 s left");
        });

        it("a master never asks for it", () => {
            const r = stop({ role: "master", took: 1 });
            assert.ok(!r.asked, "a master asked for an RDB it never boots from");
        });
    });
}
