// What every end-to-end file does around its scenarios: the local cluster up (reused when it is
// running already), a Pulumi project of its own, and the stack's namespace dropped before the
// first scenario (an earlier run's destroy retains it, with its data) and after the last, once the
// stack is destroyed. REDIS_E2E_KEEP=1 keeps the stack and its pods for a look afterwards.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { clusterUp, dropNamespace, LocalCluster } from "./local-cluster";
import { PulumiProject } from "./pulumi-cli";

const REPO = path.resolve(__dirname, "../../../..");

export interface LocalStack {
    cluster: LocalCluster;
    pulumi: PulumiProject;
}

/**
 * Registers the hooks; the returned object is filled in before the first scenario runs. `dir`: the
 * Pulumi project (this repository unless given, e.g. a consumer's program in another language).
 */
export function useLocalStack(stack: string, namespace: string, dir?: () => string): LocalStack {
    const ctx = {} as LocalStack;
    before(() => {
        ctx.cluster = clusterUp(3);
        ctx.pulumi = new PulumiProject(ctx.cluster, dir?.());
        dropNamespace(ctx.cluster, namespace);
    });
    after(async () => {
        if (!ctx.pulumi || process.env.REDIS_E2E_KEEP === "1") return;
        await ctx.pulumi.run(["destroy", "--yes", "--skip-preview", "-s", stack]);
        ctx.pulumi.cleanup([stack]);
        dropNamespace(ctx.cluster, namespace);
    });
    return ctx;
}

/** A committed stack file's config, keys without the project prefix, in another namespace. */
export function committedStackConfig(stackFile: string, namespace: string): Record<string, unknown> {
    const file = YAML.parse(fs.readFileSync(path.join(REPO, stackFile), "utf8")).config;
    return { ...Object.fromEntries(Object.entries(file).map(([k, v]) => [k.replace(/^redis-cluster:/, ""), v])), namespace };
}
