// A Valkey pod started by its own start script announces the zone its label names: HELLO and
// INFO carry availability_zone, which zone-aware clients (Valkey GLIDE's AZ affinity) read to
// prefer a replica in their own zone. The label is put on the rendered template here, as the
// PodTopologyLabels admission plugin puts it on a bound pod; a pod without it sets no zone.
import * as assert from "assert";
import Redis from "ioredis";
import { buildAllObjects } from "../../components/kubernetes";
import { packageRoot } from "../../components/package-files";
import { resolveSpec, ZONE_LABEL } from "../../components/settings/spec";
import { argsFromConfig } from "../../program/config";
import { readStackConfig } from "../../tools/stack-config";
import { startRedisPod } from "../../testing/redis-pod";
import { connectWhenUp, podsAndClients } from "../support/redis-nodes";
import { runningServer } from "../../local/engines";

const PASSWORD = "ZonePw5e7a9c1b3d5f7a9c1e3b5d7f9a1c3e";

/** HELLO 2's reply as a map (RESP2 keeps ioredis on its own protocol). */
async function hello(c: Redis): Promise<Record<string, unknown>> {
    const flat = (await c.call("HELLO", "2")) as unknown[];
    return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]]));
}

describe("Valkey availability-zone from the pod's zone label (rendered pod, real valkey-server)", function () {
    this.timeout(60000);
    const spec = resolveSpec({ ...argsFromConfig(readStackConfig(packageRoot, "dev").config), engine: "valkey" });
    const { pods, clients } = podsAndClients();

    it("a pod labelled with its zone announces it in HELLO, INFO and its config", async () => {
        const objects: any[] = buildAllObjects(spec, PASSWORD);
        const sts = objects.find((o) => o.kind === "StatefulSet");
        sts.spec.template.metadata.labels[ZONE_LABEL] = "zone-b";
        pods.push(startRedisPod(objects, 0, "127.0.61.1", PASSWORD));
        const c = await connectWhenUp("127.0.61.1", PASSWORD);
        clients.push(c);
        assert.match(runningServer(pods[0].process.pid!)?.version ?? "", /^valkey 8\.1\./, "the pod did not run Valkey 8.1");
        assert.strictEqual((await hello(c)).availability_zone, "zone-b");
        assert.match(String(await c.info("server")), /^availability_zone:zone-b\r?$/m);
        assert.deepStrictEqual(await c.config("GET", "availability-zone"), ["availability-zone", "zone-b"]);
    });

    it("a pod without the label (no PodTopologyLabels admission) sets no zone, and still starts", async () => {
        pods.push(startRedisPod(buildAllObjects(spec, PASSWORD), 1, "127.0.61.2", PASSWORD));
        const c = await connectWhenUp("127.0.61.2", PASSWORD);
        clients.push(c);
        assert.ok(!("availability_zone" in (await hello(c))), "HELLO named a zone the pod was never given");
        assert.deepStrictEqual(await c.config("GET", "availability-zone"), ["availability-zone", ""]);
    });
});
