// Small validating parsers for configuration. Each field parses one value, fills in its default,
// and records every problem (key, value given, what is allowed) instead of stopping at the first,
// so a user sees all mistakes of a stack file at once. Objects reject keys they do not know:
// a typo must never be silently ignored.

export interface Problem {
    key: string;
    value: unknown;
    allowed: string;
}

export interface Field<T> {
    /** Parses `input` (undefined means "not given": the default applies). */
    parse(input: unknown, key: string, problems: Problem[]): T;
    /** What is allowed, in words, for error messages and the settings table. */
    readonly allowed: string;
    /** The fields of an object setting, for documentation generators. */
    readonly children?: Record<string, Field<unknown>>;
    /** The field of each item of a list setting, for documentation generators. */
    readonly items?: Field<unknown>;
    /** A whole number (the package schema types it `integer`). */
    readonly integer?: true;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function fail<T>(problems: Problem[], key: string, value: unknown, allowed: string, fallback: T): T {
    problems.push({ key, value, allowed });
    return fallback;
}

export function integer(def: number, opts: { min?: number; max?: number } = {}): Field<number> {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
    const range =
        opts.min !== undefined && opts.max !== undefined
            ? `from ${min} to ${max}`
            : opts.min !== undefined
              ? `${min} or more`
              : opts.max !== undefined
                ? `${max} or less`
                : "";
    const allowed = `a whole number${range ? " " + range : ""}`;
    return {
        allowed,
        integer: true,
        parse(input, key, problems) {
            if (input === undefined) return def;
            if (typeof input !== "number" || !Number.isInteger(input) || input < min || input > max) {
                return fail(problems, key, input, allowed, def);
            }
            return input;
        },
    };
}

export function boolean(def: boolean): Field<boolean> {
    const allowed = "true or false";
    return {
        allowed,
        parse(input, key, problems) {
            if (input === undefined) return def;
            return typeof input === "boolean" ? input : fail(problems, key, input, allowed, def);
        },
    };
}

/**
 * A string checked by `valid`. Numbers are accepted and turned into strings, because YAML reads
 * `cpu: 2` as a number where Kubernetes means the quantity "2".
 */
export function text(
    def: string,
    allowed: string,
    valid: (s: string) => boolean = () => true,
    opts: { acceptNumbers?: boolean } = {},
): Field<string> {
    return {
        allowed,
        parse(input, key, problems) {
            if (input === undefined) return def;
            const value = opts.acceptNumbers && typeof input === "number" ? String(input) : input;
            if (typeof value !== "string" || !valid(value)) return fail(problems, key, input, allowed, def);
            return value;
        },
    };
}

export function oneOf(def: string, choices: readonly string[]): Field<string> {
    return text(def, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, (s) => choices.includes(s));
}

type Fields<T> = { [K in keyof T]-?: Field<T[K]> };

export function object<T extends object>(fields: Fields<T>): Field<T> {
    const known = Object.keys(fields);
    const allowed = `an object with keys ${known.join(", ")}`;
    return {
        allowed,
        children: fields as Record<string, Field<unknown>>,
        parse(input, key, problems) {
            const given = input === undefined || input === null ? {} : input;
            if (!isPlainObject(given)) {
                problems.push({ key, value: input, allowed });
                return parseFields(fields, {}, key, []);
            }
            for (const k of Object.keys(given)) {
                if (!known.includes(k)) {
                    problems.push({ key: join(key, k), value: given[k], allowed: `no such setting; known keys here: ${known.join(", ")}` });
                }
            }
            return parseFields(fields, given, key, problems);
        },
    };
}

/** An object that may be absent altogether (then the result is undefined). */
export function optionalObject<T extends object>(fields: Fields<T>): Field<T | undefined> {
    const inner = object(fields);
    return {
        allowed: inner.allowed,
        children: inner.children,
        parse(input, key, problems) {
            return input === undefined || input === null ? undefined : inner.parse(input, key, problems);
        },
    };
}

function parseFields<T>(fields: Fields<T>, given: Record<string, unknown>, key: string, problems: Problem[]): T {
    const out: Record<string, unknown> = {};
    for (const [k, field] of Object.entries(fields) as [string, Field<unknown>][]) {
        out[k] = field.parse(given[k], join(key, k), problems);
    }
    return out as T;
}

export function list<T>(item: Field<T>, def: T[], opts: { max?: number } = {}): Field<T[]> {
    const allowed = `a list${opts.max !== undefined ? ` of at most ${opts.max}` : ""} of ${item.allowed}`;
    return {
        allowed,
        items: item as Field<unknown>,
        parse(input, key, problems) {
            if (input === undefined) return structuredClone(def);
            if (!Array.isArray(input) || (opts.max !== undefined && input.length > opts.max)) {
                return fail(problems, key, input, allowed, structuredClone(def));
            }
            return input.map((v, i) => item.parse(v, `${key}[${i}]`, problems));
        },
    };
}

/** A string-to-string map whose keys and values are checked separately. */
export function stringMap(def: Record<string, string>, keyField: Field<string>, valueField: Field<string>): Field<Record<string, string>> {
    const allowed = `a map from ${keyField.allowed} to ${valueField.allowed}`;
    return {
        allowed,
        parse(input, key, problems) {
            if (input === undefined) return { ...def };
            if (!isPlainObject(input)) return fail(problems, key, input, allowed, { ...def });
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(input)) {
                const before = problems.length;
                keyField.parse(k, `${join(key, k)} (key)`, problems);
                const value = valueField.parse(v, join(key, k), problems);
                if (problems.length === before) out[k] = value;
            }
            return out;
        },
    };
}

export function join(parent: string, child: string): string {
    return parent ? `${parent}.${child}` : child;
}
