// Pulumi runs the compiled program (Pulumi.yaml: main dist/index.js) and never compiles it, so a
// dist/ older than its sources would deploy yesterday's code without a word. The stack program
// checks first and refuses, naming the files and the command that fixes it.
import * as fs from "fs";
import * as path from "path";

/** The source folders whose compiled files the stack program runs (tsconfig.package.json). */
const SOURCES = ["index.ts", "components", "program", "provider"];

function tsFiles(root: string, rel: string): string[] {
    const full = path.join(root, rel);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return rel.endsWith(".ts") && !rel.endsWith(".d.ts") ? [rel] : [];
    return fs.readdirSync(full).flatMap((name) => tsFiles(root, path.join(rel, name)));
}

/**
 * Sources under `root` whose compiled file in `root/dist` is missing or older than they are.
 * Empty where there are no sources (the npm package ships only dist/).
 */
export function staleSources(root: string): string[] {
    return SOURCES.flatMap((rel) => tsFiles(root, rel))
        .filter((source) => {
            const compiled = path.join(root, "dist", source.replace(/\.ts$/, ".js"));
            return !fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs < fs.statSync(path.join(root, source)).mtimeMs;
        })
        .sort();
}

/** Throws when dist/ is older than its sources. */
export function assertFreshBuild(root: string): void {
    const stale = staleSources(root);
    if (stale.length === 0) return;
    const shown = stale.slice(0, 5).join(", ") + (stale.length > 5 ? ` and ${stale.length - 5} more` : "");
    throw new Error(
        `dist/ is older than its sources (${shown}): run \`npm run build\` (or \`npm run prepare\`) before pulumi, which runs dist/ as it is`,
    );
}
