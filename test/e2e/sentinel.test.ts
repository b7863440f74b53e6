// End to end with the real engines, the sentinel topology: the sentinel-dev stack's settings
// deployed by the real Pulumi CLI onto the local control plane; then the master's pod is deleted
// through the API, and a Sentinel client keeps writing through the failover.
import * as assert from "assert";
import Redis from "ioredis";
import { SentinelWorkload } from "../../testing/sentinel-workload";
import { kubectl, kubectlJson, LocalCluster, waitFor } from "./support/local-cluster";
import { committedStackConfig, useLocalStack } from "./support/local-stack";
import { PulumiProject } from "./support/pulumi-cli";

const STACK = "test-e2e-sentinel";
const NAMESPACE = "redis-e2e-sentinel";

describe("e2e: the sentinel topology with the real Pulumi CLI on the local control plane", function () {
    this.timeout(1_200_000);
    let cluster: LocalCluster;
    let pulumi: PulumiProject;

    const stack = useLocalStack(STACK, NAMESPACE);
    before(() => ({ cluster, pulumi } = stack));

    it("9. deploys sentinel-dev, and a Sentinel client keeps writing when the master's pod is deleted", async () => {
        await pulumi.initStack(STACK, committedStackConfig("Pulumi.sentinel-dev.yaml", NAMESPACE));
        await pulumi.ok(["up", "--yes", "--non-interactive", "-s", STACK]);
        const out = await pulumi.outputs(STACK);
        const sentinels = (out.sentinelAddresses as string[]).map((s) => ({ host: s.split(":")[0], port: Number(s.split(":")[1]) }));
        assert.strictEqual(sentinels.length, 3);
        const workload = new SentinelWorkload(sentinels, out.masterName, out.password, "e2e-sentinel");
        workload.start();
        try {
            await waitFor("writes acknowledged by a replica", 60_000, () => workload.replicaAcknowledged.length > 20 || undefined);
            // The Sentinels have no default user: clients log in as the app user (docs/sentinel.md).
            const asker = new Redis({
                host: sentinels[0].host,
                port: sentinels[0].port,
                username: out.username,
                password: out.password,
                lazyConnect: true,
            });
            const [master] = (await asker.call("SENTINEL", "get-master-addr-by-name", out.masterName)) as string[];
            asker.disconnect();
            const pods = kubectlJson(cluster, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component=redis"]).items;
            const masterPod = pods.find((p: any) => p.status.podIP === master || master.startsWith(`${p.metadata.name}.`));
            assert.ok(masterPod, `the master ${master} is one of the pods`);
            const deletedAt = Date.now();
            kubectl(cluster, ["-n", NAMESPACE, "delete", "pod", masterPod.metadata.name, "--wait=false"]);
            await waitFor(
                "writes accepted again after the failover",
                120_000,
                () => workload.successesAfter(deletedAt + 1000) > 50 || undefined,
            );
            const gap = workload.gapAfterMs(deletedAt);
            console.log(`      write gap after deleting the master's pod: ${gap} ms`);
        } finally {
            await workload.stop();
        }
        const lost = await SentinelWorkload.missing(workload.client, workload.replicaAcknowledged);
        workload.close();
        assert.deepStrictEqual(lost, [], "WAIT-acknowledged writes were lost");
    });
});
