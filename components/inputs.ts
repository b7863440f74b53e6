// Pulumi Inputs at the component boundary. The spec layer works on plain values only; here the
// args a program passes (some of them Outputs of other resources: an EKS cluster's OIDC provider
// ARN, a namespace another resource made) become
//   - a *shape* spec, known when the component is constructed: which resources exist and their
//     names. Settings that decide it must be plain; an Output stands in as a placeholder;
//   - the *resolved* spec, an Output: every value, validated again once the Outputs resolve.
// Resource inputs are read from the resolved spec; resource names and options from the shape.
import * as pulumi from "@pulumi/pulumi";
import { INPUT_SETTINGS, RedisClusterArgs } from "./settings/args";

export { INPUT_SETTINGS };
import { ConfigError } from "./settings/errors";
import type { Problem } from "./settings/fields";
import { ENGINES } from "./settings/schema";
import { ClusterSpec, resolveSpec } from "./settings/spec";

/**
 * Settings whose being set (not empty) decides which resources exist: a named bucket or a
 * generated one, an IRSA role or an IAM user, a cert-manager Certificate or an existing Secret.
 * Given as an Output they count as set, and the placeholder is what the shape is built with.
 */
const SET_WHEN_OUTPUT: Record<string, string> = {
    "backup.s3.bucketName": "output-placeholder",
    // Placeholders must pass validation themselves (an invalid value falls back to its default, empty).
    "backup.s3.kmsKeyArn": "arn:aws:kms:us-east-1:000000000000:key/output-placeholder",
    "backup.s3.oidcProviderArn": "arn:aws:iam::000000000000:oidc-provider/output.placeholder",
    "backup.s3.oidcProviderUrl": "output.placeholder",
    "tls.secretName": "output-placeholder",
    "tls.issuerRef.name": "output-placeholder",
};

const isEventual = (v: unknown): boolean => pulumi.Output.isInstance(v) || v instanceof Promise;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) && !isEventual(v);

/** Dotted key of every Output or Promise inside `value` (list items as `key.0`). */
export function eventualKeys(value: unknown, key = ""): string[] {
    if (isEventual(value)) return [key];
    const join = (k: string | number) => (key ? `${key}.${k}` : String(k));
    if (Array.isArray(value)) return value.flatMap((v, i) => eventualKeys(v, join(i)));
    if (isPlainObject(value)) return Object.entries(value).flatMap(([k, v]) => eventualKeys(v, join(k)));
    return [];
}

const within = (key: string, setting: string) => key === setting || key.startsWith(`${setting}.`);
const related = (a: string, b: string) => within(a, b) || within(b, a);

/** A copy of `args` without its Outputs: placeholders where being set matters, else left out (the default). */
function withoutEventuals(value: unknown, key = ""): unknown {
    const join = (k: string | number) => (key ? `${key}.${k}` : String(k));
    if (Array.isArray(value)) return value.filter((v) => !isEventual(v)).map((v, i) => withoutEventuals(v, join(i)));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
        const child = join(k);
        if (!isEventual(v)) out[k] = withoutEventuals(v, child);
        else if (child in SET_WHEN_OUTPUT) out[k] = SET_WHEN_OUTPUT[child];
    }
    return out;
}

export interface SplitSettings {
    /** Validated, defaulted, built from the plain values and placeholders: names and which resources exist. */
    shape: ClusterSpec;
    /** The same, from every value once resolved; fails (with key, value, what is allowed) when one is invalid. */
    resolved: pulumi.Output<ClusterSpec>;
    /** The keys given as Outputs. */
    eventual: string[];
    /** `f` of the resolved spec: plain when no setting is an Output (so such programs register exactly as before), else an Output. */
    value<T>(f: (spec: ClusterSpec) => T): pulumi.Input<T>;
    /** `f` of the shape, with each top-level key (but apiVersion and kind) read from `f` of the resolved spec when some setting is an Output. */
    object<T extends object>(f: (spec: ClusterSpec) => T): T;
    /** The same for each item of a list of objects (the list's length is the shape's). */
    objects<T extends object>(f: (spec: ClusterSpec) => T[]): T[];
}

/**
 * Splits `args` into the shape (now) and the resolved spec (later). Throws a ConfigError at once
 * for every problem of the plain values, and for an Output where only a plain value can be taken.
 */
export function splitSettings(args: RedisClusterArgs, keyPrefix = ""): SplitSettings {
    const eventual = eventualKeys(args);
    const misplaced: Problem[] = eventual
        .filter((k) => !INPUT_SETTINGS.some((s) => within(k, s)))
        .map((key) => ({
            key,
            value: "a pulumi Output or Promise",
            allowed:
                "a plain value: this setting decides which resources the component creates or what they are called, which must be " +
                `known when the program runs; the settings that take Outputs are ${INPUT_SETTINGS.join(", ")}`,
        }));
    // Without an engine, the image's repository names it (resolveSpec); an image given as an Output
    // names it only later, so the shape and the resolved spec would run different engines.
    if (eventual.includes("image") && args.engine === undefined) {
        misplaced.push({
            key: "engine",
            value: "unset",
            allowed:
                `${ENGINES.map((e) => `"${e}"`).join(" or ")}, set explicitly when image is given as a pulumi Output: ` +
                "without it the engine is read from the image's repository, which is known only once the Output resolves",
        });
    }
    if (misplaced.length > 0) throw new ConfigError(misplaced, keyPrefix);
    // A problem that involves an Output's setting is decided when it resolves.
    const deferred = (p: Problem) => eventual.some((k) => related(p.key, k) || p.allowed.includes(k));
    const shape = resolveSpec(withoutEventuals(args) as RedisClusterArgs, keyPrefix, deferred);
    if (eventual.length === 0) {
        return {
            shape,
            resolved: pulumi.output(shape),
            eventual,
            value: (f) => f(shape),
            object: (f) => f(shape),
            objects: (f) => f(shape),
        };
    }
    const resolved = pulumi.output(args).apply((plain) => {
        const spec = resolveSpec(plain as RedisClusterArgs, keyPrefix);
        const emptied: Problem[] = eventual
            .filter((k) => k in SET_WHEN_OUTPUT && valueAt(plain, k) === "")
            .map((key) => ({
                key,
                value: "",
                allowed:
                    "a value that is not empty: given as an Output it counts as set, which decides the resources " +
                    'when the program starts; leave the setting out (or give "" as a plain value) for the other choice',
            }));
        if (emptied.length > 0) throw new ConfigError(emptied, keyPrefix);
        return spec;
    });
    return {
        shape,
        resolved,
        eventual,
        value: (f) => resolved.apply(f),
        object: (f) => liftKeys(resolved.apply(f), f(shape)),
        objects: (f) => {
            const all = resolved.apply(f);
            return f(shape).map((item, i) =>
                liftKeys(
                    all.apply((list) => list[i]),
                    item,
                ),
            );
        },
    };
}

function valueAt(value: unknown, key: string): unknown {
    return key.split(".").reduce<unknown>((v, k) => (v === undefined || v === null ? undefined : (v as Record<string, unknown>)[k]), value);
}

/**
 * `shape` with each top-level key (but `apiVersion` and `kind`) read from `values` instead, deeply
 * unwrapped. What a resource is called comes from the shape; what it holds, from the values.
 */
export function liftKeys<T extends object>(values: pulumi.Output<T>, shape: T): T {
    const out: Record<string, unknown> = {};
    for (const [key, plain] of Object.entries(shape)) {
        out[key] = key === "apiVersion" || key === "kind" ? plain : values.apply((v) => pulumi.output((v as Record<string, unknown>)[key]));
    }
    return out as T;
}

/** What identifies an object to Pulumi and Kubernetes: kind, name and its top-level fields. */
export const objectIdentity = (o: { apiVersion: string; kind: string; metadata: { name: string } } & object) =>
    `${o.apiVersion}/${o.kind}/${o.metadata.name} {${Object.keys(o).sort().join(",")}}`;

/**
 * Throws when resolved values change which objects exist or what they are called (e.g. a namespace
 * given as an Output names the node-tuning namespace), naming the objects; else returns `resolved`.
 */
export function assertSameObjects<O extends { apiVersion: string; kind: string; metadata: { name: string } }>(
    shape: O[],
    resolved: O[],
    eventual: string[],
): O[] {
    const a = shape.map(objectIdentity);
    const b = resolved.map(objectIdentity);
    const only = (x: string[], y: string[]) => x.filter((i) => !y.includes(i));
    if (only(a, b).length === 0 && only(b, a).length === 0) return resolved;
    throw new Error(
        `RedisCluster: the values of ${eventual.join(", ")} (given as Outputs) change which Kubernetes objects exist or their names ` +
            `(expected ${only(a, b).join("; ") || "nothing more"}, got ${only(b, a).join("; ") || "nothing more"}); give those settings as plain values`,
    );
}
