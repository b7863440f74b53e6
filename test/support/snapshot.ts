// The committed prod snapshot: `render --out` of the prod stack (`npm run snapshot`), one file per
// Kubernetes object plus the other resources' JSON list. Compared file by file, and that list
// resource by resource, so a failure names the objects that changed instead of one long string.
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { OTHER_RESOURCES_FILE } from "../../tools/render";

export const PROD_SNAPSHOT = path.join(packageRoot, "test", "snapshots", "prod");

export function readSnapshot(dir: string): Map<string, string> {
    return new Map(
        fs
            .readdirSync(dir)
            .sort()
            .map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
    );
}

interface OtherResource {
    type: string;
    name: string;
}

/** The other resources' list keyed `type name`, each as the text the file holds for it. */
function otherResources(text: string): Map<string, string> {
    return new Map((JSON.parse(text) as OtherResource[]).map((r) => [`${r.type} ${r.name}`, JSON.stringify(r, null, 2)]));
}

/** One line per difference: changed, vanished or new files, and within the JSON list, resources. */
function listDifferences(snapshot: Map<string, string>, rendered: Map<string, string>, label = (key: string) => key): string[] {
    const problems: string[] = [];
    for (const [key, text] of snapshot) {
        if (!rendered.has(key)) problems.push(`not rendered any more: ${label(key)}`);
        else if (rendered.get(key) !== text) problems.push(`changed: ${label(key)}`);
    }
    for (const key of rendered.keys()) if (!snapshot.has(key)) problems.push(`not in the snapshot: ${label(key)}`);
    return problems;
}

export function snapshotDifferences(snapshot: Map<string, string>, rendered: Map<string, string>): string[] {
    const problems = listDifferences(snapshot, rendered).filter((p) => p !== `changed: ${OTHER_RESOURCES_FILE}`);
    const before = snapshot.get(OTHER_RESOURCES_FILE);
    const after = rendered.get(OTHER_RESOURCES_FILE);
    if (before !== undefined && after !== undefined && before !== after) {
        const inList = listDifferences(otherResources(before), otherResources(after), (key) => `${OTHER_RESOURCES_FILE}: ${key}`);
        // Same resources, same texts, different file: the order or the layout changed.
        problems.push(...(inList.length > 0 ? inList : [`changed: ${OTHER_RESOURCES_FILE} (order or layout)`]));
    }
    return problems;
}
