// The e2e harness's report of a failed CLI run, checked against output the real `pulumi` CLI
// printed (fixtures/pulumi-preview-errors.txt: `pulumi preview --color never` of a YAML program
// with two broken resources, CLI 3.248.0 from tools/engines, ANSI codes of the YAML host removed).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../../components/package-files";
import { failureReport, tail } from "../e2e/support/pulumi-cli";

const output = fs.readFileSync(path.join(packageRoot, "test", "unit", "fixtures", "pulumi-preview-errors.txt"), "utf8");

describe("the e2e harness's report of a failed pulumi run", () => {
    it("keeps every resource's error from the Diagnostics section, however long the progress above it", () => {
        // A long deployment prints many progress lines; the errors sit above the summary.
        const progress = Array.from({ length: 200 }, (_, i) => ` +  kubernetes:core/v1:ConfigMap cm-${i} creating`).join("\n");
        const long = output.replace("Previewing update (dev):\n", `Previewing update (dev):\n${progress}\n`);
        const report = failureReport(long);
        for (const error of [/error resolving type of resource broken/, /error resolving type of resource another/])
            assert.match(report, error);
        assert.ok(report.startsWith("Diagnostics:"), report.split("\n")[0]);
        assert.doesNotMatch(report, /cm-199 creating/, "progress lines are left out");
    });

    it("falls back to the tail when there is no Diagnostics section", () => {
        const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
        assert.strictEqual(failureReport(text), tail(text));
    });
});
