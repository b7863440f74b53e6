// `npm run render -- --stack <name> --diff <git-ref>`: what a change does to the rendered objects.
// The ref's tree is exported with `git archive` into a scratch directory (the repository and its
// worktrees are left alone), built there with this checkout's node_modules, rendered by its own
// render tool, and compared object by object with the working tree's rendering: one unified diff
// per object that changed, appeared or went away. Both sides are rendered with secrets redacted,
// so the diff cannot show one.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

/** Splits a rendered stream into objects by identity: `Kind namespace/name` or `type name`. */
export function splitObjects(stream: string): Map<string, string> {
    const objects = new Map<string, string>();
    for (const doc of stream.split(/^---\n/m).filter((d) => d.trim() !== "")) {
        const value = YAML.parse(doc);
        const key = value.kind
            ? `${value.kind} ${value.metadata?.namespace ? `${value.metadata.namespace}/` : ""}${value.metadata?.name}`
            : `${value.type} ${value.name}`;
        objects.set(key, doc);
    }
    return objects;
}

export interface ObjectDiff {
    key: string;
    change: "changed" | "added" | "removed";
    /** Unified diff of the object's text, base first. */
    diff: string;
}

/** Unified diff of two texts with `diff -u` (exit 1 means "they differ"). */
function unifiedDiff(base: string | undefined, head: string | undefined, label: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-"));
    try {
        const a = path.join(dir, "a");
        const b = path.join(dir, "b");
        fs.writeFileSync(a, base ?? "");
        fs.writeFileSync(b, head ?? "");
        const run = spawnSync("diff", ["-u", "--label", `base: ${label}`, "--label", `head: ${label}`, a, b], { encoding: "utf8" });
        if (run.status !== 0 && run.status !== 1) throw new Error(`diff failed: ${run.stderr}`);
        return run.stdout;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Per-object differences between two rendered streams, in a stable order. */
export function diffRendered(base: string, head: string): ObjectDiff[] {
    const before = splitObjects(base);
    const after = splitObjects(head);
    const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
    const diffs: ObjectDiff[] = [];
    for (const key of keys) {
        const a = before.get(key);
        const b = after.get(key);
        if (a === b) continue;
        diffs.push({ key, change: a === undefined ? "added" : b === undefined ? "removed" : "changed", diff: unifiedDiff(a, b, key) });
    }
    return diffs;
}

/** The readable report: a summary line, then each object's diff. */
export function formatDiff(ref: string, stack: string, diffs: ObjectDiff[], total: number): string {
    const count = (c: ObjectDiff["change"]) => diffs.filter((d) => d.change === c).length;
    const head =
        `render diff of stack ${stack}, ${ref} -> working tree: ` +
        `${count("changed")} changed, ${count("added")} added, ${count("removed")} removed, ${total - diffs.length} unchanged\n`;
    return head + diffs.map((d) => `\n### ${d.change}: ${d.key}\n${d.diff}`).join("");
}

/**
 * Renders `stack` as the project at `projectDir` was at `ref`: exported, built with this
 * checkout's TypeScript and node_modules, rendered by the ref's own render tool.
 */
export function renderAtRef(ref: string, stack: string, projectDir: string): string {
    const git = (...args: string[]) => execFileSync("git", ["-C", projectDir, ...args], { encoding: "utf8" }).trim();
    const commit = git("rev-parse", "--verify", `${ref}^{commit}`);
    const prefix = git("rev-parse", "--show-prefix");
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "render-ref-"));
    try {
        const archive = spawnSync("git", ["-C", projectDir, "archive", "--format=tar", commit], { maxBuffer: 1 << 30 });
        if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr}`);
        execFileSync("tar", ["-x", "-C", scratch], { input: archive.stdout });
        const dir = path.join(scratch, prefix);
        fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
        // tsc emits even when a file of the ref fails to type-check; what counts is the render tool.
        spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(dir, "tsconfig.json")], { encoding: "utf8" });
        const tool = path.join(dir, "dist", "tools", "render.js");
        if (!fs.existsSync(tool)) throw new Error(`${ref} has no render tool (dist/tools/render.js was not built)`);
        const run = spawnSync(process.execPath, [tool, "--stack", stack], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28 });
        if (run.status !== 0) throw new Error(`rendering stack ${stack} at ${ref} failed:\n${run.stderr}`);
        return run.stdout;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
