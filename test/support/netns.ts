// Test hosts in network namespaces: each gets a veth into one bridge in the root namespace, and an
// address in 198.18.0.0/15 (reserved for benchmarks; never a real network). Taking a host's veth
// down partitions it from everyone. Needs root (CI is root).
import { execFileSync } from "child_process";

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

export interface TestNet {
    hosts: { ns: string; address: string; veth: string }[];
    isolate(i: number): void;
    heal(i: number): void;
    destroy(): void;
}

export function canCreateNamespaces(): boolean {
    return typeof process.getuid === "function" && process.getuid() === 0;
}

export function createTestNet(prefix: string, count: number, subnet = "198.18.0"): TestNet {
    const bridge = `br-${prefix}`;
    const hosts = Array.from({ length: count }, (_, i) => ({
        ns: `${prefix}${i}`,
        address: `${subnet}.${11 + i}`,
        veth: `v${prefix}${i}`,
    }));
    const destroy = () => {
        for (const h of hosts) {
            try {
                ip("netns", "del", h.ns);
            } catch {
                /* not there */
            }
        }
        try {
            ip("link", "del", bridge);
        } catch {
            /* not there */
        }
    };
    destroy();
    ip("link", "add", bridge, "type", "bridge");
    ip("addr", "add", `${subnet}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    for (const h of hosts) {
        ip("netns", "add", h.ns);
        ip("link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.ns);
        ip("link", "set", h.veth, "master", bridge, "up");
        ip("netns", "exec", h.ns, "ip", "addr", "add", `${h.address}/24`, "dev", "eth0");
        ip("netns", "exec", h.ns, "ip", "link", "set", "eth0", "up");
        ip("netns", "exec", h.ns, "ip", "link", "set", "lo", "up");
    }
    return {
        hosts,
        isolate: (i) => ip("link", "set", hosts[i].veth, "down"),
        heal: (i) => ip("link", "set", hosts[i].veth, "up"),
        destroy,
    };
}
