// Local mode's first step: the stack rendered as Pulumi would create it (the same builders), and
// what local mode reads from it: its StatefulSets as workloads, the formation resource's inputs.
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../components/kubernetes/object";
import { renderStack } from "../tools/render";
import { templateRevision } from "./rollout";
import { localS3Calls } from "./s3";

const FORMATION_TYPE = "pulumi-nodejs:dynamic/redis-cluster:ClusterFormation";

/** A StatefulSet of the stack; its pods take addresses from the base plus `addressOffset`. */
export interface Workload {
    statefulSet: string;
    replicas: number;
    /** The headless Service's DNS domain of its pods. */
    podDomain: string;
    addressOffset: number;
    /** Its pod template's revision (a rolling update replaces pods on another). */
    revision: string;
}

/** Sentinel pods sit 20 addresses above the Redis pods (127.0.0.31 for a base of .11). */
export const SENTINEL_ADDRESS_OFFSET = 20;

export interface Rendered {
    objects: KubeObject[];
    /** The Redis pods' StatefulSet first, then the Sentinels' (sentinel topology). */
    workloads: Workload[];
    /** The formation resource's inputs (cluster topology; the sentinel topology forms itself). */
    formationInputs?: Record<string, any>;
    topology: string;
    /** The Sentinels' master name (sentinel topology). */
    masterName?: string;
}

// The Pulumi runtime that render runs under is process-global: renders must not overlap, and a
// stack file that did not change need not be rendered twice.
const renders = new Map<string, Promise<Rendered>>();
let renderQueue: Promise<unknown> = Promise.resolve();

/** Where the stack files are: the project directory, or another one a test or user names. */
const projectDir = () => process.env.REDIS_LOCAL_PROJECT_DIR ?? process.cwd();

/** The stack's rendered objects and formation inputs (rendered once per stack file version). */
export function render(stack: string): Promise<Rendered> {
    const files = ["Pulumi.yaml", `Pulumi.${stack}.yaml`].map((f) => path.join(projectDir(), f));
    const key = `${stack}:${files.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)).join(":")}`;
    if (!renders.has(key)) {
        const next = renderQueue.then(() => renderOnce(stack));
        renderQueue = next.catch(() => undefined);
        renders.set(key, next);
        next.catch(() => renders.delete(key));
    }
    return renders.get(key)!;
}

async function renderOnce(stack: string): Promise<Rendered> {
    const r = await renderStack(stack, projectDir(), { calls: localS3Calls() });
    const objects = r.kubernetes as KubeObject[];
    const sets = objects.filter((o) => o.kind === "StatefulSet") as any[];
    if (sets.length === 0) throw new Error(`stack ${stack} renders no StatefulSet`);
    const env = (sts: any, name: string) => (sts.spec.template.spec.containers[0].env as any[]).find((e) => e.name === name)?.value;
    const topology = env(sets[0], "TOPOLOGY") ?? "cluster";
    const formation = r.others.find((o) => o.type === FORMATION_TYPE);
    if (topology === "cluster" && !formation) throw new Error(`stack ${stack} renders no formation resource`);
    const workloads = sets.map((sts, i) => ({
        statefulSet: sts.metadata.name,
        replicas: sts.spec.replicas,
        podDomain: `${sts.spec.serviceName}.${sts.metadata.namespace}.svc.cluster.local`,
        addressOffset: i === 0 ? 0 : SENTINEL_ADDRESS_OFFSET,
        revision: templateRevision(sts),
    }));
    return { objects, workloads, formationInputs: formation?.inputs, topology, masterName: env(sets[0], "MASTER_NAME") };
}
