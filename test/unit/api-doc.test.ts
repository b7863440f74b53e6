// docs/api.md is generated from the code (tools/api-doc.ts); it must be current, and its "takes
// an Output" column must say what the types say: OUTPUT_ARGS (args.ts) is the one declared list,
// checked here against every arg's type as the sources write it.
import * as assert from "assert";
import * as fs from "fs";
import { OUTPUT_ARGS } from "../../components/settings/args";
import { API_DOC_PATH, apiDoc, collectArgs, collectOutputs } from "../../tools/api-doc";

describe("API reference (docs/api.md)", function () {
    this.timeout(120000);

    it("is current: docs/api.md is what `npm run docs` generates from the sources", async () => {
        assert.strictEqual(fs.readFileSync(API_DOC_PATH, "utf8"), await apiDoc(), "docs/api.md is stale: run `npm run docs`");
    });

    it("OUTPUT_ARGS lists exactly the args whose type is a pulumi.Input", () => {
        const args = collectArgs();
        const fromTypes = args
            .filter((a) => /\bInput</.test(a.type))
            .map((a) => a.key)
            .sort();
        assert.deepStrictEqual([...OUTPUT_ARGS].sort(), fromTypes);
        for (const key of OUTPUT_ARGS)
            assert.ok(
                args.some((a) => a.key === key),
                `OUTPUT_ARGS names ${key}, which is no arg`,
            );
    });

    it("lists every arg with its type and default, and what profile production changes", () => {
        const byKey = new Map(collectArgs().map((a) => [a.key, a]));
        assert.deepStrictEqual(byKey.get("storage.storageClass"), {
            key: "storage.storageClass",
            type: "pulumi.Input<string>",
            doc: "StorageClass of the volumes; an empty string uses the cluster's default class.",
            default: '`""`',
            production: '`"fast-ssd"`',
            takesOutput: true,
        });
        assert.strictEqual(byKey.get("shards")!.production, "", "profile production keeps the default shard count");
        assert.strictEqual(byKey.get("sentinel.hostAntiAffinity")!.production, '`"required"`');
        assert.strictEqual(byKey.get("kubeconfig")!.takesOutput, true);
    });

    it("lists the outputs: secrets as secrets, children as typed resources, TypeScript-only ones as such", () => {
        const byName = new Map(collectOutputs().map((o) => [o.name, o]));
        assert.strictEqual(byName.get("password")!.secret, true);
        assert.strictEqual(byName.get("connectionUrl")!.secret, true);
        assert.strictEqual(byName.get("statefulSet")!.type, "k8s.apps.v1.StatefulSet");
        assert.strictEqual(byName.get("statefulSet")!.otherLanguages, false);
        assert.strictEqual(byName.get("seedAddresses")!.otherLanguages, true);
        assert.strictEqual(byName.get("bucket")!.otherLanguages, false);
        assert.strictEqual(byName.get("spec")!.otherLanguages, false);
    });
});
