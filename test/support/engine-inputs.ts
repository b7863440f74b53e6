// What the engine hands a dynamic provider for each of the component's provider resources: the
// stack runs under the SDK's mocks, each registration is taken as it goes over the wire (the
// serialized provider in `__provider`, unknowns as the engine's placeholder), and secrets are
// unwrapped, as the engine does for a provider that does not accept secrets (the dynamic one).
import { deployStack } from "../../program/stack";
import { runUnderMocks, unwrapSecrets } from "../../tools/pulumi-mocks";

let wire: Map<string, Record<string, unknown>> | undefined;
let hooked = false;

function hookMonitor(): void {
    if (hooked) return;
    hooked = true;
    const mocks = require("@pulumi/pulumi/runtime/mocks");
    const original = mocks.MockMonitor.prototype.registerResource;
    mocks.MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        wire?.set(req.getType(), req.getObject().toJavaScript());
        return original.call(this, req, callback);
    };
}

/**
 * Inputs by type token ("pulumi-nodejs:dynamic/redis-cluster:ClusterCredentials"). With
 * `password` undefined the run is a preview in which every RandomPassword is still to be
 * generated, so whatever depends on one is unknown, as in a new stack's first preview or a rotation's.
 */
export async function engineInputs(config: Record<string, string>, password?: string): Promise<Map<string, Record<string, unknown>>> {
    hookMonitor();
    wire = new Map();
    try {
        await runUnderMocks(() => deployStack(config), {
            project: "redis-cluster",
            stack: "test",
            preview: password === undefined,
            outputs: (type) => (type.startsWith("random:") && password !== undefined ? { result: password } : {}),
        });
        return new Map([...wire].map(([type, inputs]) => [type, unwrapSecrets(inputs, false)]));
    } finally {
        wire = undefined;
    }
}
