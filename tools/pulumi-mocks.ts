// Runs a Pulumi program in-process under the SDK's mocks and records every resource it registers
// (type, name, parent, dependencies, inputs). Render and the wiring tests share it, so both see
// exactly what `pulumi up` would send to the engine, without the Pulumi CLI or any cloud.
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
    type: string;
    name: string;
    urn: string;
    parent: string;
    dependencies: string[];
    /** Resource options the engine acts on when it decides between update and replace. */
    ignoreChanges: string[];
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    /** The engine leaves the object in place on delete (`pulumi destroy` included). */
    retainOnDelete: boolean;
    /** How long the provider may wait for the resource per operation (Go durations; "" = its default). */
    customTimeouts: { create: string; update: string; delete: string };
    custom: boolean;
    /** Inputs with secret values in place. */
    inputs: Record<string, unknown>;
    /** Inputs with every secret value replaced by REDACTED. */
    redactedInputs: Record<string, unknown>;
}

export interface MockRun<T> {
    resources: RegisteredResource[];
    result: T;
}

export const REDACTED = "[secret]";

const rpc = require("@pulumi/pulumi/runtime/rpc");

/** Secrets arrive wrapped ({sig: secret, value}); unwrap them, or replace them by REDACTED. */
export function unwrapSecrets(value: unknown, redact: boolean): any {
    if (Array.isArray(value)) return value.map((v) => unwrapSecrets(v, redact));
    if (typeof value !== "object" || value === null) return value;
    const obj = value as Record<string, unknown>;
    if (obj[rpc.specialSigKey] === rpc.specialSecretSig)
        return redact ? redactLeaves(unwrapSecrets(obj.value, false)) : unwrapSecrets(obj.value, false);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v, redact)]));
}

/** Replaces every leaf by REDACTED, keeping the shape (so a redacted Secret still validates). */
function redactLeaves(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redactLeaves);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v)]));
    }
    return REDACTED;
}

/** What the resource's options say, captured at registration (the mocks see only its inputs). */
type Capture = Pick<
    RegisteredResource,
    "parent" | "dependencies" | "ignoreChanges" | "replaceOnChanges" | "deleteBeforeReplace" | "retainOnDelete" | "customTimeouts"
> & { urn?: string };

const NO_TIMEOUTS = { create: "", update: "", delete: "" };
const timeoutsOf = (t: any): RegisteredResource["customTimeouts"] =>
    t ? { create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() } : NO_TIMEOUTS;

let captures: Map<string, Capture> | undefined;
let patched = false;

/** Hooks the mock monitor once to see what plain mocks hide: parents, dependencies and URNs. */
function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const mocks = require("@pulumi/pulumi/runtime/mocks");
    const original = mocks.MockMonitor.prototype.registerResource;
    mocks.MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        const key = `${req.getType()}::${req.getName()}`;
        captures?.set(key, {
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            retainOnDelete: Boolean(req.getRetainondelete()),
            customTimeouts: timeoutsOf(req.getCustomtimeouts()),
        });
        return original.call(this, req, (err: any, response: any) => {
            const c = captures?.get(key);
            if (c && response) c.urn = response.getUrn();
            callback(err, response);
        });
    };
}

export interface MockOptions {
    project: string;
    stack: string;
    config?: Record<string, string>;
    preview?: boolean;
    /** Outputs of resources by type token (e.g. the generated password's `result`). */
    outputs?: (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;
    /** Results of invokes (data sources) by token; the default echoes the inputs. */
    calls?: DataSourceAnswers;
}

/** Answers a data source (invoke) by token, or undefined to echo its inputs. */
export type DataSourceAnswers = (
    token: string,
    inputs: Record<string, unknown>,
) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;

/**
 * Runs `program` under mocks and waits until every registration has finished. The Pulumi runtime
 * is process-global, so runs must not overlap.
 */
export async function runUnderMocks<T>(program: () => T, opts: MockOptions): Promise<MockRun<T>> {
    patchMonitor();
    const registered: { type: string; name: string; inputs: Record<string, unknown>; custom: boolean }[] = [];
    captures = new Map();
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const inputs = unwrapSecrets(args.inputs, false);
                registered.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
                const extra = opts.outputs?.(args.type, args.name, inputs) ?? {};
                return { id: `${args.name}-id`, state: { ...inputs, ...extra } };
            },
            async call(args) {
                return (await opts.calls?.(args.token, args.inputs)) ?? args.inputs;
            },
        },
        opts.project,
        opts.stack,
        opts.preview ?? false,
    );
    pulumi.runtime.setAllConfig(opts.config ?? {});
    const result = program();
    const settings = require("@pulumi/pulumi/runtime/settings");
    await settings.waitForRPCs();
    const resources = registered.map((r) => {
        const c = captures!.get(`${r.type}::${r.name}`);
        return {
            type: r.type,
            name: r.name,
            custom: r.custom,
            inputs: unwrapSecrets(r.inputs, false),
            redactedInputs: unwrapSecrets(r.inputs, true),
            urn: c?.urn ?? "",
            parent: c?.parent ?? "",
            dependencies: c?.dependencies ?? [],
            ignoreChanges: c?.ignoreChanges ?? [],
            replaceOnChanges: c?.replaceOnChanges ?? [],
            deleteBeforeReplace: c?.deleteBeforeReplace ?? false,
            retainOnDelete: c?.retainOnDelete ?? false,
            customTimeouts: c?.customTimeouts ?? NO_TIMEOUTS,
        };
    });
    return { resources, result };
}

/** Resolves an Output under mocks, with its secretness. */
export async function resolveOutput<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
    const o = output as any;
    const [value, secret] = await Promise.all([o.promise(), o.isSecret]);
    return { value, secret };
}
