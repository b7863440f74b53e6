// One per local deployment, started by `up`: runs every probe on its schedule, restarts a
// container whose process died or whose liveness probe failed (restartPolicy Always), and writes
// the results to probes.json for `status`. Exits when the deployment's state is removed.
import * as fs from "fs";
import * as path from "path";
import { renderPodPlans } from "./deployment";
import { isAlive, runProbe, startContainer, stopProcess } from "./pod";
import { ContainerTrack, dueProbes, newTrack, recordResult, restarted } from "./probe-schedule";
import { LocalState, loadState, saveState, stateDir } from "./state";

export const PROBES_FILE = "probes.json";

/** Whether `state` still records `pid` as container `container` of pod `pod`. */
function stillRecorded(state: LocalState | undefined, pod: string, container: string, pid: number | undefined): boolean {
    const entry = state?.pods.find((p) => p.name === pod);
    return entry !== undefined && !entry.stopping && Object.keys(entry.pids).length > 0 && entry.pids[container] === pid;
}

async function main(stack: string): Promise<void> {
    const dir = stateDir(stack);
    const tracks = new Map<string, ContainerTrack>();
    const plans = await renderPodPlans(stack);
    for (;;) {
        const state = loadState(dir);
        if (!state) return;
        const now = Date.now();
        for (const pod of state.pods.filter((p) => Object.keys(p.pids).length > 0)) {
            const plan = plans(pod, pod.address);
            for (const c of plan.containers) {
                const key = `${pod.name}/${c.name}`;
                const pid = pod.pids[c.name];
                let track = tracks.get(key) ?? newTrack();
                if (track.pid !== pid) track = { ...newTrack(), restarts: track.restarts, pid };
                let restart = pid === undefined || !isAlive(pid);
                for (const kind of restart ? [] : dueProbes(c, track, now)) {
                    const result = runProbe(c, kind)!;
                    restart = recordResult(c, track, kind, result.ok, result.output, Date.now()) || restart;
                }
                // Only a container the state still gives this very pid is ours to restart: the CLI
                // clears a pod's pids before it stops the pod (a rolling update, `pod stop`), so a
                // process that died because the CLI stopped it is never brought back here with
                // this daemon's older plan, racing the CLI's own start of the pod.
                if (restart && !stillRecorded(loadState(dir), pod.name, c.name, pid)) restart = false;
                if (restart) {
                    if (pid !== undefined) await stopProcess(pid, 0, "SIGKILL");
                    const child = startContainer(c, path.join(plan.root, `${c.name}.log`));
                    track = { ...restarted(track), pid: child.pid };
                    // Merge into the state as it is now: the CLI may have changed other pods meanwhile.
                    const fresh = loadState(dir);
                    const entry = fresh?.pods.find((p) => p.name === pod.name);
                    if (!fresh || !entry || !stillRecorded(fresh, pod.name, c.name, pid)) {
                        await stopProcess(child.pid!, 0, "SIGKILL");
                    } else {
                        entry.pids[c.name] = child.pid!;
                        saveState(dir, fresh);
                        console.log(`${new Date().toISOString()} restarted ${key} (restart ${track.restarts})`);
                    }
                }
                tracks.set(key, track);
            }
        }
        const report = Object.fromEntries([...tracks].map(([k, t]) => [k, t]));
        fs.writeFileSync(path.join(dir, PROBES_FILE) + ".tmp", JSON.stringify(report, null, 2));
        fs.renameSync(path.join(dir, PROBES_FILE) + ".tmp", path.join(dir, PROBES_FILE));
        await new Promise((r) => setTimeout(r, 500));
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "dev").then(
        () => process.exit(0),
        (e) => {
            console.error(`kubelet: ${e instanceof Error ? e.stack : e}`);
            process.exit(1);
        },
    );
}
