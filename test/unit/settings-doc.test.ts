import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { collectSettings, pulumiYamlWithConfig, readmeWithTable } from "../../tools/settings-doc";

const read = (f: string) => fs.readFileSync(path.join(packageRoot, f), "utf8");

describe("settings documentation", () => {
    const rows = collectSettings();

    it("documents every setting (a setting without a doc comment fails here)", () => {
        assert.ok(rows.length > 90, `only ${rows.length} settings found`);
        for (const row of rows) assert.ok(row.doc.length > 0, `${row.key} has an empty doc comment`);
    });

    it("states in each doc comment the default the schema applies", () => {
        for (const row of rows.filter((r) => r.docDefault !== undefined && !r.isSection)) {
            const d = row.default;
            if (typeof d === "object" && d !== null) continue; // lists and maps are written as JS literals
            assert.strictEqual(row.docDefault, JSON.stringify(d), `${row.key}: doc says ${row.docDefault}, schema applies ${JSON.stringify(d)}`);
        }
    });

    it("keeps the README settings table current (regenerate with `npm run docs`)", () => {
        const readme = read("README.md");
        assert.strictEqual(readmeWithTable(readme), readme);
    });

    it("keeps Pulumi.yaml's typed config schema current (regenerate with `npm run docs`)", () => {
        const yaml = read("Pulumi.yaml");
        assert.strictEqual(pulumiYamlWithConfig(yaml), yaml);
    });
});
