// `render --diff <ref>` on a scratch git repository holding this project: commit, change a setting
// in the working tree, and the diff names exactly the objects the change touches, with the lines.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { diffRendered, splitObjects } from "../../tools/render-diff";

const renderCli = path.join(packageRoot, "dist", "tools", "render.js");

describe("render --diff", function () {
    this.timeout(120000);
    let repo: string;

    before(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-repo-"));
        const tracked = execFileSync("git", ["-C", packageRoot, "ls-files", "--cached", "--others", "--exclude-standard"], {
            encoding: "utf8",
        })
            .trim()
            .split("\n");
        // Files only: a worktree's node_modules can be an untracked symlink (linked below).
        for (const f of tracked.filter(
            (f) => fs.existsSync(path.join(packageRoot, f)) && fs.lstatSync(path.join(packageRoot, f)).isFile(),
        )) {
            fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
            fs.copyFileSync(path.join(packageRoot, f), path.join(repo, f));
        }
        fs.symlinkSync(path.join(packageRoot, "node_modules"), path.join(repo, "node_modules"), "dir");
        const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });
        git("init", "-q");
        fs.appendFileSync(path.join(repo, ".git", "info", "exclude"), "node_modules\n");
        git("add", "-A");
        git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "base");
        const stackFile = path.join(repo, "Pulumi.dev.yaml");
        const text = fs.readFileSync(stackFile, "utf8");
        assert.match(text, /redis-cluster:shards: 3/);
        fs.writeFileSync(stackFile, text.replace("redis-cluster:shards: 3", "redis-cluster:shards: 4"));
    });

    after(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("shows one diff per changed object, and only the changed lines", () => {
        const run = spawnSync(process.execPath, [renderCli, "--stack", "dev", "--diff", "HEAD"], { cwd: repo, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stderr);
        const out = run.stdout;
        assert.match(out, /^render diff of stack dev, HEAD -> working tree: 4 changed, 0 added, 0 removed, \d+ unchanged\n/);
        const sections = out
            .split(/^### /m)
            .slice(1)
            .map((s) => s.split("\n")[0]);
        assert.deepStrictEqual(sections, [
            "changed: StatefulSet redis-system/redis-cluster",
            // The provider resources all take the node list (the credentials step and the drain
            // run before the StatefulSet changes, formation after).
            "changed: pulumi-nodejs:dynamic/redis-cluster:ClusterCredentials redis-credentials",
            "changed: pulumi-nodejs:dynamic/redis-cluster:ClusterDrain redis-drain",
            "changed: pulumi-nodejs:dynamic/redis-cluster:ClusterFormation redis-formation",
        ]);
        assert.match(out, /^-  replicas: 6$/m);
        assert.match(out, /^\+  replicas: 8$/m);
        assert.match(out, /^-    "shards": 3,$/m);
        assert.match(out, /^\+    "shards": 4,$/m);
        assert.match(out, /^\+        "name": "redis-cluster-7",$/m);
    });

    it("reports no change against the same tree, and a bad ref with its name", () => {
        fs.copyFileSync(path.join(packageRoot, "Pulumi.dev.yaml"), path.join(repo, "Pulumi.dev.yaml"));
        const same = spawnSync(process.execPath, [renderCli, "--stack", "dev", "--diff", "HEAD"], { cwd: repo, encoding: "utf8" });
        assert.strictEqual(same.status, 0, same.stderr);
        assert.match(same.stdout, /0 changed, 0 added, 0 removed, \d+ unchanged\n$/);

        const bad = spawnSync(process.execPath, [renderCli, "--stack", "dev", "--diff", "no-such-ref"], { cwd: repo, encoding: "utf8" });
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /no-such-ref/);
    });

    it("tells added and removed objects apart, keyed by kind, namespace and name", () => {
        const cm = (name: string, v: string) =>
            `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ns\ndata:\n  k: ${v}\n`;
        const base = cm("a", "1") + cm("b", "1");
        const head = cm("b", "2") + cm("c", "1");
        assert.deepStrictEqual([...splitObjects(base).keys()], ["ConfigMap ns/a", "ConfigMap ns/b"]);
        assert.deepStrictEqual(
            diffRendered(base, head).map((d) => `${d.change} ${d.key}`),
            ["removed ConfigMap ns/a", "changed ConfigMap ns/b", "added ConfigMap ns/c"],
        );
    });
});
