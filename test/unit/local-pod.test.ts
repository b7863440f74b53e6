// Local mode's process checks against real processes: a zombie is not a running process.
import * as assert from "assert";
import { spawn } from "child_process";
import { isAlive, processState } from "../../local/pod";

describe("local mode: isAlive", () => {
    it("a running process is alive; a zombie (exited, not reaped) and a gone pid are not", async function () {
        this.timeout(10000);
        // A Python parent forks a child that exits at once, and never waits for it: the child stays
        // a zombie for as long as the parent sleeps. (A shell's `true &` was not one every time:
        // the shell could reap it before it exec'd sleep.)
        const forker = "import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)\n";
        const parent = spawn("python3", ["-c", forker], { stdio: ["ignore", "pipe", "ignore"] });
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
