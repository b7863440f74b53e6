// The throughput bench's counting on the servers (bench/server-counts.ts), against what it counts
// in the bench: two formed 3 x 1 clusters of the prod build, each loaded by the real
// redis-benchmark --cluster, side by side. Every request each client sends must be counted once,
// on a master of its own cluster, and each steady window must lie inside its run.
import * as assert from "assert";
import { openCounters } from "../../bench/server-counts";
import { countedRuns, PASSWORD, withClusters } from "../../bench/throughput";
import { requireTool } from "../../local/tools";

describe("throughput counted on the servers (real cluster, real redis-benchmark)", function () {
    this.timeout(120000);
    before(() => requireTool("redis-benchmark"));

    it("counts each SET once, on the masters of its cluster, while both runs last", async () => {
        // TLS makes one run about twice as long as the other (docs/performance.md).
        await withClusters(["stock-same", "rendered-tls"], 97, async (clusters, caFile) => {
            const requests = 300000;
            const counters = await Promise.all(clusters.map((c) => openCounters(c.nodes, PASSWORD, "set")));
            const read = () => Promise.all(counters.map((c) => c.read()));
            try {
                const before = await read();
                const runs = await countedRuns(clusters, "set", 16, 64, requests, caFile);
                const after = await read();
                const runSeconds = runs.map((r) => requests / r.client.rps);
                for (const i of [0, 1]) {
                    const { server } = runs[i];
                    // Replicas count the replicated SETs too: counting them would read twice the requests.
                    assert.strictEqual(after[i].calls - before[i].calls, requests, clusters[i].config);
                    assert.ok(after[i].cpu > before[i].cpu, "the servers spent CPU");
                    // Both windows lie within the shorter run (the client's length includes its start and its stop tick).
                    assert.ok(
                        server.seconds > 0 && server.seconds < Math.min(...runSeconds),
                        `window ${server.seconds} s, runs ${runSeconds} s`,
                    );
                    assert.ok(server.rate * server.seconds < requests, "the window counts only part of the run's requests");
                    assert.ok(server.cpuPerCallUs > 0);
                }
            } finally {
                counters.forEach((c) => c.close());
            }
        });
    });
});
