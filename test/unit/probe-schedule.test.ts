import * as assert from "assert";
import type { ContainerPlan } from "../../local/pod";
import { dueProbes, newTrack, recordResult, restarted } from "../../local/probe-schedule";

const container: ContainerPlan = {
    name: "redis",
    argv: ["true"],
    env: {},
    probes: {
        startup: { argv: ["s"], periodSeconds: 10, failureThreshold: 3 },
        liveness: { argv: ["l"], periodSeconds: 10, failureThreshold: 2 },
        readiness: { argv: ["r"], periodSeconds: 5, failureThreshold: 2 },
    },
};

describe("kubelet probe rules (local mode)", () => {
    it("gates liveness and readiness behind a successful startup probe", () => {
        const t = newTrack();
        assert.deepStrictEqual(dueProbes(container, t, 100000), ["startup"]);
        recordResult(container, t, "startup", true, "", 100000);
        assert.deepStrictEqual(dueProbes(container, t, 100000), ["liveness", "readiness"]);
    });

    it("runs each probe on its own period", () => {
        const t = newTrack();
        recordResult(container, t, "startup", true, "", 0);
        recordResult(container, t, "liveness", true, "", 1000);
        recordResult(container, t, "readiness", true, "", 1000);
        assert.deepStrictEqual(dueProbes(container, t, 5999), []);
        assert.deepStrictEqual(dueProbes(container, t, 6000), ["readiness"]);
        assert.deepStrictEqual(dueProbes(container, t, 11000), ["liveness", "readiness"]);
    });

    it("restarts after failureThreshold liveness failures in a row, never for readiness", () => {
        const t = newTrack();
        recordResult(container, t, "startup", true, "", 0);
        assert.strictEqual(recordResult(container, t, "readiness", false, "not ready", 1), false);
        assert.strictEqual(recordResult(container, t, "readiness", false, "not ready", 2), false);
        assert.strictEqual(recordResult(container, t, "readiness", false, "not ready", 3), false);
        assert.strictEqual(recordResult(container, t, "liveness", false, "down", 4), false);
        assert.strictEqual(recordResult(container, t, "liveness", true, "", 5), false);
        assert.strictEqual(recordResult(container, t, "liveness", false, "down", 6), false);
        assert.strictEqual(recordResult(container, t, "liveness", false, "down", 7), true);
        const after = restarted(t);
        assert.deepStrictEqual([after.restarts, after.started, after.probes], [1, false, {}]);
    });

    it("restarts a container that never passes its startup probe", () => {
        const t = newTrack();
        assert.strictEqual(recordResult(container, t, "startup", false, "", 1), false);
        assert.strictEqual(recordResult(container, t, "startup", false, "", 2), false);
        assert.strictEqual(recordResult(container, t, "startup", false, "", 3), true);
    });
});
