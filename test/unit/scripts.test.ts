// The container scripts as shipped: every script a shipped script runs is shipped with it, for
// each topology (a missing one fails only at run time, in the pod).
import * as assert from "assert";
import { loadBackupScripts } from "../../components/backup/scripts";
import { loadRedisScripts, SENTINEL_SCRIPTS } from "../../components/redis/scripts";

/** Calls to scripts that are not shipped; `branchOnly` callees may be missing when only redis-start.sh calls them (it branches on TOPOLOGY). */
function missingCallees(scripts: Record<string, string | undefined>, branchOnly: readonly string[] = []): string[] {
    const shipped = new Set(Object.keys(scripts));
    const missing: string[] = [];
    for (const [name, text] of Object.entries(scripts)) {
        for (const m of (text ?? "").matchAll(/\$scripts\/([\w.-]+\.sh)/g)) {
            if (shipped.has(m[1]) || (name === "redis-start.sh" && branchOnly.includes(m[1]))) continue;
            missing.push(`${name} runs ${m[1]}`);
        }
    }
    return missing;
}

describe("container scripts", () => {
    for (const topology of ["cluster", "sentinel"]) {
        it(`${topology} topology: every script a shipped script runs is shipped too`, () => {
            const scripts = loadRedisScripts(topology);
            assert.deepStrictEqual(missingCallees(scripts, topology === "cluster" ? SENTINEL_SCRIPTS : []), []);
            // The check sees the calls it guards.
            assert.ok(Object.values(scripts).some((t) => /\$scripts\/redis-cli\.sh/.test(t ?? "")));
        });
    }

    it("cluster topology: the sentinel-only scripts stay out, and redis-start.sh runs them only when TOPOLOGY is sentinel", () => {
        const scripts = loadRedisScripts("cluster");
        assert.ok(!("sentinel-auth.sh" in scripts) && !("acl-reload.sh" in scripts));
        const start = scripts["redis-start.sh"]!;
        for (const callee of ["sentinel-role.sh", "sentinel-follow.sh", "acl-reload.sh"]) {
            const at = start.indexOf(`$scripts/${callee}`);
            const guard = start.lastIndexOf("if [ \"$TOPOLOGY\" = ", at);
            assert.ok(at > 0 && guard >= 0, `${callee} is not run under a TOPOLOGY test`);
        }
    });

    it("backup jobs: every script a backup script runs is shipped in the backup ConfigMap", () => {
        assert.deepStrictEqual(missingCallees(loadBackupScripts()), []);
    });
});
