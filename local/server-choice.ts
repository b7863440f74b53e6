// Which server build stands in for each Redis or Valkey image of a stack, said when up starts, and
// which one each running server process turned out to be, for up's result and status.
import { engineFor, runningServer, standInNotice } from "./engines";
import { progress } from "./pod-lifecycle";
import type { Rendered } from "./stack-render";

/** The server binary a container's process runs, and the version it reports. */
export interface RunningServer {
    binary: string;
    version?: string;
}

/** Per container of a pod that runs a Redis or Valkey server: which binary, read from the running process. */
export function serversOf(pids: Record<string, number>): Record<string, RunningServer> {
    return Object.fromEntries(
        Object.entries(pids).flatMap(([c, pid]) => {
            const s = runningServer(pid);
            return s ? [[c, s]] : [];
        }),
    );
}

/** The image of every Redis or Valkey server the stack runs, with the build that stands in for it (said loudly when it is not the image's line). */
export function chooseServers(r: Rendered): void {
    const images = new Set(
        (r.objects.filter((o) => o.kind === "StatefulSet") as any[])
            .flatMap((s) => s.spec.template.spec.containers.map((c: any) => c.image as string))
            .filter((i) => /^(redis|valkey\/valkey):/.test(i)),
    );
    for (const image of images) {
        const choice = engineFor(image);
        const notice = standInNotice(choice);
        if (notice) process.stderr.write(notice);
        else progress(`${image}: ${choice.version} from ${choice.source}`);
    }
}
