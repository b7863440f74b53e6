// No script, program or document puts a password on a command line (`redis-cli -a <password>`,
// `--pass`, `-p <password>`, `AUTH <user> <password>` as arguments, `redis-server --requirepass`,
// the exporter's `-redis.password`, `aws configure set aws_secret_access_key`): a command line is
// readable by every process of the machine (`ps`, /proc/<pid>/cmdline) and lands in shell
// history. Scripts and docs use REDISCLI_AUTH (redis-cli reads it from the environment) or send
// AUTH through stdin; programs pass it in the child's environment. The running counterpart is the
// secret-leak sampler (test/support/leak-sampler.ts), which watches real command lines.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";

/** Invokes a Redis client: redis-cli, valkey-cli, the benchmarks, the redis-cli.sh wrapper, or a `cli`-named shell function. */
const REDIS_CLIENT = /((redis|valkey)-(cli|benchmark)|(^|[\s;|&(`])\w*cli\b)/;
const PASSWORD_OPTION = /(^|\s)(-a|--pass|--password)(\s+|=)(?!-)\S+/;
const AUTH_ARGUMENTS = /(^|\s)auth\s+["']?[\w$]+["']?\s+\S+/i;
/** `-p` is redis-cli's port; anything but a number or a variable named for a port may be a password. */
const PORT_OPTION = /(^|\s)-p\s+(\S+)/g;
const PORT_VALUE = /^["']?(\d+|\$\{?\w*port\w*(:-\$\w*port\w*)?\}?)["']?$/i;
/** Options of other tools that take a password, on any command line. */
const ANY_TOOL = [
    /(^|\s)--(requirepass|masterauth)(\s+|=)(?!-)\S+/, // redis-server / valkey-server
    /(^|\s)--?redis\.password(\s+|=)(?!-)\S+/, // the exporter
    /\baws\s+configure\s+set\s+\S*(secret_access_key|session_token)\s+\S+/,
];

/** Things that look like a password argument and are not one, each with why. */
const ALLOWED: { file: RegExp; text: RegExp; why: string }[] = [
    { file: /^components\/redis\/scripts\/sentinel-start\.sh$/, text: /-p "\$2"/, why: "ping_as's second argument is a port" },
    { file: /^test\/integration\/pod-scripts\.test\.ts$/, text: /"pgrep", \["-a"/, why: "pgrep -a lists command lines" },
    {
        file: /^test\/unit\/leak-rules\.test\.ts$/,
        text: /proc\("\/usr\/bin\//,
        why: "process views in the leak rules' table, never started",
    },
    {
        file: /^test\/unit\/leak-rules\.test\.ts$/,
        text: /launched\(\[/,
        why: "process views behind the cgroup launcher in the leak rules' table, never started",
    },
    { file: /^test\/unit\/formats\.test\.ts$/, text: /"-a", "a"\.repeat/, why: "an invalid name in a table" },
];

/** Lines, with shell continuations (`\` at the end) joined, numbered by their first line. */
function logicalLines(text: string): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    let start = 0;
    let acc = "";
    text.split("\n").forEach((l, i) => {
        if (acc === "") start = i + 1;
        if (l.endsWith("\\")) acc += l.slice(0, -1) + " ";
        else {
            out.push({ line: start, text: acc + l });
            acc = "";
        }
    });
    return out;
}

function shellLeak(l: string): boolean {
    if (ANY_TOOL.some((re) => re.test(l))) return true;
    if (!REDIS_CLIENT.test(l)) return false;
    return PASSWORD_OPTION.test(l) || AUTH_ARGUMENTS.test(l) || [...l.matchAll(PORT_OPTION)].some((m) => !PORT_VALUE.test(m[2]));
}

/** Command lines (shell, documentation) that carry a password. */
export function passwordsOnCommandLines(text: string): string[] {
    return logicalLines(text)
        .filter((l) => shellLeak(l.text))
        .map((l) => `${l.line}: ${l.text.trim()}`);
}

/** A password option as an argument of a program's child process (`["-a", pw]`). */
const OPTION_LITERAL = /["'`](-a|--pass|--password|--requirepass|--masterauth|--?redis\.password)["'`]/;

/** Program lines (TypeScript, JavaScript, Python) that pass a password option to a child. */
export function passwordOptionsInCode(text: string): string[] {
    return text
        .split("\n")
        .map((l, i) => ({ line: i + 1, text: l }))
        .filter((l) => OPTION_LITERAL.test(l.text))
        .map((l) => `${l.line}: ${l.text.trim()}`);
}

function filesUnder(dir: string, exts: string[]): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.name === "node_modules" || e.name.startsWith(".")) return [];
        return e.isDirectory() ? filesUnder(p, exts) : exts.some((x) => p.endsWith(x)) ? [p] : [];
    });
}

const allowed = (file: string, finding: string) => ALLOWED.some((a) => a.file.test(file) && a.text.test(finding));

describe("no password on a command line", () => {
    it("finds password options and AUTH arguments on command lines, and nothing else", () => {
        const bad = [
            `kubectl exec -it redis-cluster-0 -c redis -- redis-cli -c --user app -a "$REDISCLI_AUTH" set hello world`,
            `redis-cli --pass s3cret ping`,
            `redis-cli --user admin --pass="$pw" ping`,
            `valkey-cli --user admin --password "$pw" ping`,
            `cli -h "$host" -a "$password" info`,
            `sh "$scripts/redis-cli.sh" -h x \\\n  -a "$(cat "$PASSWORD_FILE")" ping`,
            `redis-cli -h 127.0.0.1 AUTH admin "$password"`,
            `redis-cli -h 127.0.0.1 -p "$password" ping`,
            `redis-server --port 6379 --requirepass "$pw"`,
            `redis-server /etc/redis.conf --masterauth=secret`,
            `prometheus-redis-exporter -redis.addr x -redis.password "$pw"`,
            `aws configure set aws_secret_access_key "$KEY"`,
        ];
        for (const b of bad) assert.strictEqual(passwordsOnCommandLines(b).length, 1, b);
        const fine = [
            `npx s3rver -d /tmp/s3 -a 127.0.0.1 -p 4568 --configure-bucket my-backups &`,
            `REDISCLI_AUTH=$(cat "$PASSWORD_FILE") sh "$scripts/redis-cli.sh" --no-auth-warning --user "$REDIS_USER" -p "$REDIS_PORT" ping`,
            `export REDISCLI_AUTH=$(pulumi stack output password --show-secrets -s dev)`,
            `printf 'AUTH %s %s\\n' "$user" "$password" | redis-cli -p 6379`,
            `redis-cli --askpass --user admin -p \${SENTINEL_PORT} ping`,
            `ls -a /data`,
            `mkdir -p "$work"`,
            `aws configure set region eu-west-1`,
        ];
        for (const f of fine) assert.deepStrictEqual(passwordsOnCommandLines(f), [], f);
        assert.strictEqual(passwordOptionsInCode(`spawnSync("redis-cli", ["--user", u, "-a", pw, "ping"])`).length, 1);
        assert.strictEqual(passwordOptionsInCode(`spawn("redis-server", ['--requirepass', pw])`).length, 1);
        assert.deepStrictEqual(passwordOptionsInCode(`spawnSync("redis-cli", ["--user", u, "ping"], { env: { REDISCLI_AUTH: pw } })`), []);
    });

    it("holds for every script and document: components, local, kube, tools, README, docs, examples", () => {
        const scripts = ["components", "local", "testing", "kube", "tools", "examples"].flatMap((d) =>
            filesUnder(path.join(packageRoot, d), [".sh"]),
        );
        const docs = [
            path.join(packageRoot, "README.md"),
            ...filesUnder(path.join(packageRoot, "docs"), [".md"]),
            ...filesUnder(path.join(packageRoot, "examples"), [".md", ".ts", ".js", ".py", ".yaml"]),
        ];
        const rel = (f: string) => path.relative(packageRoot, f);
        assert.ok(
            scripts.some((f) => f.endsWith("backup-dump.sh")) && scripts.some((f) => f.endsWith("build.sh")),
            "the scan sees the scripts",
        );
        assert.ok(
            docs.some((f) => f.endsWith("runbooks.md")) && docs.some((f) => f.endsWith("redis-py-cluster.py")),
            "the scan sees the documents and examples",
        );
        const found = [...scripts, ...docs].flatMap((f) =>
            passwordsOnCommandLines(fs.readFileSync(f, "utf8"))
                .filter((m) => !allowed(rel(f), m))
                .map((m) => `${rel(f)}:${m}`),
        );
        assert.deepStrictEqual(found, []);
    });

    it("holds for every program that starts processes: local, kube, tools, test, examples", () => {
        const files = ["local", "testing", "kube", "tools", "test", "examples"]
            .flatMap((d) => filesUnder(path.join(packageRoot, d), [".ts", ".js", ".py"]))
            .filter((f) => !f.endsWith(path.join("test", "unit", "password-argv.test.ts")));
        const rel = (f: string) => path.relative(packageRoot, f);
        assert.ok(
            files.some((f) => f.endsWith(path.join("local", "s3.ts"))),
            "the scan sees the programs",
        );
        const found = files.flatMap((f) =>
            passwordOptionsInCode(fs.readFileSync(f, "utf8"))
                .filter((m) => !allowed(rel(f), m))
                .map((m) => `${rel(f)}:${m}`),
        );
        assert.deepStrictEqual(found, []);
        // The allow-list's entries still match something: a stale one would hide nothing, but mislead.
        for (const a of ALLOWED) {
            const hits = [
                ...files,
                path.join(packageRoot, "README.md"),
                ...filesUnder(path.join(packageRoot, "docs"), [".md"]),
                ...filesUnder(path.join(packageRoot, "components"), [".sh"]),
            ].filter((f) => a.file.test(rel(f)) && a.text.test(fs.readFileSync(f, "utf8")));
            assert.ok(hits.length > 0, `allow-list entry ${a.text} (${a.why}) matches nothing`);
        }
    });
});
