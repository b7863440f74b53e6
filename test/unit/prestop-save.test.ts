// redis-prestop.sh's last step, run in a real sh against a stand-in redis-cli: a node that stops
// as a replica asks for an RDB at its exit (the offset it restarts from), unless writing its data
// took too long for the time left before Kubernetes kills it; a master never does. Without save
// rules that RDB is written uncompressed (it lives only until the restart has loaded it).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { standInEnv, writeScriptsWithStandInCli } from "../support/stand-in-cli";

describe("redis-prestop.sh: the RDB at a replica's stop", () => {
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "prestop-save-"));
        // Answers from files the test writes: the role INFO reports, how long the last AOF
        // rewrite took, the save rules, and CLUSTER NODES (this node without slots: the hook has
        // nothing to hand over). CONFIG GET answers as redis-cli prints an array: one line each.
        writeScriptsWithStandInCli(dir, [
            "while [ $# -gt 0 ]; do case $1 in --user|-h|-p) shift 2 ;; --*) shift ;; *) break ;; esac; done",
            'case "$*" in',
            "  '') cat >/dev/null",
            '      printf \'role:%s\\r\\naof_last_rewrite_time_sec:%s\\r\\nrdb_last_bgsave_time_sec:-1\\r\\nused_memory_dataset:1000\\r\\n\' "$(cat "$d/role")" "$(cat "$d/took")" ;;',
            "  'cluster nodes') printf '%s 127.0.0.2:6379@16379 myself,%s - 0 1 1 connected\\n' \"$(printf 'b%.0s' $(seq 40))\" \"$(cat \"$d/role\")\" ;;",
            "  'config get save') printf 'save\\n%s\\n' \"$(cat \"$d/save\")\" ;;",
            "  'config set '*) echo OK ;;",
            "esac",
        ]);
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * Runs the hook as a node with `role` whose last AOF rewrite took `took` s, with the save rules
     * `save`; returns its output, whether it asked for the RDB, and whether for one without LZF first.
     */
    function stop(role: "slave" | "master", took: number, save = ""): { stdout: string; asked: boolean; uncompressed: boolean } {
        fs.rmSync(path.join(dir, "calls"), { force: true });
        fs.writeFileSync(path.join(dir, "role"), role);
        fs.writeFileSync(path.join(dir, "took"), String(took));
        fs.writeFileSync(path.join(dir, "save"), save);
        const r = spawnSync("sh", [path.join(dir, "redis-prestop.sh")], {
            encoding: "utf8",
            timeout: 20000,
            env: { ...standInEnv(dir), HANDOVER_TIMEOUT_SECONDS: "20" },
        });
        assert.strictEqual(r.status, 0, r.stderr);
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8");
        const at = (call: string) => calls.indexOf(call);
        const [asked, uncompressed] = [at("config set shutdown-on-sigterm save"), at("config set rdbcompression no")];
        return { stdout: r.stdout, asked: asked >= 0, uncompressed: uncompressed >= 0 && uncompressed < asked };
    }

    it("a replica whose last rewrite took 3 s, with 25 s left, asks for the RDB", () => {
        const r = stop("slave", 3);
        assert.strictEqual(r.stdout, "not a master: nothing to hand over\n");
        assert.ok(r.asked, "no RDB asked for");
        assert.ok(r.uncompressed, "without save rules the RDB is only read once: no LZF asked for first");
    });

    it("a replica with save rules asks for the RDB with its configured compression: it stays as the node's snapshot", () => {
        const r = stop("slave", 3, "3600 1 300 100");
        assert.ok(r.asked, "no RDB asked for");
        assert.ok(!r.uncompressed, "rdbcompression turned off for an RDB that outlives the restart");
    });

    it("a replica whose last rewrite took 15 s, with 25 s left, stops without it and says why", () => {
        const r = stop("slave", 15);
        assert.match(r.stdout, /^not a master: nothing to hand over\nno RDB at the stop: writing the data took 15 s, 2[45] s are left\n$/);
        assert.ok(!r.asked, "an RDB asked for that would not finish in time");
    });

    it("a master (without slots here) never asks for it", () => {
        const r = stop("master", 1);
        assert.strictEqual(r.stdout, "master without slots: nothing to hand over\n");
        assert.ok(!r.asked, "a master asked for an RDB it never boots from");
    });
});
