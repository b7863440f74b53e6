import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { collectSettings, docWithSettingsTable, pulumiYamlWithConfig, SETTINGS_DOC } from "../../tools/settings-doc";

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
            assert.strictEqual(
                row.docDefault,
                JSON.stringify(d),
                `${row.key}: doc says ${row.docDefault}, schema applies ${JSON.stringify(d)}`,
            );
        }
    });

    it("keeps the settings table of docs/configuration.md current (regenerate with `npm run docs`)", () => {
        const doc = read(SETTINGS_DOC);
        assert.strictEqual(docWithSettingsTable(doc), doc);
        // The table is the generated one, not an empty pair of markers: one row per setting.
        for (const row of rows) assert.ok(doc.includes(`| \`${row.key}\` |`), `${SETTINGS_DOC} has no row for ${row.key}`);
    });

    it("keeps Pulumi.yaml's typed config schema current (regenerate with `npm run docs`)", () => {
        const yaml = read("Pulumi.yaml");
        assert.strictEqual(pulumiYamlWithConfig(yaml), yaml);
    });
});
