// Health of a sentinel-topology deployment as its parts report it, asked with the real redis-cli:
// for tests and benchmarks that wait on state, never on fixed sleeps. Redis pods are named by
// their DNS names (local mode's `host`), as the Sentinels and the replicas name them.
import { spawnSync } from "child_process";
import { PORTS, USERS } from "../components/settings/spec";

export class SentinelProbe {
    constructor(
        /** The Redis pods' DNS names. */
        private readonly redis: string[],
        private readonly sentinels: string[],
        private readonly password: string,
        readonly masterName: string,
        private readonly adminPassword?: string,
    ) {}

    /**
     * redis-cli against `host:port` as the app user (on a Sentinel, the client user that may only
     * ask); empty output when it does not answer.
     */
    cli(host: string, port: number, ...args: string[]): string {
        return SentinelProbe.run(USERS.app, this.password, host, port, args);
    }

    /** redis-cli against a Sentinel as its admin user (CKQUORUM, RESET: not for clients). */
    sentinelAdmin(host: string, ...args: string[]): string {
        if (this.adminPassword === undefined) throw new Error("this probe was given no admin password");
        return SentinelProbe.run(USERS.admin, this.adminPassword, host, PORTS.sentinel, args);
    }

    /** redis-cli against a Redis pod as the admin user (operator commands: REPLICAOF, CONFIG ...). */
    admin(address: string, ...args: string[]): string {
        if (this.adminPassword === undefined) throw new Error("this probe was given no admin password");
        return SentinelProbe.run(USERS.admin, this.adminPassword, address, PORTS.redis, args);
    }

    /** redis-cli as `user`, the password in the environment; empty output when it does not answer. */
    static run(user: string, password: string, host: string, port: number, args: string[]): string {
        const r = spawnSync("redis-cli", ["--no-auth-warning", "--user", user, "-h", host, "-p", String(port), ...args], {
            encoding: "utf8",
            env: { ...process.env, REDISCLI_AUTH: password },
            timeout: 5000,
        });
        return (r.stdout ?? "").trim();
    }

    replication(address: string): string {
        return this.cli(address, PORTS.redis, "info", "replication");
    }

    static field(text: string, name: string): string | undefined {
        return new RegExp(`^${name}:(.*)$`, "m").exec(text)?.[1]?.trim();
    }

    role(address: string): string | undefined {
        return SentinelProbe.field(this.replication(address), "role");
    }

    /** The master's DNS name as Sentinel `sentinel` (`ip:port`) names it. */
    sentinelView(sentinel: string): string {
        return this.cli(sentinel.split(":")[0], PORTS.sentinel, "sentinel", "get-master-addr-by-name", this.masterName).split("\n")[0];
    }

    ckquorum(sentinel: string): string {
        return this.sentinelAdmin(sentinel.split(":")[0], "sentinel", "ckquorum", this.masterName);
    }

    /** The flags a Sentinel reports for the master ("master" when all is well; "failover_in_progress", "s_down", ...). */
    sentinelFlags(sentinel: string): string {
        const lines = this.cli(sentinel.split(":")[0], PORTS.sentinel, "sentinel", "master", this.masterName).split("\n");
        const i = lines.indexOf("flags");
        return i >= 0 ? (lines[i + 1] ?? "") : "";
    }

    /**
     * Whether Sentinel `sentinel` knows every pod but `master` as a replica it can reach. Sentinels
     * learn replicas from the master's INFO, every 10 s: until then a failover would find no
     * replica to promote.
     */
    knowsReplicas(sentinel: string, master: string): boolean {
        const lines = this.cli(sentinel.split(":")[0], PORTS.sentinel, "sentinel", "replicas", this.masterName).split("\n");
        const reachable = new Set<string>();
        for (let i = 0; i + 1 < lines.length; i += 2) {
            if (lines[i] !== "name") continue;
            const flags = lines[lines.indexOf("flags", i) + 1] ?? "";
            if (!/s_down|disconnected/.test(flags)) reachable.add(lines[i + 1]);
        }
        return this.redis.filter((a) => a !== master).every((a) => reachable.has(`${a}:${PORTS.redis}`));
    }

    /**
     * The master's DNS name when there is exactly one master, every other pod is its linked
     * replica, and every Sentinel names it with no failover in progress and knows those replicas.
     * (During a failover's last phase a Sentinel already names the promoted replica; a second
     * fault before the failover ends can leave that Sentinel with a view of its own.)
     */
    healthyMaster(): string | undefined {
        const masters = this.redis.filter((a) => this.role(a) === "master");
        if (masters.length !== 1) return undefined;
        const master = masters[0];
        const linked = this.redis
            .filter((a) => a !== master)
            .every((a) => {
                const r = this.replication(a);
                return SentinelProbe.field(r, "master_host") === master && SentinelProbe.field(r, "master_link_status") === "up";
            });
        return linked &&
            this.sentinels.every(
                (s) => this.sentinelView(s) === master && this.sentinelFlags(s) === "master" && this.knowsReplicas(s, master),
            )
            ? master
            : undefined;
    }
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}
