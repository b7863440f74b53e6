// Generates the package schema other languages use (provider/schema.json): the SDK's own analyser
// reads RedisCluster's TypeScript types from the package's entry point (components/index.ts, not
// the stack program), then the schema is told what TypeScript types cannot say: which numbers are
// whole (the spec's integer fields) and which outputs and inputs are secrets.
//   node dist/tools/package-schema.js --write   rewrites provider/schema.json; a unit test keeps it current
import * as fs from "fs";
import * as path from "path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { PACKAGE_NAME } from "../components/formation/steps";
import { packageRoot } from "../components/package-files";
import { RESOURCE_TYPE } from "../components/redis-cluster";
import type { Field } from "../components/settings/fields";
import { settingsSchema } from "../components/settings/schema";

export const SCHEMA_PATH = path.join(packageRoot, "provider", "schema.json");
/** The component's entry point, in package.json's terms: the analyser follows its imports to the class. */
const ENTRY_POINT = "components/index.js";
const SECRET_OUTPUTS = ["password", "connectionUrl"];
const SECRET_INPUTS = ["kubeconfig"];

export function buildSchema(): any {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"));
    const namespace = /^@(.+)\//.exec(manifest.name)?.[1];
    const component = RESOURCE_TYPE.split(":")[2];
    // Without `exports` and with `main` at the entry point, the analyser starts there; it would
    // otherwise fall back to index.ts, the stack program.
    const analyzer = new Analyzer(packageRoot, PACKAGE_NAME, { ...manifest, exports: undefined, main: ENTRY_POINT }, new Set([component]));
    const { components, typeDefinitions, dependencies } = analyzer.analyze();
    const schema: any = generateSchema(
        PACKAGE_NAME,
        manifest.version,
        manifest.description,
        components,
        typeDefinitions,
        dependencies,
        namespace,
    );
    const resource = schema.resources[RESOURCE_TYPE];
    markIntegers(schema, resource.inputProperties, settingsSchema);
    for (const key of SECRET_OUTPUTS) resource.properties[key].secret = true;
    for (const key of SECRET_INPUTS) resource.inputProperties[key].secret = true;
    return schema;
}

/** Types `integer` every property whose spec field is a whole number, at every depth. */
function markIntegers(schema: any, props: Record<string, any>, field: Field<unknown>): void {
    for (const [name, child] of Object.entries(field.children ?? {})) {
        const prop = props[name];
        if (!prop) throw new Error(`setting ${name} is missing from the analysed schema`);
        const item = child.items ?? child;
        const target = child.items ? prop.items : prop;
        if (item.integer) target.type = "integer";
        const ref: string | undefined = target.$ref;
        if (ref?.startsWith("#/types/") && item.children) markIntegers(schema, schema.types[ref.slice("#/types/".length)].properties, item);
    }
}

export const renderSchema = (schema: unknown) => JSON.stringify(schema, null, 2) + "\n";

if (require.main === module) {
    const text = renderSchema(buildSchema());
    if (process.argv.includes("--write")) fs.writeFileSync(SCHEMA_PATH, text);
    else process.stdout.write(text);
}
