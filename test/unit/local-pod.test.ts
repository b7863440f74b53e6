// Local mode's process checks against real processes: a zombie is not a running process.
import * as assert from "assert";
import { spawn } from "child_process";
import { isAlive, processState } from "../../local/pod";

describe("local mode: isAlive", () => {
    it("a running process is alive; a zombie (exited, not reaped) and a gone pid are not", async function () {
        this.timeout(10000);
        // A shell that starts `true` in the background and then execs sleep: sleep never reaps
        // the exited `true`, which stays a zombie for as long as sleep runs.
        const parent = spawn("/bin/sh", ["-c", "true & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
        try {
            const zombie = await new Promise<number>((resolve, reject) => {
                parent.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
                parent.once("error", reject);
            });
            const deadline = Date.now() + 5000;
            while (processState(zombie) !== "Z") {
                assert.ok(Date.now() < deadline, `pid ${zombie} never became a zombie: ${processState(zombie)}`);
                await new Promise((r) => setTimeout(r, 20));
            }
            assert.doesNotThrow(() => process.kill(zombie, 0), "signal 0 still reaches a zombie");
            assert.strictEqual(isAlive(zombie), false);
            assert.strictEqual(isAlive(parent.pid!), true);
            assert.strictEqual(isAlive(process.pid), true);
        } finally {
            parent.kill("SIGKILL");
        }
        await new Promise((r) => parent.once("exit", r));
        assert.strictEqual(isAlive(parent.pid!), false, "a reaped child");
    });
});
