// Waiting out a node that is loading its dataset: LOADING is transient, any other error is not.
// And telling a lost connection from a server's answer, with the errors ioredis itself raises.
import * as assert from "assert";
import { connect, connectionLost, whenLoaded } from "../../components/formation/live/redis-client";

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

describe("connectionLost", () => {
    // Port 9 on loopback: nothing listens there, and neither command below reaches a socket.
    const client = () => connect({ name: "n", ip: "127.0.0.1", port: 9 }, "unused", 200).on("error", () => undefined);

    it("is true for ioredis's error while the connection is not writeable (not yet, or closing)", async () => {
        const c = client();
        const err = await c.call("PING").then(
            () => undefined,
            (e: unknown) => e,
        );
        c.disconnect();
        assert.match(String(err), /Stream isn't writeable/);
        assert.strictEqual(connectionLost(err), true);
    });

    it("is true for ioredis's error once the connection has ended", async () => {
        const c = client();
        c.disconnect();
        const err = await c.call("PING").then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.match(String(err), /Connection is closed/);
        assert.strictEqual(connectionLost(err), true);
    });

    it("is false for a server's answer, even one that quotes those words", () => {
        assert.strictEqual(connectionLost(new Error("ERR Please use SETSLOT only with masters.")), false);
        assert.strictEqual(connectionLost(new Error("ERR unknown command 'Connection is closed'")), false);
    });
});
