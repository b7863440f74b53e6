// Runs one RedisCluster under Pulumi mocks in a process of its own, the way the language host runs
// a program, and prints what happened as one JSON line: the first error the program failed with
// (an unhandled rejection, as the host reports it) and the resources registered until then. A
// failed registration leaves the runtime waiting for ever, so it must not happen in the test process.
//   node component-child.js '<json: {name, args, outputs: ["dotted.key", ...]}>'
import * as pulumi from "@pulumi/pulumi";
import { RedisCluster } from "../../components/redis-cluster";

interface Case {
    name: string;
    args: Record<string, any>;
    outputs: string[];
}

/** `args` with the value at each of `keys` wrapped as an Output, as another resource's would be. */
function withOutputs(args: Record<string, any>, keys: string[]): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(args));
    for (const key of keys) {
        const parts = key.split(".");
        const parent = parts.slice(0, -1).reduce((o, k) => o[k], copy);
        parent[parts[parts.length - 1]] = pulumi.output(parent[parts[parts.length - 1]]);
    }
    return copy;
}

async function main(c: Case): Promise<void> {
    const registered: string[] = [];
    const failed = new Promise<string>((resolve) => process.on("unhandledRejection", (e) => resolve(String((e as Error)?.message ?? e))));
    await pulumi.runtime.setMocks(
        {
            newResource(a) {
                registered.push(`${a.type} ${a.name}`);
                return { id: `${a.name}-id`, state: a.inputs };
            },
            call: (a) => a.inputs,
        },
        "p",
        "s",
        false,
    );
    let error: string | null;
    try {
        new RedisCluster(c.name, withOutputs(c.args, c.outputs));
        const done = require("@pulumi/pulumi/runtime/settings")
            .waitForRPCs()
            .then(() => null);
        error = await Promise.race([failed, done]);
    } catch (e) {
        error = `thrown at construction: ${(e as Error).message}`;
    }
    process.stdout.write(JSON.stringify({ error, registered }) + "\n");
    process.exit(0);
}

void main(JSON.parse(process.argv[2]));
