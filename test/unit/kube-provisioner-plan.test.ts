// The local provisioner's decisions (kube/provisioner-plan.ts), without a cluster.
import * as assert from "assert";
import { bytes, inside, plan, PROVISIONED_BY, SELECTED_NODE } from "../../kube/provisioner-plan";

const P = "redis-kube.local/hostpath";
const ROOT = "/state/volumes";
const wffc = { metadata: { name: "local-path" }, provisioner: P, reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer" };
const other = { metadata: { name: "other" }, provisioner: "example.com/other" };

function claim(over: { size?: string; node?: string; phase?: string; volumeName?: string; status?: string; cls?: string } = {}): any {
    return {
        metadata: { name: "data-0", namespace: "ns", uid: "u1", annotations: over.node ? { [SELECTED_NODE]: over.node } : {} },
        spec: {
            storageClassName: over.cls ?? "local-path",
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: over.size ?? "1Gi" } },
            volumeName: over.volumeName,
        },
        status: { phase: over.phase ?? "Pending", capacity: over.status ? { storage: over.status } : undefined },
    };
}

function volume(capacity: string, phase = "Bound", policy = "Delete"): any {
    return {
        metadata: { name: "pvc-u1", annotations: { [PROVISIONED_BY]: P } },
        spec: { capacity: { storage: capacity }, persistentVolumeReclaimPolicy: policy, hostPath: { path: `${ROOT}/pvc-u1` } },
        status: { phase },
    };
}

describe("kube provisioner plan", () => {
    it("reads storage quantities", () => {
        assert.strictEqual(bytes("1Gi"), 2 ** 30);
        assert.strictEqual(bytes("500M"), 5e8);
        assert.strictEqual(bytes("1e9"), 1e9);
        assert.ok(bytes("2Gi") > bytes("2G"));
        assert.ok(Number.isNaN(bytes("lots")));
    });

    it("waits for the scheduler's node under WaitForFirstConsumer, then makes a PV pinned to it", () => {
        assert.deepStrictEqual(plan([claim()], [], [wffc], P, ROOT), []);
        const [action] = plan([claim({ node: "local-node-2" })], [], [wffc], P, ROOT) as any[];
        assert.strictEqual(action.kind, "create");
        assert.strictEqual(action.dir, `${ROOT}/pvc-u1`);
        assert.strictEqual(action.pv.spec.capacity.storage, "1Gi");
        assert.deepStrictEqual(action.pv.spec.claimRef, {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            namespace: "ns",
            name: "data-0",
            uid: "u1",
        });
        assert.deepStrictEqual(action.pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, ["local-node-2"]);
    });

    it("provisions at once under Immediate binding, and never for another provisioner's class or twice", () => {
        const immediate = { ...wffc, volumeBindingMode: "Immediate" };
        assert.strictEqual(plan([claim()], [], [immediate], P, ROOT)[0].kind, "create");
        assert.deepStrictEqual(plan([claim({ cls: "other", node: "n" })], [], [wffc, other], P, ROOT), []);
        assert.deepStrictEqual(plan([claim({ node: "n" })], [volume("1Gi", "Available")], [wffc], P, ROOT), []);
    });

    it("expands in two steps: the PV first, then the claim's status", () => {
        const grown = claim({ size: "2Gi", phase: "Bound", volumeName: "pvc-u1", status: "1Gi" });
        assert.deepStrictEqual(plan([grown], [volume("1Gi")], [wffc], P, ROOT), [{ kind: "resize-pv", name: "pvc-u1", size: "2Gi" }]);
        assert.deepStrictEqual(plan([grown], [volume("2Gi")], [wffc], P, ROOT), [
            { kind: "resize-claim", namespace: "ns", name: "data-0", size: "2Gi" },
        ]);
        assert.deepStrictEqual(
            plan([{ ...grown, status: { phase: "Bound", capacity: { storage: "2Gi" } } }], [volume("2Gi")], [wffc], P, ROOT),
            [],
        );
    });

    it("deletes released volumes with policy Delete (the directory only inside the volumes root), keeps Retain", () => {
        assert.deepStrictEqual(plan([], [volume("1Gi", "Released")], [wffc], P, ROOT), [
            { kind: "delete", name: "pvc-u1", dir: `${ROOT}/pvc-u1` },
        ]);
        assert.deepStrictEqual(plan([], [volume("1Gi", "Released", "Retain")], [wffc], P, ROOT), []);
        const escaped = volume("1Gi", "Released");
        escaped.spec.hostPath.path = "/etc";
        assert.deepStrictEqual(plan([], [escaped], [wffc], P, ROOT), [{ kind: "delete", name: "pvc-u1", dir: undefined }]);
        assert.ok(!inside(ROOT, ROOT) && !inside(ROOT, `${ROOT}/../x`) && inside(ROOT, `${ROOT}/pvc-1`));
    });
});
