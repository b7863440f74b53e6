// The stack program: config -> one RedisCluster -> outputs. Kept apart from index.ts so tests and
// render can run it under mocks with any config.
import * as pulumi from "@pulumi/pulumi";
import { RedisCluster } from "../components/redis-cluster";
import { resolveSpec } from "../components/settings/spec";
import { argsFromConfig, PROJECT } from "./config";

export interface StackOutputs {
    namespace: pulumi.Output<string>;
    clientHost: pulumi.Output<string>;
    clientPort: pulumi.Output<number>;
    seedAddresses: pulumi.Output<string[]>;
    /** Sentinel topology: where Sentinel-aware clients start, and the master's name. */
    sentinelAddresses: pulumi.Output<string[]>;
    masterName: pulumi.Output<string>;
    secretName: pulumi.Output<string>;
    connectionUrl: pulumi.Output<string>;
    /** The ACL user clients connect as. */
    username: pulumi.Output<string>;
    password: pulumi.Output<string>;
    shardLayout: RedisCluster["shardLayout"];
}

/**
 * The base name of the stack's objects when its config sets no `name`. The component would take
 * its resource name ("redis"); the stacks were deployed with this one, and renaming the objects of
 * a running deployment would replace them all (the data claims' StatefulSet included).
 */
export const STACK_OBJECT_NAME = "redis-cluster";

export function deployStack(config: Record<string, string>, project = PROJECT): StackOutputs {
    const args = { name: STACK_OBJECT_NAME, ...argsFromConfig(config, project) };
    // Errors name the keys as they are written in the stack file.
    resolveSpec(args, `${project}:`);
    const cluster = new RedisCluster("redis", args);
    return {
        namespace: cluster.namespace,
        clientHost: cluster.clientHost,
        clientPort: cluster.clientPort,
        seedAddresses: cluster.seedAddresses,
        sentinelAddresses: cluster.sentinelAddresses,
        masterName: cluster.masterName,
        secretName: cluster.secretName,
        connectionUrl: cluster.connectionUrl,
        username: cluster.username,
        password: cluster.password,
        shardLayout: cluster.shardLayout,
    };
}
