// The kubelet's probe rules, as pure functions: which probes are due, and what a result means.
// A startup probe gates the others; liveness (or startup) failing `failureThreshold` times in a
// row restarts the container; readiness only changes what is reported.

export type ProbeKind = "startup" | "liveness" | "readiness";

/** What the schedule needs of a container: its probes' period and failure threshold. */
export interface Probed {
    probes: Partial<Record<ProbeKind, { periodSeconds: number; failureThreshold: number }>>;
}

export interface ProbeTrack {
    lastRun: number;
    failures: number;
    last?: { ok: boolean; at: number; output: string };
}

export interface ContainerTrack {
    /** The process these results are about; a new process starts over. */
    pid?: number;
    started: boolean;
    restarts: number;
    probes: Partial<Record<ProbeKind, ProbeTrack>>;
}

export const newTrack = (): ContainerTrack => ({ started: false, restarts: 0, probes: {} });

export function dueProbes(c: Probed, track: ContainerTrack, now: number): ProbeKind[] {
    const kinds: ProbeKind[] = c.probes.startup && !track.started ? ["startup"] : ["liveness", "readiness"];
    return kinds.filter((k) => {
        const p = c.probes[k];
        if (!p) return false;
        const last = track.probes[k]?.lastRun ?? 0;
        return now - last >= p.periodSeconds * 1000;
    });
}

/** Records a result; returns true when the container must be restarted. */
export function recordResult(c: Probed, track: ContainerTrack, kind: ProbeKind, ok: boolean, output: string, now: number): boolean {
    const t = (track.probes[kind] ??= { lastRun: 0, failures: 0 });
    t.lastRun = now;
    t.failures = ok ? 0 : t.failures + 1;
    t.last = { ok, at: now, output };
    if (kind === "startup" && ok) track.started = true;
    const threshold = c.probes[kind]?.failureThreshold ?? 3;
    return (kind === "liveness" || kind === "startup") && t.failures >= threshold;
}

/** After a restart the container starts over: startup probe first, no failures counted. */
export function restarted(track: ContainerTrack): ContainerTrack {
    return { started: false, restarts: track.restarts + 1, probes: {} };
}
