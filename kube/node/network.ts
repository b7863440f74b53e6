// The nodes' network. The API server refuses loopback addresses in Endpoints and EndpointSlices
// (ValidateEndpointIP: "may not be in the loopback range"), so pods on 127.0.0.x would never back
// a Service. Each Node is therefore a network namespace of its own, joined to the host by a veth on
// one bridge; pods take addresses in 198.19.<node>.0/24 (198.18.0.0/15 is reserved for benchmark
// networks and routed nowhere), the bridge holds 198.18.0.1, so the Pulumi CLI and the tests reach
// every pod from the host. Needs root (CI is root).
import { spawn, spawnSync } from "child_process";

export const BRIDGE = "rkube0";
export const BRIDGE_ADDRESS = "198.18.0.1";
const PREFIX = 15;

export interface NodeNetwork {
    /** 1-based node index: its namespace, veth names and address block follow from it. */
    index: number;
    netns: string;
    /** The node's own address (its InternalIP). */
    address: string;
}

export const nodeNetwork = (index: number): NodeNetwork => ({ index, netns: `rkube-node-${index}`, address: `198.19.${index}.1` });

function ip(args: string[], allowFail = false): void {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
}

/** Creates the bridge and one namespace per node (removing leftovers of an earlier run first). */
export function createNetwork(nodes: NodeNetwork[]): void {
    if (process.getuid?.() !== 0) throw new Error("the local nodes need root: each Node is a network namespace (run as root, as CI does)");
    removeNetwork(nodes);
    ip(["link", "add", BRIDGE, "type", "bridge"]);
    ip(["addr", "add", `${BRIDGE_ADDRESS}/${PREFIX}`, "dev", BRIDGE]);
    ip(["link", "set", BRIDGE, "up"]);
    for (const n of nodes) {
        const [host, inner] = [`rkh-${n.index}`, `rkn-${n.index}`];
        ip(["netns", "add", n.netns]);
        ip(["link", "add", host, "type", "veth", "peer", "name", inner]);
        ip(["link", "set", host, "master", BRIDGE]);
        ip(["link", "set", host, "up"]);
        ip(["link", "set", inner, "netns", n.netns]);
        ip(["-n", n.netns, "addr", "add", `${n.address}/${PREFIX}`, "dev", inner]);
        ip(["-n", n.netns, "link", "set", inner, "up"]);
        ip(["-n", n.netns, "link", "set", "lo", "up"]);
    }
}

export function removeNetwork(nodes: NodeNetwork[]): void {
    for (const n of nodes) ip(["netns", "del", n.netns], true);
    ip(["link", "del", BRIDGE], true);
}

/** Gives a pod its address inside its node's namespace. */
export function addPodAddress(node: NodeNetwork, address: string): void {
    ip(["-n", node.netns, "addr", "add", `${address}/32`, "dev", `rkn-${node.index}`]);
}

export function removePodAddress(node: NodeNetwork, address: string): void {
    ip(["-n", node.netns, "addr", "del", `${address}/32`, "dev", `rkn-${node.index}`], true);
}

/** argv run inside the node's namespace (the pod's containers, probes and hooks). */
export const inNode = (node: NodeNetwork, argv: string[]): string[] => ["ip", "netns", "exec", node.netns, ...argv];

/** Runs argv to completion, asynchronously (the agent serves many pods), bounded by `timeoutMs`. */
export function run(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        const timer = setTimeout(() => {
            output += `\n(timed out after ${timeoutMs} ms)`;
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
        }, timeoutMs);
        child.on("error", (e) => (output += String(e)));
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, output: output.slice(-4000) });
        });
    });
}
