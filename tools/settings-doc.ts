// Generates the settings reference from the two sources that define a setting: the doc comments
// of RedisClusterArgs (what it means) and the schema (its default and what is allowed). The settings
// table of docs/configuration.md and Pulumi.yaml's config block are both generated here; a test
// keeps them current.
//   node dist/tools/settings-doc.js --write   rewrites both files in place
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as YAML from "yaml";
import { packageRoot } from "../components/package-files";
import type { Field } from "../components/settings/fields";
import { LIVE_SETTINGS } from "../components/redis/redis-conf";
import { settingsSchema } from "../components/settings/schema";

export interface SettingDoc {
    key: string;
    /** The TypeScript type, as args.ts writes it. */
    type: string;
    doc: string;
    /** The default as written in the doc comment ("Default: `...`"), if any. */
    docDefault?: string;
    allowed: string;
    default: unknown;
    /** An object whose keys are documented as rows of their own. */
    isSection: boolean;
}

/** The file that declares RedisClusterArgs. */
export const ARGS_FILE = path.join(packageRoot, "components", "settings", "args.ts");

/** args.ts and the parts it re-exports (`export * from "./args-pod"`): every file of the args' types. */
export function argsSourceFiles(): string[] {
    const source = ts.createSourceFile(ARGS_FILE, fs.readFileSync(ARGS_FILE, "utf8"), ts.ScriptTarget.ES2022, true);
    const parts: string[] = [];
    source.forEachChild((node) => {
        if (ts.isExportDeclaration(node) && !node.exportClause && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
            parts.push(path.join(path.dirname(ARGS_FILE), `${node.moduleSpecifier.text}.ts`));
        }
    });
    return [ARGS_FILE, ...parts];
}

/** Doc comments and types of every property of the interfaces in source files, by "Interface.property". */
export function readDocComments(...files: string[]): { docs: Map<string, string>; types: Map<string, string> } {
    const docs = new Map<string, string>();
    const types = new Map<string, string>();
    for (const file of files) readInterfaces(file, docs, types);
    return { docs, types };
}

function readInterfaces(file: string, docs: Map<string, string>, types: Map<string, string>): void {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
        if (!ts.isInterfaceDeclaration(node)) return;
        for (const member of node.members) {
            if (!ts.isPropertySignature(member) || !member.name) continue;
            const key = `${node.name.text}.${member.name.getText(source)}`;
            const jsDoc = (member as any).jsDoc as ts.JSDoc[] | undefined;
            const comment = jsDoc?.map((d) => (typeof d.comment === "string" ? d.comment : "")).join(" ") ?? "";
            docs.set(key, comment.replace(/\s+/g, " ").trim());
            types.set(key, member.type?.getText(source) ?? "");
        }
    });
}

export function collectSettings(): SettingDoc[] {
    const { docs, types } = readDocComments(...argsSourceFiles());
    const defaults = settingsSchema.parse(undefined, "", []) as unknown as Record<string, unknown>;
    const rows: SettingDoc[] = [];
    const walk = (field: Field<unknown>, iface: string, prefix: string, defs: any) => {
        for (const [name, child] of Object.entries(field.children ?? {})) {
            const key = prefix + name;
            const raw = docs.get(`${iface}.${name}`);
            if (raw === undefined) throw new Error(`setting ${key} has no doc comment in ${iface} (components/settings/args*.ts)`);
            const m = /\s*Default: `([^`]*)`[^.]*\.?\s*$/.exec(raw);
            const childIface = (types.get(`${iface}.${name}`) ?? "").replace(/\s*\|\s*undefined/, "").trim();
            const isSection = child.children !== undefined && !childIface.endsWith("[]");
            const doc = m ? raw.slice(0, m.index).trim() : raw;
            rows.push({
                key,
                type: types.get(`${iface}.${name}`) ?? "",
                doc: key.startsWith("redis.") && !isSection ? `${doc} ${howApplied(key)}` : doc,
                docDefault: m?.[1],
                allowed: child.allowed,
                default: defs?.[name],
                isSection,
            });
            // An optional section (sentinel) is unset by default; its keys still have defaults.
            if (isSection) walk(child, childIface, `${key}.`, defs?.[name] ?? child.parse({}, "", []));
        }
    };
    walk(settingsSchema, "RedisClusterArgs", "", defaults);
    return rows;
}

/** Whether a change reaches running nodes live or through a rolling restart. */
function howApplied(key: string): string {
    return key in LIVE_SETTINGS
        ? "Changes apply live (CONFIG SET), no restart (topology sentinel: restarts the pods one at a time)."
        : "Changing it restarts the pods one at a time.";
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

function showDefault(row: SettingDoc): string {
    if (row.isSection) return "";
    if (row.default === undefined) return "unset";
    return "`" + JSON.stringify(row.default) + "`";
}

export function settingsTable(rows = collectSettings()): string {
    const lines = ["| Setting | Default | Allowed | Meaning |", "|---|---|---|---|"];
    for (const row of rows) {
        const allowed = row.isSection ? "section" : cell(row.allowed);
        lines.push(`| \`${row.key}\` | ${cell(showDefault(row))} | ${allowed} | ${cell(row.doc)} |`);
    }
    return lines.join("\n");
}

/**
 * Pulumi.yaml's `config:` block. Object sections are declared with an empty value (the program
 * fills in and validates every key inside; empty means "all defaults").
 *
 * The CLI requires every key of the project's namespace that has neither `default` nor `value`
 * (typed or not), and a project default counts as "given". A setting whose default depends on
 * the topology (shards: 3 for cluster, unset for sentinel) or on another setting (the engine's
 * image; the engine an image names) therefore has no honest declaration and is left out: the CLI
 * accepts undeclared keys, and the program's own schema checks it.
 */
export function pulumiConfigBlock(rows = collectSettings()): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const row of rows.filter((r) => !r.key.includes(".") && !DEPENDENT_DEFAULTS.includes(r.key))) {
        const d = row.default;
        if (typeof d === "number" || typeof d === "boolean" || typeof d === "string") {
            const type = typeof d === "number" ? "integer" : typeof d;
            out[row.key] = { type, description: row.doc, default: d };
        } else {
            out[row.key] = { value: {} };
        }
    }
    return out;
}

/** Settings whose default depends on another setting: not declared in Pulumi.yaml (see above). */
export const DEPENDENT_DEFAULTS = ["shards", "engine", "image"];

const BEGIN = "<!-- settings:begin (generated by tools/settings-doc.ts; do not edit) -->";
const END = "<!-- settings:end -->";

/** The page that holds the generated settings table, between the markers. */
export const SETTINGS_DOC = path.join("docs", "configuration.md");

export function docWithSettingsTable(doc: string, table = settingsTable()): string {
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${SETTINGS_DOC} lacks the settings markers`);
    return doc.slice(0, start + BEGIN.length) + "\n" + table + "\n" + doc.slice(end);
}

export function pulumiYamlWithConfig(pulumiYaml: string, block = pulumiConfigBlock()): string {
    const doc = YAML.parseDocument(pulumiYaml);
    doc.set("config", doc.createNode(block));
    return doc.toString({ lineWidth: 0 });
}

if (require.main === module && process.argv.includes("--write")) {
    const docPath = path.join(packageRoot, SETTINGS_DOC);
    const pulumiPath = path.join(packageRoot, "Pulumi.yaml");
    fs.writeFileSync(docPath, docWithSettingsTable(fs.readFileSync(docPath, "utf8")));
    fs.writeFileSync(pulumiPath, pulumiYamlWithConfig(fs.readFileSync(pulumiPath, "utf8")));
    console.log(`updated ${SETTINGS_DOC} and Pulumi.yaml`);
}
