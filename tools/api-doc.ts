// Generates the API reference (docs/api.md) from the code: the args (type as args.ts writes it,
// the schema's default, what profile production sets, whether it takes an Output: OUTPUT_ARGS in
// args.ts), the outputs (the RedisCluster class's properties, which of them are secret and which
// reach other languages through provider/schema.json), and the children the component registers,
// found by running it under Pulumi's mocks. A unit test keeps the file current.
//   node dist/tools/api-doc.js --write   rewrites docs/api.md
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { packageRoot } from "../components/package-files";
import { RedisCluster, RESOURCE_TYPE } from "../components/redis-cluster";
import { OUTPUT_ARGS, RedisClusterArgs } from "../components/settings/args";
import { withProfile } from "../components/settings/profiles";
import { settingsSchema } from "../components/settings/schema";
import { argsFromConfig } from "../program/config";
import { runUnderMocks } from "./pulumi-mocks";
import { collectSettings, readDocComments } from "./settings-doc";
import { readStackConfig } from "./stack-config";

export const API_DOC_PATH = path.join(packageRoot, "docs", "api.md");
const SOURCE = (...p: string[]) => path.join(packageRoot, "components", ...p);

export interface ArgRow {
    key: string;
    type: string;
    doc: string;
    /** Shown as written in the table ("" for a section). */
    default: string;
    production: string;
    takesOutput: boolean;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (v: unknown) => "`" + JSON.stringify(v) + "`";
const plainType = (t: string) => t.replace(/\s*\|\s*undefined$/, "").trim();

function valueAt(settings: unknown, key: string): unknown {
    return key.split(".").reduce<any>((o, k) => (o === undefined || o === null ? undefined : o[k]), settings);
}

/** Every arg of the component: the settings (args.ts), then how it reaches the cluster (kube-target.ts). */
export function collectArgs(): ArgRow[] {
    const production = (topology: string) => settingsSchema.parse(withProfile({ profile: "production", topology }), "", []);
    const prod = { cluster: production("cluster"), sentinel: production("sentinel") };
    const rows: ArgRow[] = collectSettings().map((row) => {
        const inProfile = valueAt(prod[row.key.startsWith("sentinel.") ? "sentinel" : "cluster"], row.key);
        // Keys of an optional section the profile leaves out (tls.issuerRef) keep their default.
        const isDefault = inProfile === undefined || JSON.stringify(inProfile) === JSON.stringify(row.default);
        return {
            key: row.key,
            type: plainType(row.type),
            doc: row.doc,
            default: row.isSection ? "" : row.default === undefined ? "unset" : code(row.default),
            production: row.isSection || isDefault || row.key === "profile" ? "" : code(inProfile),
            takesOutput: OUTPUT_ARGS.includes(row.key),
        };
    });
    const { docs, types } = readDocComments(SOURCE("kube-target.ts"));
    for (const [id, doc] of docs) {
        if (!id.startsWith("KubeAccessArgs.")) continue;
        const key = id.slice("KubeAccessArgs.".length);
        const m = /\s*Default: (.*)$/.exec(doc);
        rows.push({
            key,
            type: plainType(types.get(id) ?? ""),
            doc: m ? doc.slice(0, m.index).trim() : doc,
            default: m ? m[1].replace(/\.$/, "") : "unset",
            production: "",
            takesOutput: OUTPUT_ARGS.includes(key),
        });
    }
    return rows;
}

export interface OutputRow {
    name: string;
    type: string;
    doc: string;
    secret: boolean;
    otherLanguages: boolean;
}

/** The RedisCluster class's public properties and getters, with their doc comments. */
export function collectOutputs(): OutputRow[] {
    const file = SOURCE("redis-cluster.ts");
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const schema = JSON.parse(fs.readFileSync(path.join(packageRoot, "provider", "schema.json"), "utf8")).resources[RESOURCE_TYPE]
        .properties;
    const rows: OutputRow[] = [];
    source.forEachChild((node) => {
        if (!ts.isClassDeclaration(node) || node.name?.text !== RedisCluster.name) return;
        for (const member of node.members) {
            const isPublic = ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Public;
            if (!isPublic || !(ts.isPropertyDeclaration(member) || ts.isGetAccessorDeclaration(member)) || !member.name) continue;
            const name = member.name.getText(source);
            const jsDoc = (member as any).jsDoc as ts.JSDoc[] | undefined;
            const doc =
                jsDoc
                    ?.map((d) => (typeof d.comment === "string" ? d.comment : ""))
                    .join(" ")
                    .replace(/\s+/g, " ")
                    .trim() ?? "";
            const optional = ts.isPropertyDeclaration(member) && member.questionToken ? " | undefined" : "";
            rows.push({
                name,
                type: (member.type?.getText(source) ?? "") + optional,
                doc,
                secret: Boolean(schema[name]?.secret),
                otherLanguages: name in schema,
            });
        }
    });
    return rows;
}

/** The configurations whose children the reference lists, beside each other. */
const CONFIGURATIONS: { title: string; args: () => RedisClusterArgs }[] = [
    { title: "no args", args: () => ({}) },
    { title: "`profile: production`", args: () => ({ profile: "production" }) },
    { title: "prod stack", args: () => argsFromConfig(readStackConfig(packageRoot, "prod").config) },
    { title: "`topology: sentinel`", args: () => ({ topology: "sentinel" }) },
];

/** Every resource the component registers, by type and name, and in which configurations. */
export async function collectChildren(): Promise<{ type: string; name: string; in: boolean[] }[]> {
    const rows = new Map<string, { type: string; name: string; in: boolean[] }>();
    for (const [i, c] of CONFIGURATIONS.entries()) {
        const run = await runUnderMocks(() => new RedisCluster("resource-name", c.args()), { project: "api-doc", stack: "doc" });
        for (const r of run.resources.filter((x) => x.type !== RESOURCE_TYPE)) {
            const name = r.name.replace(/^resource-name/, "<name>");
            const id = `${r.type} ${name}`;
            if (!rows.has(id)) rows.set(id, { type: r.type, name, in: CONFIGURATIONS.map(() => false) });
            rows.get(id)!.in[i] = true;
        }
    }
    return [...rows.values()];
}

export async function apiDoc(): Promise<string> {
    const args = collectArgs();
    const outputs = collectOutputs();
    const children = await collectChildren();
    const yes = (b: boolean) => (b ? "yes" : "no");
    return [
        "# RedisCluster API reference",
        "",
        "<!-- generated by tools/api-doc.ts from the code (`npm run docs`); do not edit, a unit test keeps it current -->",
        "",
        "```ts",
        `import { RedisCluster } from "@llm-analytics-hub/redis-cluster";`,
        `const cache = new RedisCluster("cache", { /* args below */ }, { /* pulumi.ComponentResourceOptions */ });`,
        "```",
        "",
        "Other languages use the same args and outputs through the package's provider plugin, with the",
        `type token \`${RESOURCE_TYPE}\` ([multi-language.md](multi-language.md)).`,
        "",
        "## Args",
        "",
        "Every arg is optional. **Default** is what applies when the arg is not given: sized for a laptop",
        'cluster. **Production** is what `profile: "production"` sets instead, where it differs',
        "([profiles.md](profiles.md)); explicit args override it. **Output** tells whether the arg",
        "accepts a `pulumi.Input` (an Output of another resource) or only a plain value.",
        "",
        "| Arg | Type | Default | Production | Output | Meaning |",
        "|---|---|---|---|---|---|",
        ...args.map(
            (a) =>
                `| \`${a.key}\` | \`${cell(a.type)}\` | ${cell(a.default)} | ${cell(a.production)} | ${yes(a.takesOutput)} | ${cell(a.doc)} |`,
        ),
        "",
        "## Outputs",
        "",
        "Properties of the component. **Other languages**: whether the provider plugin's schema lists it;",
        "the rest (the children among them) are TypeScript only ([multi-language.md](multi-language.md)).",
        "",
        "| Output | Type | Secret | Other languages | Meaning |",
        "|---|---|---|---|---|",
        ...outputs.map((o) => `| \`${o.name}\` | \`${cell(o.type)}\` | ${yes(o.secret)} | ${yes(o.otherLanguages)} | ${cell(o.doc)} |`),
        "",
        "## Children",
        "",
        "The resources the component registers, by type and name (`<name>` is the component's name), in",
        "four configurations. Kubernetes objects' own names come from `name` (default `redis-cluster`).",
        "",
        `| Type | Name | ${CONFIGURATIONS.map((c) => c.title).join(" | ")} |`,
        `|---|---|${CONFIGURATIONS.map(() => "---").join("|")}|`,
        ...children.map((c) => `| \`${c.type}\` | \`${c.name}\` | ${c.in.map((b) => (b ? "✓" : "")).join(" | ")} |`),
        "",
    ].join("\n");
}

if (require.main === module && process.argv.includes("--write")) {
    apiDoc().then(
        (text) => {
            fs.writeFileSync(API_DOC_PATH, text);
            console.log("updated docs/api.md");
        },
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
