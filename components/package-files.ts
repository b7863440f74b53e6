import * as fs from "fs";
import * as path from "path";

// Compiled code runs from dist/, sources and data files stay beside the TypeScript; walking up to
// our package.json finds them from either place (and from node_modules in a consumer).
const PACKAGE_NAME = "@llm-analytics-hub/redis-cluster";

function findPackageRoot(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === PACKAGE_NAME) return dir;
        if (path.dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${start}`);
    }
}

export const packageRoot = findPackageRoot(__dirname);

/** Reads a file shipped with the package, by its path from the package root. */
export function readPackageFile(...segments: string[]): string {
    return fs.readFileSync(path.join(packageRoot, ...segments), "utf8");
}
