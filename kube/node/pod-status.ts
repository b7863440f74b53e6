// Pure: a pod's status as the kubelet reports it, from what its containers are doing.

export interface ContainerView {
    name: string;
    image: string;
    pid?: number;
    running: boolean;
    ready: boolean;
    started: boolean;
    restarts: number;
    startedAt?: string;
    waitingReason?: string;
    terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
    lastTerminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
}

export interface PodView {
    phase: "Pending" | "Running" | "Succeeded" | "Failed";
    ip?: string;
    hostIP: string;
    startTime: string;
    initialized: boolean;
    /** Why the pod is not running yet (a volume it waits for, an init container that failed). */
    pendingReason?: string;
    initContainers: ContainerView[];
    containers: ContainerView[];
}

function containerStatus(c: ContainerView): any {
    const state = c.running
        ? { running: { startedAt: c.startedAt } }
        : c.terminated && !c.waitingReason
          ? { terminated: c.terminated }
          : { waiting: { reason: c.waitingReason ?? "ContainerCreating" } };
    return {
        name: c.name,
        image: c.image,
        imageID: "",
        containerID: c.pid ? `local://${c.pid}` : undefined,
        ready: c.ready,
        started: c.started,
        restartCount: c.restarts,
        state,
        lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
    };
}

/** Pure: the `status` the agent writes (conditions only change their time when their value does). */
export function podStatus(view: PodView, previous: any): any {
    const ready = view.phase === "Running" && view.containers.every((c) => c.ready);
    const wanted: Record<string, boolean> = {
        PodScheduled: true,
        Initialized: view.initialized,
        ContainersReady: ready,
        Ready: ready,
    };
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const conditions = Object.entries(wanted).map(([type, ok]) => {
        const before = (previous?.conditions ?? []).find((c: any) => c.type === type);
        const status = ok ? "True" : "False";
        return { type, status, lastProbeTime: null, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
    });
    return {
        phase: view.phase,
        ...(view.pendingReason ? { reason: undefined, message: view.pendingReason } : {}),
        hostIP: view.hostIP,
        hostIPs: [{ ip: view.hostIP }],
        ...(view.ip ? { podIP: view.ip, podIPs: [{ ip: view.ip }] } : {}),
        startTime: view.startTime,
        conditions,
        initContainerStatuses: view.initContainers.map(containerStatus),
        containerStatuses: view.containers.map(containerStatus),
    };
}
