// npm run render -- --stack <name> [--out <dir> | --diff <git-ref>]
// Renders every resource of a stack offline: the stack program runs in-process under Pulumi's
// mocks, so the output is exactly what `pulumi up` would create. Kubernetes objects print as YAML,
// the other resources as JSON documents (type token, name, inputs). Secrets are redacted.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError } from "../components/settings/errors";
import { packageRoot } from "../components/package-files";
import { deployStack, StackOutputs } from "../program/stack";
import { diffRendered, formatDiff, renderAtRef, splitObjects } from "./render-diff";
import { DataSourceAnswers, MockOptions, MockRun, REDACTED, RegisteredResource, runUnderMocks } from "./pulumi-mocks";
import { StackConfigError } from "./project-config";
import { readStackConfig } from "./stack-config";

export interface Rendered {
    kubernetes: Record<string, unknown>[];
    others: { type: string; name: string; inputs: Record<string, unknown> }[];
}

/**
 * Outputs the cloud would assign, as far as they follow from the inputs (names, ARNs); generated
 * values are unknown offline, and secrets are redacted anyway.
 */
export function offlineOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    if (type.startsWith("random:")) return { result: REDACTED };
    if (type === "aws:s3/bucket:Bucket") {
        const bucket = inputs.bucket ?? `${inputs.bucketPrefix}<generated>`;
        return { bucket, arn: `arn:aws:s3:::${bucket}`, region: inputs.region ?? "<provider region>" };
    }
    if (type === "aws:iam/accessKey:AccessKey") return { secret: REDACTED };
    if (type === "aws:kms/key:Key") return { arn: `arn:aws:kms:<provider region>:<account>:key/<generated>` };
    if (type.startsWith("aws:iam/")) {
        const kind = type.split(":")[2].toLowerCase();
        return { name: inputs.name ?? name, arn: `arn:aws:iam::<account>:${kind}${inputs.path ?? "/"}${inputs.name ?? name}` };
    }
    return {};
}

export interface RenderOptions {
    /** Answers to data sources (an offline render has none; local mode reads its own S3). */
    calls?: DataSourceAnswers;
}

/** Renders a stack of the project in `dir` (default: this package). */
export async function renderStack(stack: string, dir = packageRoot, opts: RenderOptions = {}): Promise<Rendered> {
    const { project, config } = readStackConfig(dir, stack);
    return renderProgram(() => deployStack(config, project), { project, stack, calls: opts.calls });
}

/**
 * Renders any Pulumi program offline: `program` runs in-process under mocks (a consumer passes
 * `() => require("./index")`), and every resource it registers comes back, secrets redacted.
 * `config` is what `pulumi.Config` would read, as flat "namespace:key" text values.
 */
export async function renderProgram(
    program: () => unknown,
    opts: { project: string; stack: string; config?: Record<string, string> } & RenderOptions,
): Promise<Rendered> {
    const run = await runUnderMocks(program, { ...opts, outputs: offlineOutputs });
    return splitResources(run.resources);
}

/**
 * Runs a stack's program under mocks, with `outputs` standing in for what providers generate; the
 * run keeps every resource (secrets in place) and the stack outputs. The secret-scan test uses it.
 */
export async function runStackUnderMocks(stack: string, dir: string, outputs: MockOptions["outputs"]): Promise<MockRun<StackOutputs>> {
    const { project, config } = readStackConfig(dir, stack);
    return runUnderMocks(() => deployStack(config, project), { project, stack, outputs });
}

export function splitResources(resources: RegisteredResource[]): Rendered {
    const custom = resources.filter((r) => r.custom);
    return {
        kubernetes: custom.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.redactedInputs),
        others: custom
            .filter((r) => !r.type.startsWith("kubernetes:"))
            .map((r) => ({ type: r.type, name: r.name, inputs: withoutProviderCode(r.redactedInputs) })),
    };
}

/** A dynamic resource carries its provider as serialized JavaScript; the type token says enough. */
function withoutProviderCode(inputs: Record<string, unknown>): Record<string, unknown> {
    const { __provider, ...rest } = inputs;
    return __provider === undefined ? inputs : { ...rest, __provider: "[serialized dynamic provider]" };
}

export function toYamlStream(rendered: Rendered): string {
    const docs = [
        ...rendered.kubernetes.map((o) => YAML.stringify(o, { lineWidth: 0 })),
        ...rendered.others.map((o) => JSON.stringify(o, null, 2) + "\n"),
    ];
    return docs.map((d) => `---\n${d}`).join("");
}

/** File name of the render's other resources (AWS, random, the dynamic ones) in `--out`. */
export const OTHER_RESOURCES_FILE = "resources.json";

/**
 * What `--out` writes, file name to text: each Kubernetes object in its own YAML file, numbered in
 * apply order, and the other resources in one JSON list. The prod snapshot is this, committed.
 */
export function renderedFiles(rendered: Rendered): Map<string, string> {
    const files = new Map<string, string>();
    rendered.kubernetes.forEach((o: any, i) => {
        files.set(`${String(i).padStart(2, "0")}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, YAML.stringify(o, { lineWidth: 0 }));
    });
    files.set(OTHER_RESOURCES_FILE, JSON.stringify(rendered.others, null, 2) + "\n");
    return files;
}

function writeDir(rendered: Rendered, out: string): void {
    fs.mkdirSync(out, { recursive: true });
    for (const [file, text] of renderedFiles(rendered)) fs.writeFileSync(path.join(out, file), text);
}

interface CliArgs {
    stack: string;
    out?: string;
    diff?: string;
}

function parseArgs(argv: string[]): CliArgs {
    const args: CliArgs = { stack: "dev" };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") args.stack = argv[++i];
        else if (argv[i] === "--out") args.out = argv[++i];
        else if (argv[i] === "--diff") args.diff = argv[++i];
        else throw new Error(`unknown argument ${argv[i]} (usage: render --stack <name> [--out <dir> | --diff <git-ref>])`);
    }
    return args;
}

async function main(): Promise<void> {
    const { stack, out, diff } = parseArgs(process.argv.slice(2));
    const rendered = await renderStack(stack, process.cwd());
    if (diff) {
        const head = toYamlStream(rendered);
        const diffs = diffRendered(renderAtRef(diff, stack, process.cwd()), head);
        process.stdout.write(formatDiff(diff, stack, diffs, splitObjects(head).size));
    } else if (out) {
        writeDir(rendered, out);
        console.error(`rendered ${rendered.kubernetes.length} Kubernetes objects and ${rendered.others.length} other resources to ${out}`);
    } else {
        process.stdout.write(toYamlStream(rendered));
    }
}

if (require.main === module) {
    main().catch((e) => {
        console.error(
            e instanceof ConfigError || e instanceof StackConfigError ? e.message : `render failed: ${e instanceof Error ? e.message : e}`,
        );
        process.exit(1);
    });
}
