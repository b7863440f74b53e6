// The package's own provider: serves RedisCluster to programs in any language (construct), and
// runs the formation steps (credentials, drain, formation) as its own custom resources, with the
// very provider objects a TypeScript program's dynamic resources use. A thin host: the component,
// its args and its outputs are the TypeScript ones; the schema is generated from them.
import * as pulumi from "@pulumi/pulumi";
import type { provider } from "@pulumi/pulumi";
import { RedisCluster, RESOURCE_TYPE } from "../components/redis-cluster";
import { packageVersion, STEPS, StepKind, stepToken } from "../components/formation/steps";
import { readPackageFile } from "../components/package-files";
import { markSecrets, revealSecrets } from "./secrets";

/** The generated schema (`npm run schema`), shipped with the package. */
export const SCHEMA_FILE = ["provider", "schema.json"];

/** The step a URN names, from the type at its end (`...::parent$redis-cluster:index:ClusterFormation::name`). */
export function stepOf(urn: string): StepKind {
    const type = urn.split("::")[2]?.split("$").pop();
    const kind = (Object.keys(STEPS) as StepKind[]).find((k) => stepToken(k) === type);
    if (!kind)
        throw new Error(
            `redis-cluster provider: no resource type ${type} (from ${urn}); it serves ${(Object.keys(STEPS) as StepKind[]).map(stepToken).join(", ")}`,
        );
    return kind;
}

export class RedisClusterProvider implements provider.Provider {
    readonly version = packageVersion();
    private readonly schemaText = readPackageFile(...SCHEMA_FILE);

    async getSchema(): Promise<string> {
        return this.schemaText;
    }

    async construct(
        name: string,
        type: string,
        inputs: pulumi.Inputs,
        options: pulumi.ComponentResourceOptions,
    ): Promise<provider.ConstructResult> {
        if (type !== RESOURCE_TYPE) throw new Error(`redis-cluster provider: cannot construct ${type}; it serves ${RESOURCE_TYPE}`);
        const cluster = new RedisCluster(name, inputs, options);
        // Every output the schema lists, read from the component, so the two cannot drift apart.
        const outputs = Object.keys(JSON.parse(this.schemaText).resources[RESOURCE_TYPE].properties);
        return { urn: cluster.urn, state: Object.fromEntries(outputs.map((key) => [key, (cluster as any)[key]])) };
    }

    async check(urn: string, olds: any, news: any): Promise<provider.CheckResult> {
        const kind = stepOf(urn);
        const result = await STEPS[kind].provider.check!(revealSecrets(olds), revealSecrets(news));
        return { inputs: markSecrets(result.inputs ?? revealSecrets(news), STEPS[kind].secrets), failures: result.failures ?? [] };
    }

    async diff(id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult> {
        return STEPS[stepOf(urn)].provider.diff!(id, revealSecrets(olds), revealSecrets(news));
    }

    async create(urn: string, inputs: any): Promise<provider.CreateResult> {
        const kind = stepOf(urn);
        const result = await STEPS[kind].provider.create(revealSecrets(inputs));
        return { id: result.id, outs: markSecrets(result.outs ?? {}, STEPS[kind].secrets) };
    }

    async read(id: string, urn: string, props: any): Promise<provider.ReadResult> {
        const kind = stepOf(urn);
        const step = STEPS[kind].provider;
        if (!step.read) return { id, props };
        const result = await step.read(id, revealSecrets(props));
        return { id: result.id ?? id, props: markSecrets(result.props ?? {}, STEPS[kind].secrets) };
    }

    async update(id: string, urn: string, olds: any, news: any): Promise<provider.UpdateResult> {
        const kind = stepOf(urn);
        const result = await STEPS[kind].provider.update!(id, revealSecrets(olds), revealSecrets(news));
        return { outs: markSecrets(result.outs ?? {}, STEPS[kind].secrets) };
    }

    async delete(id: string, urn: string, props: any): Promise<void> {
        await STEPS[stepOf(urn)].provider.delete?.(id, revealSecrets(props));
    }
}
