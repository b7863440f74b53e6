// The stack program refuses a dist/ older than its sources: Pulumi runs dist/ as it is.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertFreshBuild, staleSources } from "../../program/freshness";

describe("stack program freshness", () => {
    let root: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "freshness-"));
        for (const f of [
            "index.ts",
            "components/a.ts",
            "components/a.d.ts",
            "program/b.ts",
            "dist/index.js",
            "dist/components/a.js",
            "dist/program/b.js",
        ]) {
            fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
            fs.writeFileSync(path.join(root, f), "");
        }
        const past = new Date(Date.now() - 60_000);
        for (const f of ["index.ts", "components/a.ts", "program/b.ts"]) fs.utimesSync(path.join(root, f), past, past);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("passes a dist/ newer than every source", () => {
        assert.deepStrictEqual(staleSources(root), []);
        assertFreshBuild(root);
    });

    it("refuses a dist/ older than a source, or missing a compiled file, naming them and the fix", () => {
        fs.utimesSync(path.join(root, "program/b.ts"), new Date(), new Date(Date.now() + 5_000));
        fs.writeFileSync(path.join(root, "components/c.ts"), "");
        assert.deepStrictEqual(staleSources(root), ["components/c.ts", "program/b.ts"]);
        assert.throws(
            () => assertFreshBuild(root),
            /dist\/ is older than its sources \(components\/c\.ts, program\/b\.ts\): run `npm run build`/,
        );
    });
});
