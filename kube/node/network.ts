// The pods' network. The API server refuses loopback addresses in Endpoints and EndpointSlices
// (ValidateEndpointIP: "may not be in the loopback range"), so pods on 127.0.0.x would never back
// a Service; and pods sharing one network would fight over 127.0.0.1:<port>, which every Redis pod
// binds. So each pod gets a network namespace of its own, as under a CNI, joined by a veth to one
// bridge on the host. Pods of node n take addresses in 198.19.n.0/24 (198.18.0.0/15 is reserved for
// benchmark networks and routed nowhere); the bridge holds 198.18.0.1, so the Pulumi CLI and the
// tests reach every pod from the host. Needs root (CI is root).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";

export const BRIDGE = "rkube0";
export const BRIDGE_ADDRESS = "198.18.0.1";
const PREFIX = 15;

export interface NodeNetwork {
    /** 1-based node index: its address block follows from it. */
    index: number;
    /** The node's own address (its InternalIP), held by the bridge. */
    address: string;
}

export const nodeNetwork = (index: number): NodeNetwork => ({ index, address: `198.19.${index}.1` });

/** Pure: the names of the namespace and host-side veth of the pod at `address` (198.19.n.m). */
export function podInterfaces(address: string): { netns: string; hostVeth: string; tempVeth: string } {
    const [, , n, m] = address.split(".");
    return { netns: `rkube-pod-${n}-${m}`, hostVeth: `rkh${n}x${m}`, tempVeth: `rkt${n}x${m}` };
}

function ip(args: string[], allowFail = false): void {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
}

/** Creates the bridge (removing leftovers of an earlier run first); the nodes' addresses sit on it. */
export function createNetwork(nodes: NodeNetwork[]): void {
    if (process.getuid?.() !== 0) throw new Error("the local nodes need root: each pod is a network namespace (run as root, as CI does)");
    removeNetwork();
    ip(["link", "add", BRIDGE, "type", "bridge"]);
    ip(["addr", "add", `${BRIDGE_ADDRESS}/${PREFIX}`, "dev", BRIDGE]);
    for (const n of nodes) ip(["addr", "add", `${n.address}/32`, "dev", BRIDGE]);
    ip(["link", "set", BRIDGE, "up"]);
}

/** Removes the bridge and every pod namespace, whoever left them. */
export function removeNetwork(): void {
    const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
    for (const line of list.split("\n")) {
        const name = line.split(" ")[0];
        if (name.startsWith("rkube-pod-")) removePod(name.replace("rkube-pod-", "198.19.").replace("-", "."));
    }
    ip(["link", "del", BRIDGE], true);
}

/** Gives a pod its own network: a namespace, eth0 with its address, a route to the host. */
export function addPod(address: string): void {
    const { netns, hostVeth, tempVeth } = podInterfaces(address);
    ip(["netns", "del", netns], true);
    ip(["netns", "add", netns]);
    ip(["link", "add", hostVeth, "type", "veth", "peer", "name", tempVeth]);
    ip(["link", "set", hostVeth, "master", BRIDGE]);
    ip(["link", "set", hostVeth, "up"]);
    ip(["link", "set", tempVeth, "netns", netns]);
    ip(["-n", netns, "link", "set", tempVeth, "name", "eth0"]);
    ip(["-n", netns, "addr", "add", `${address}/${PREFIX}`, "dev", "eth0"]);
    ip(["-n", netns, "link", "set", "eth0", "up"]);
    ip(["-n", netns, "link", "set", "lo", "up"]);
    ip(["-n", netns, "route", "add", "default", "via", BRIDGE_ADDRESS]);
    // `ip netns exec` mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf. Names live in
    // /etc/hosts (cluster-dns.ts); a name that is not there must fail at once, as CoreDNS answers
    // NXDOMAIN, instead of waiting out the host's resolver, which a pod cannot reach (seen: the
    // sentinel topology's start-up stalled for minutes resolving Sentinels not yet created).
    fs.mkdirSync(`/etc/netns/${netns}`, { recursive: true });
    fs.writeFileSync(`/etc/netns/${netns}/resolv.conf`, "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
}

/** Removes the pod's namespace (its veth goes with it). */
export function removePod(address: string): void {
    const { netns } = podInterfaces(address);
    ip(["netns", "del", netns], true);
    fs.rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
}

/** argv run inside the pod's network namespace (its containers, probes and hooks). */
export const inPod = (address: string, argv: string[]): string[] => ["ip", "netns", "exec", podInterfaces(address).netns, ...argv];

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
