// No script or document puts a Redis password on a command line (`redis-cli -a <password>`,
// `--pass <password>`, `AUTH <user> <password>` as arguments): a command line is readable by every
// process of the machine (`ps`, /proc/<pid>/cmdline) and lands in shell history. Scripts and docs
// use REDISCLI_AUTH (redis-cli reads it from the environment) or send AUTH through stdin.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";

/** Invokes a Redis client: redis-cli, redis-benchmark, the redis-cli.sh wrapper, or a `cli`-named shell function. */
const REDIS_CLIENT = /(redis-cli|redis-benchmark|(^|[\s;|&(`])\w*cli\b)/;
const PASSWORD_OPTION = /(^|\s)(-a|--pass)(\s+|=)(?!-)\S+/;
const AUTH_ARGUMENTS = /(^|\s)auth\s+["']?[\w$]+["']?\s+\S+/i;

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

export function passwordsOnCommandLines(text: string): string[] {
    return logicalLines(text)
        .filter((l) => REDIS_CLIENT.test(l.text) && (PASSWORD_OPTION.test(l.text) || AUTH_ARGUMENTS.test(l.text)))
        .map((l) => `${l.line}: ${l.text.trim()}`);
}

function filesUnder(dir: string, ext: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? filesUnder(p, ext) : p.endsWith(ext) ? [p] : [];
    });
}

describe("no password on a command line", () => {
    it("finds -a/--pass and AUTH arguments with a password on redis-cli lines, and nothing else", () => {
        const bad = [
            `kubectl exec -it redis-cluster-0 -c redis -- redis-cli -c --user app -a "$REDISCLI_AUTH" set hello world`,
            `redis-cli --pass s3cret ping`,
            `redis-cli --user admin --pass="$pw" ping`,
            `cli -h "$host" -a "$password" info`,
            `sh "$scripts/redis-cli.sh" -h x \\\n  -a "$(cat "$PASSWORD_FILE")" ping`,
            `redis-cli -h 127.0.0.1 AUTH admin "$password"`,
        ];
        for (const b of bad) assert.strictEqual(passwordsOnCommandLines(b).length, 1, b);
        const fine = [
            `npx s3rver -d /tmp/s3 -a 127.0.0.1 -p 4568 --configure-bucket my-backups &`,
            `REDISCLI_AUTH=$(cat "$PASSWORD_FILE") sh "$scripts/redis-cli.sh" --no-auth-warning --user "$REDIS_USER" ping`,
            `export REDISCLI_AUTH=$(pulumi stack output password --show-secrets -s dev)`,
            `printf 'AUTH %s %s\\n' "$user" "$password" | redis-cli`,
            `redis-cli --askpass --user admin ping`,
            `ls -a /data`,
        ];
        for (const f of fine) assert.deepStrictEqual(passwordsOnCommandLines(f), [], f);
    });

    it("holds for every container script and document", () => {
        const files = [
            ...filesUnder(path.join(packageRoot, "components"), ".sh"),
            path.join(packageRoot, "README.md"),
            ...filesUnder(path.join(packageRoot, "docs"), ".md"),
        ];
        assert.ok(files.some((f) => f.endsWith("backup-dump.sh")) && files.some((f) => f.endsWith("runbooks.md")), "the scan sees the files");
        const found = files.flatMap((f) => passwordsOnCommandLines(fs.readFileSync(f, "utf8")).map((m) => `${path.relative(packageRoot, f)}:${m}`));
        assert.deepStrictEqual(found, []);
    });
});
