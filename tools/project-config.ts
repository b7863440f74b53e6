// The Pulumi CLI's rules for a project's `config:` declarations, applied offline so that render
// and the tests accept exactly the stacks `pulumi up` accepts. Mirrors pulumi 3.248's
// sdk/go/common/workspace: RewriteShorthandConfigValues and Project.Validate (project.go),
// mergeConfig and validateStackConfigValue (config.go), ValidateConfigValue (project.go):
//   - a shorthand value (string, number, boolean, array) is a `default` for a project key and a
//     `value` for another namespace's key;
//   - a key of the project's namespace with neither `default` nor `value` is required, typed or not;
//   - a missing key takes `default` or `value`;
//   - a typed key's value (the stack's, or the default) must be of its type, where every plain
//     stack value is text: `integer` accepts text that parses as an integer, `boolean` only
//     "true"/"false", `string` anything but an object or array, `object` and `array` only those;
//   - `secret: true` requires the stack value to be encrypted.
// The CLI stops at the first problem; this lists them all, each with key, value and what is allowed.
import type { Problem } from "../components/settings/fields";

const TYPES = ["string", "integer", "boolean", "array", "object"];
const ATTRIBUTES = ["type", "items", "description", "secret", "default", "value"];

interface ItemsType {
    type: string;
    items?: ItemsType;
}

interface Declaration {
    type?: string;
    items?: ItemsType;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}

/** A stack file's value as the CLI holds it: plain text, an object or array, or an encrypted secret. */
export type StackValue = { text: string } | { object: unknown } | { secure: true };

export class StackConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: Problem[],
    ) {
        super(
            `Stack '${stack}' does not pass the Pulumi CLI's config rules (${problems.length === 1 ? "1 problem" : `${problems.length} problems`}):\n` +
                problems.map((p) => `  - ${p.key}: got ${show(p.value)}; ${p.allowed}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

const namespaced = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);
const isProjectKey = (project: string, key: string) => !key.includes(":") || key.startsWith(`${project}:`);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The declarations after the CLI's shorthand rewrite, plus any problem with a declaration itself. */
function declarations(project: string, config: Record<string, unknown>, problems: Problem[]): Map<string, Declaration> {
    const out = new Map<string, Declaration>();
    for (const [key, raw] of Object.entries(config)) {
        const where = `Pulumi.yaml config.${key}`;
        if (!isPlainObject(raw)) {
            out.set(key, isProjectKey(project, key) ? { default: raw } : { value: raw });
            continue;
        }
        const unknown = Object.keys(raw).filter((a) => !ATTRIBUTES.includes(a));
        if (unknown.length > 0)
            problems.push({
                key: where,
                value: raw,
                allowed: `a declaration has only the attributes ${ATTRIBUTES.join(", ")} (not ${unknown.join(", ")})`,
            });
        const decl = raw as Declaration;
        // YAML null is "not given" for the CLI (Go's nil): it does not count as a default.
        if (decl.default === null) delete decl.default;
        if (decl.value === null) delete decl.value;
        if ("default" in decl && "value" in decl)
            problems.push({ key: where, value: raw, allowed: "either `default` or `value`, not both" });
        if (decl.type !== undefined && !TYPES.includes(decl.type))
            problems.push({ key: `${where}.type`, value: decl.type, allowed: `one of ${TYPES.join(", ")}` });
        if (isProjectKey(project, key)) {
            if (decl.type === "array" && !decl.items)
                problems.push({ key: where, value: raw, allowed: "an `array` declaration names its element type with `items`" });
            if (decl.type !== undefined && "default" in decl && !matchesType(decl.type, decl.items, decl.default)) {
                problems.push({ key: `${where}.default`, value: decl.default, allowed: `a value of the declared type ${typeName(decl)}` });
            }
        } else {
            if (decl.type !== undefined)
                problems.push({ key: where, value: raw, allowed: "no `type`: the key is not in the project's namespace" });
            if ("default" in decl)
                problems.push({ key: where, value: raw, allowed: "`value`, not `default`: the key is not in the project's namespace" });
            if (!("value" in decl))
                problems.push({ key: where, value: raw, allowed: "a `value`: the key is not in the project's namespace" });
        }
        out.set(key, decl);
    }
    return out;
}

const typeName = (d: { type?: string; items?: ItemsType }): string => (d.items ? `array<${typeName(d.items)}>` : (d.type ?? ""));

/** ValidateConfigValue: `value` is text for a plain stack value, the parsed structure for an object. */
export function matchesType(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            // strconv.Atoi: an optional sign and decimal digits, within 64 bits.
            return (
                typeof value === "string" && /^[+-]?\d+$/.test(value) && BigInt(value) <= 2n ** 63n - 1n && BigInt(value) >= -(2n ** 63n)
            );
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return isPlainObject(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((v) => matchesType(items.type, items.items, v));
    }
}

/** How the CLI stores a project default it applies (createConfigValue): primitives as text. */
function asStackValue(v: unknown): StackValue {
    return typeof v === "object" && v !== null ? { object: v } : { text: String(v) };
}

/**
 * Applies the project's declarations to a stack's values (keys fully namespaced) the way
 * `pulumi up` does, and returns the merged values; throws StackConfigError listing every problem.
 */
export function applyProjectConfig(
    project: string,
    stack: string,
    declared: Record<string, unknown>,
    stackValues: Map<string, StackValue>,
): Map<string, StackValue> {
    const problems: Problem[] = [];
    const decls = declarations(project, declared, problems);
    const merged = new Map(stackValues);
    for (const [key, decl] of [...decls].sort(([a], [b]) => a.localeCompare(b))) {
        const full = namespaced(project, key);
        const given = stackValues.get(full);
        const fallback = "default" in decl ? decl.default : decl.value;
        if (given === undefined) {
            if (fallback === undefined) {
                if (isProjectKey(project, key)) {
                    problems.push({
                        key: full,
                        value: undefined,
                        allowed:
                            `required: Pulumi.yaml declares it without a default, so set it in Pulumi.${stack}.yaml ` +
                            `(the CLI says: Stack '${stack}' is missing configuration value '${key}')`,
                    });
                }
                continue;
            }
            merged.set(full, asStackValue(fallback));
        }
        const value = merged.get(full)!;
        if (decl.secret && !("secure" in value)) {
            problems.push({
                key: full,
                value: "text" in value ? value.text : value.object,
                allowed: "an encrypted value (`pulumi config set --secret`): Pulumi.yaml declares it secret",
            });
        }
        // The CLI decrypts secrets to check them; offline there is no passphrase, so they pass here.
        if (decl.type === undefined || "secure" in value || !isProjectKey(project, key)) continue;
        const content = "text" in value ? value.text : value.object;
        if (!matchesType(decl.type, decl.items, content)) {
            problems.push({
                key: full,
                value: content,
                allowed: `a value of type ${typeName(decl)}, as Pulumi.yaml declares (the CLI says: Stack '${stack}' with configuration key '${key}' must be of type '${typeName(decl)}')`,
            });
        }
    }
    if (problems.length > 0) throw new StackConfigError(stack, problems);
    return merged;
}
