// The offline stack reader applies the Pulumi CLI's rules for Pulumi.yaml's config declarations,
// so a stack `pulumi up` refuses (a required key missing, a value of the wrong type) is refused by
// render and the tests too, with the key named.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { packageRoot } from "../../components/package-files";
import { applyProjectConfig, StackConfigError, StackValue } from "../../tools/project-config";
import { renderStack } from "../../tools/render";
import { readStackConfig } from "../../tools/stack-config";

// Tests write their own stack files (Pulumi.test-*.yaml, ignored by git) while they run.
const committedStacks = () =>
    fs
        .readdirSync(packageRoot)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f) && !f.startsWith("Pulumi.test-"))
        .map((f) => f.slice(7, -5));

function scratchProject(projectYaml: string, stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectYaml);
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), stackYaml);
    return dir;
}

const text = (t: string): StackValue => ({ text: t });
const problemsOf = (fn: () => unknown): { key: string; value: unknown; allowed: string }[] => {
    try {
        fn();
    } catch (e) {
        if (e instanceof StackConfigError) return e.problems;
        throw e;
    }
    assert.fail("no StackConfigError");
};

describe("stack config under the Pulumi CLI's rules", function () {
    this.timeout(120000);

    it("reads and renders every committed stack (dev, prod, sentinel-dev)", async () => {
        const stacks = committedStacks();
        assert.deepStrictEqual([...stacks].sort(), ["dev", "prod", "sentinel-dev"]);
        for (const stack of stacks) {
            // Throws StackConfigError on any key the CLI would refuse.
            readStackConfig(packageRoot, stack);
            const rendered = await renderStack(stack);
            assert.ok(
                rendered.kubernetes.some((o: any) => o.kind === "StatefulSet"),
                stack,
            );
        }
    });

    it("declares no key of the project that lacks a default or value (the CLI requires those in every stack)", () => {
        const project = require("yaml").parse(fs.readFileSync(path.join(packageRoot, "Pulumi.yaml"), "utf8"));
        const required = Object.entries<any>(project.config).filter(
            ([, d]) => typeof d === "object" && d !== null && d.default == null && d.value == null,
        );
        assert.deepStrictEqual(
            required.map(([k]) => k),
            [],
        );
    });

    it("reports a required key that a stack leaves out, by name, and render exits non-zero", () => {
        const dir = scratchProject(
            "name: redis-cluster\nruntime: nodejs\nconfig:\n  shards:\n    type: integer\n  replicasPerShard:\n    type: integer\n    default: 1\n",
            "config:\n  redis-cluster:replicasPerShard: 2\n",
        );
        const problems = problemsOf(() => readStackConfig(dir, "test"));
        assert.deepStrictEqual(
            problems.map((p) => p.key),
            ["redis-cluster:shards"],
        );
        assert.match(problems[0].allowed, /Stack 'test' is missing configuration value 'shards'/);
        const out = spawnSync(process.execPath, [path.join(packageRoot, "dist", "tools", "render.js"), "--stack", "test"], {
            cwd: dir,
            encoding: "utf8",
        });
        assert.notStrictEqual(out.status, 0);
        assert.match(out.stderr, /redis-cluster:shards: got nothing; required/);
        assert.strictEqual(out.stdout, "");
    });

    it("applies defaults and values, and requires untyped project keys too", () => {
        const merged = applyProjectConfig(
            "p",
            "s",
            {
                a: { type: "integer", default: 5 },
                b: "shorthand",
                c: { value: {} },
                "aws:region": { value: "eu-west-1" },
            },
            new Map([["p:a", text("7")]]),
        );
        assert.deepStrictEqual(Object.fromEntries(merged), {
            "p:a": text("7"),
            "p:b": text("shorthand"),
            "p:c": { object: {} },
            "aws:region": text("eu-west-1"),
        });
        const problems = problemsOf(() =>
            applyProjectConfig("p", "s", { untyped: { description: "x" }, "aws:region": { description: "y", value: "z" } }, new Map()),
        );
        assert.deepStrictEqual(
            problems.map((p) => p.key),
            ["p:untyped"],
        );
    });

    it("checks types the way the CLI does: plain stack values are text", () => {
        const check = (type: string, value: StackValue, items?: any) =>
            problemsOf(() => {
                applyProjectConfig("p", "s", { k: { type, ...(items ? { items } : {}) } }, new Map([["p:k", value]]));
                throw new StackConfigError("s", []);
            }).length === 0;
        assert.deepStrictEqual(
            [check("integer", text("3")), check("integer", text("-12")), check("integer", text("3.5")), check("integer", text("three"))],
            [true, true, false, false],
        );
        assert.deepStrictEqual([check("boolean", text("true")), check("boolean", text("yes"))], [true, false]);
        assert.deepStrictEqual([check("string", text("42")), check("string", { object: { a: 1 } })], [true, false]);
        assert.deepStrictEqual([check("object", { object: { a: 1 } }), check("object", text("a"))], [true, false]);
        assert.deepStrictEqual(
            [check("array", { object: [1, "2"] }, { type: "integer" }), check("array", { object: ["x"] }, { type: "integer" })],
            [true, false],
        );
        // A secret passes unchecked offline (no passphrase), but a declared secret must be encrypted.
        assert.ok(check("integer", { secure: true }));
        const problems = problemsOf(() =>
            applyProjectConfig("p", "s", { pw: { type: "string", secret: true } }, new Map([["p:pw", text("plain")]])),
        );
        assert.match(problems[0].allowed, /encrypted/);
    });

    it("lists every problem with key, value and what is allowed", () => {
        const problems = problemsOf(() =>
            applyProjectConfig(
                "p",
                "s",
                {
                    n: { type: "integer" },
                    m: { type: "integer", default: "x" },
                    b: { type: "boolean" },
                    "aws:region": { type: "string", value: "r" },
                },
                new Map([["p:b", text("maybe")]]),
            ),
        );
        assert.deepStrictEqual(
            problems.map((p) => [p.key, p.value]),
            [
                ["Pulumi.yaml config.m.default", "x"],
                ["Pulumi.yaml config.aws:region", { type: "string", value: "r" }],
                ["p:b", "maybe"],
                ["p:m", "x"],
                ["p:n", undefined],
            ],
        );
        assert.ok(problems.every((p) => p.allowed.length > 10));
    });
});
