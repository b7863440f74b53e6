// Waiting out a node that is loading its dataset: LOADING is transient, any other error is not.
import * as assert from "assert";
import { whenLoaded } from "../../components/formation/live/redis-client";

describe("whenLoaded", () => {
    it("asks again while the node answers LOADING, then returns its answer", async () => {
        let calls = 0;
        const answer = await whenLoaded(async () => {
            calls++;
            if (calls < 3) throw new Error("LOADING Redis is loading the dataset in memory");
            return "OK";
        });
        assert.deepStrictEqual([answer, calls], ["OK", 3]);
    });

    it("throws any other error at once", async () => {
        let calls = 0;
        await assert.rejects(
            whenLoaded(async () => {
                calls++;
                throw new Error("ERR Unknown node abc");
            }),
            /Unknown node/,
        );
        assert.strictEqual(calls, 1);
    });

    it("gives up on LOADING after its timeout", async () => {
        await assert.rejects(
            whenLoaded(async () => {
                throw new Error("LOADING Redis is loading the dataset in memory");
            }, 250),
            /^Error: LOADING/,
        );
    });
});
