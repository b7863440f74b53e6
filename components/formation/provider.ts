// The dynamic provider Pulumi serializes into the state. Its methods capture no live object: each
// loads the runtime by the package's own name, resolved from the program's directory (the
// provider host's working directory), which finds it in a consumer's node_modules and, through
// package self-reference, in this repository. Pulumi replaces a dynamic resource whose provider
// code changed; for this one that is harmless, because create adopts the cluster it finds.
import * as pulumi from "@pulumi/pulumi";
import type { NodeInput, ShardState } from "./types";

function load(subpath: string): any {
    const { createRequire } = require("module");
    const programRequire = createRequire(require("path").join(process.cwd(), "package.json"));
    return programRequire(`@llm-analytics-hub/redis-cluster/${subpath}`);
}

export const formationProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const runtime = load("formation-runtime");
        const failures = runtime.checkInputs(news).map((reason: string) => ({ property: reason.split(":")[0], reason }));
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        const { describeChange } = load("formation-change");
        // Inputs a preview does not know yet make a change ("unknown", or "settings" for the
        // admin password), planned when `pulumi up` runs: an update, like any known change.
        const change = describeChange(olds, news);
        if (change.kind !== "none") console.log(`redis-cluster formation (plan): ${change.summary}`);
        // Nothing here is ever a replacement: re-forming would throw the data away.
        return { changes: change.kind !== "none", replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        const runtime = load("formation-runtime");
        const outs = await runtime.create(inputs);
        return {
            id: `redis-cluster-${Object.values(outs.nodeIds as Record<string, string>)
                .sort()[0]
                .slice(0, 12)}`,
            outs,
        };
    },
    async read(id, props) {
        const runtime = load("formation-runtime");
        return { id, props: await runtime.read(props) };
    },
    async update(_id, olds, news) {
        const runtime = load("formation-runtime");
        return { outs: await runtime.update(olds, news) };
    },
    async delete() {
        // Deleting the resource leaves the nodes, their data and their cluster as they are.
    },
};

/**
 * Runs before the StatefulSet changes (which depends on it): when a smaller shape removes pods,
 * its update drains them first, so the StatefulSet cannot shrink under slots still in use.
 * Creating it does nothing: on a first deployment there is nothing to drain.
 */
export const drainProvider: pulumi.dynamic.ResourceProvider = {
    check: formationProvider.check,
    async diff(_id, olds, news) {
        const { describeDrain } = load("formation-change");
        const change = describeDrain(olds, news);
        if (change.kind !== "none") console.log(`redis-cluster drain (plan): ${change.summary}`);
        const changed =
            JSON.stringify(olds.nodes) !== JSON.stringify(news.nodes) ||
            olds.password !== news.password ||
            olds.shards !== news.shards ||
            olds.replicasPerShard !== news.replicasPerShard ||
            olds.connectivity !== news.connectivity;
        return { changes: changed || change.kind !== "none", replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        return { id: `redis-cluster-drain-${inputs.namespace}-${inputs.podSelector}`.slice(0, 120), outs: inputs };
    },
    async update(_id, olds, news) {
        const runtime = load("formation-runtime");
        return { outs: await runtime.drain(olds, news) };
    },
    async delete() {
        // Nothing to undo.
    },
};

/**
 * Runs first, right after the Secret changes and before the drain and the StatefulSet: a password
 * rotation is applied live on every node (ACL SETUSER), so restarted pods, clients handed the new
 * passwords and the pods not yet restarted all keep working. Creating it does nothing: new pods
 * start from the Secret.
 */
export const credentialsProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const { checkUsers } = load("formation-credentials");
        const failures = checkUsers(news.users).map((reason: string) => ({ property: "users", reason }));
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        const { describeRotation } = load("formation-credentials");
        // Passwords a preview does not know yet give a line of their own: a change, like a rotation.
        const lines: string[] = describeRotation(olds.users, news.users);
        for (const line of lines) console.log(`redis-cluster credentials (plan): ${line}`);
        const changed = lines.length > 0 || JSON.stringify(olds.nodes) !== JSON.stringify(news.nodes) || olds.password !== news.password;
        return { changes: changed, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        return { id: `redis-cluster-credentials-${inputs.namespace}-${inputs.podSelector}`.slice(0, 120), outs: inputs };
    },
    async update(_id, olds, news) {
        const runtime = load("formation-runtime");
        return { outs: await runtime.rotate(olds, news) };
    },
    async delete() {
        // The nodes keep the passwords they have.
    },
};

export interface ClusterFormationArgs {
    nodes: pulumi.Input<pulumi.Input<NodeInput>[]>;
    shards: pulumi.Input<number>;
    replicasPerShard: pulumi.Input<number>;
    password: pulumi.Input<string>;
    connectivity: pulumi.Input<string>;
    readyTimeoutSeconds: pulumi.Input<number>;
    /** The deployment's cluster-node-timeout; formation shortens it while it assigns slots, then restores it. */
    clusterNodeTimeoutMs: pulumi.Input<number>;
    /** Live-changeable redis.conf directives; a change is applied with CONFIG SET, not a restart. */
    redisConfig: pulumi.Input<Record<string, string>>;
    /** For port-forward connectivity: the pods' namespace and label selector. */
    namespace: pulumi.Input<string>;
    podSelector: pulumi.Input<string>;
    /** Restore: each shard's slot ranges from the backup's manifest ("0-5460"), in shard order. */
    restoreSlots?: pulumi.Input<string[]>;
    /** TLS: the certificate's Secret (formation reads its ca.crt), or the CA itself. */
    tls?: pulumi.Input<{ secretName: string; ca?: string }>;
    /** The cluster's API (kubeconfig, context), when not the ambient one; a secret. */
    kube?: pulumi.Input<{ kubeconfig?: string; context?: string }>;
}

/** The drain step of a scale-in; takes the same inputs as the formation it precedes. */
export class ClusterDrain extends pulumi.dynamic.Resource {
    constructor(name: string, args: ClusterFormationArgs, opts: pulumi.CustomResourceOptions = {}) {
        super(
            drainProvider,
            name,
            { ...args, password: pulumi.secret(args.password) },
            { ...opts, additionalSecretOutputs: ["password", "kube"] },
            "redis-cluster",
            "ClusterDrain",
        );
    }
}

/** The credentials step of a rotation; the formation's inputs plus every user's accepted passwords. */
export class ClusterCredentials extends pulumi.dynamic.Resource {
    constructor(
        name: string,
        args: ClusterFormationArgs & { users: pulumi.Input<Record<string, pulumi.Input<string>[]>>; disconnectRevoked?: boolean },
        opts: pulumi.CustomResourceOptions = {},
    ) {
        super(
            credentialsProvider,
            name,
            { ...args, password: pulumi.secret(args.password), users: pulumi.secret(args.users) },
            { ...opts, additionalSecretOutputs: ["password", "users", "kube"] },
            "redis-cluster",
            "ClusterCredentials",
        );
    }
}

/** The formed cluster: node ids, slot ranges per shard and which replica follows which master. */
export class ClusterFormation extends pulumi.dynamic.Resource {
    // `declare`: a class field would overwrite, after super(), the outputs Pulumi has just set.
    declare public readonly nodeIds: pulumi.Output<Record<string, string>>;
    declare public readonly shardLayout: pulumi.Output<ShardState[]>;
    declare public readonly replicasByMaster: pulumi.Output<Record<string, string[]>>;

    constructor(name: string, args: ClusterFormationArgs, opts: pulumi.CustomResourceOptions = {}) {
        super(
            formationProvider,
            name,
            {
                ...args,
                password: pulumi.secret(args.password),
                nodeIds: undefined,
                shardLayout: undefined,
                replicasByMaster: undefined,
            },
            { ...opts, additionalSecretOutputs: ["password", "kube"] },
            "redis-cluster",
            "ClusterFormation",
        );
    }
}
