// A preview's unknown values as the providers see them: the engine's placeholder anywhere in the
// inputs is recognized, validation skips what it cannot know yet and keeps refusing known errors.
import * as assert from "assert";
import { runtime } from "@pulumi/pulumi";
import { checkInputs, FormationInputs } from "../../components/formation/runtime";
import { isUnknown, unknownKeys } from "../../components/formation/plan/unknowns";

const U = runtime.unknownValue;
const inputs = (extra: Record<string, unknown> = {}): FormationInputs =>
    ({
        nodes: Array.from({ length: 6 }, (_, i) => ({
            name: `redis-cluster-${i}`,
            address: `10.0.0.${i}`,
            port: 6379,
            host: "",
            zone: "",
        })),
        shards: 3,
        replicasPerShard: 1,
        password: "pw",
        connectivity: "direct",
        readyTimeoutSeconds: 60,
        clusterNodeTimeoutMs: 5000,
        namespace: "redis",
        podSelector: "app=redis",
        ...extra,
    }) as FormationInputs;

describe("a preview's unknown values", () => {
    it("are recognized at the top level and nested in lists and objects, and nowhere else", () => {
        assert.strictEqual(U, "04da6b54-80e4-46f7-96ec-b56ff0331ba9");
        for (const v of [U, [U], { a: { b: ["x", U] } }]) assert.strictEqual(isUnknown(v), true, JSON.stringify(v));
        for (const v of ["04da6b54", "", null, undefined, 0, [], {}, { a: ["x"] }])
            assert.strictEqual(isUnknown(v), false, JSON.stringify(v));
    });

    it("are named by input, the serialized provider aside", () => {
        assert.deepStrictEqual(unknownKeys({ __provider: U, users: { admin: [U] }, password: U, shards: 3 }), ["users", "password"]);
    });

    it("pass formation's check wherever they stand for a value the rule needs", () => {
        assert.deepStrictEqual(checkInputs(inputs()), []);
        for (const extra of [
            { password: U },
            { nodes: U },
            { shards: U },
            { replicasPerShard: U },
            { connectivity: U },
            { nodes: Array(6).fill(U) },
        ]) {
            assert.deepStrictEqual(checkInputs(inputs(extra)), [], JSON.stringify(extra));
        }
    });

    it("leave formation's check refusing known errors", () => {
        assert.deepStrictEqual(checkInputs(inputs({ password: "" })), ["password: empty"]);
        assert.deepStrictEqual(checkInputs(inputs({ password: U, shards: 4 })), ["nodes: 6 given, the shape needs 8"]);
        assert.deepStrictEqual(checkInputs(inputs({ nodes: "redis-cluster-0" })), ['nodes: "redis-cluster-0" is not a list of nodes']);
        assert.deepStrictEqual(checkInputs(inputs({ nodes: U, connectivity: "vpn" })), [
            'connectivity: "vpn" is not direct or port-forward',
        ]);
    });
});
