// Applies password rotations to running nodes with ACL SETUSER, before the pods roll and before
// clients are handed the new passwords: every node accepts the new password alongside the old one
// first, and drops the old one only when the config says so (auth.acceptPrevious false).
import { createHash } from "crypto";
import type Redis from "ioredis";
import { USERS } from "../../settings/spec";
import type { NodeAddress } from "../types";
import { connect, Log, sleep } from "./redis-client";
import { isUnknown } from "../plan/unknowns";

/** ACL user name -> accepted passwords, current first (what components/auth/rotation.ts makes). */
export type AcceptedPasswords = Record<string, string[]>;

const sha256 = (p: string) => createHash("sha256").update(p).digest("hex");

/**
 * Check's rule: every user accepts at least one non-empty password. What a preview does not know
 * yet (all of `users`, or one user's list, while a RandomPassword is to be generated) passes: the
 * engine checks again with the real values before anything is applied.
 */
export function checkUsers(users: unknown): string[] {
    if (users === undefined || users === null) return [];
    if (typeof users !== "object" || Array.isArray(users))
        return isUnknown(users) ? [] : ["users: not a map of user name to accepted passwords"];
    return Object.entries(users)
        .filter(([, p]) => !(isUnknown(p) && !Array.isArray(p)))
        .filter(([, p]) => !Array.isArray(p) || p.length === 0 || p.some((x: unknown) => !x))
        .map(([user]) => `users.${user}: no password`);
}

/**
 * Pure: a line per user whose accepted passwords change (counts only: no password, no hash). In a
 * preview, passwords not generated yet count as new, and lists not known yet are said to be so.
 */
export function describeRotation(olds: AcceptedPasswords | undefined, news: AcceptedPasswords | string): string[] {
    if (typeof news !== "object" || news === null) {
        return isUnknown(news)
            ? ["every user: accepted passwords known only after apply; those that change are applied live on every node"]
            : [];
    }
    const lines: string[] = [];
    for (const [user, passwords] of Object.entries(news)) {
        if (!Array.isArray(passwords)) {
            lines.push(`${user}: accepted passwords known only after apply; applied live on every node if they change`);
            continue;
        }
        const before = olds?.[user] ?? [];
        const added = passwords.filter((p) => !before.includes(p)).length;
        const removed = before.filter((p) => !passwords.includes(p)).length;
        if (added === 0 && removed === 0) continue;
        const parts = [
            added ? `${added} new password${added > 1 ? "s" : ""} accepted` : "",
            removed ? `${removed} old password${removed > 1 ? "s" : ""} removed` : "",
        ];
        lines.push(
            `${user}: ${parts.filter(Boolean).join(", ")}${passwords.length > 1 ? ` (${passwords.length} accepted while clients move over)` : ""}`,
        );
    }
    return lines;
}

/**
 * ACL SETUSER arguments that make `user` accept exactly `passwords` (as SHA-256 hashes, so no
 * password crosses the wire or reaches the slow log). Rules are untouched: they come from users.acl.
 */
export function setUserArgs(user: string, passwords: string[]): string[] {
    return ["SETUSER", user, "resetpass", ...passwords.map((p) => `#${sha256(p)}`)];
}

/**
 * Connects as admin with the first of `candidates` the node accepts: during a rotation a node may
 * know only the old admin password (it has not been told the new one yet) or only the new one
 * (it restarted from the updated Secret). Retries other failures until the deadline.
 */
export async function connectWithAny(node: NodeAddress, candidates: string[], timeoutMs: number): Promise<Redis> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
        for (const password of candidates) {
            const client = connect(node, password);
            client.on("error", () => undefined);
            try {
                await client.connect();
                if ((await client.ping()) === "PONG") return client;
            } catch (e) {
                last = e instanceof Error ? e.message : String(e);
            }
            client.disconnect();
        }
        if (Date.now() > deadline)
            throw new Error(
                `${node.name} (${node.ip}:${node.port}) accepted none of the admin passwords within ${Math.round(timeoutMs / 1000)} s (last error: ${last})`,
            );
        await sleep(200);
    }
}

/** Pure: the users that accept a password in `olds` they no longer accept in `news`. */
export function revokedUsers(olds: AcceptedPasswords | undefined, news: AcceptedPasswords): string[] {
    return Object.entries(news)
        .filter(([user, passwords]) => Array.isArray(passwords) && (olds?.[user] ?? []).some((p) => !passwords.includes(p)))
        .map(([user]) => user);
}

/**
 * Makes every node accept exactly `news` and replicas authenticate with the current replication
 * password. ACL SETUSER keeps sessions that logged in with a removed password; for the users in
 * `disconnect` (an emergency rotation after a leak) every session is ended with CLIENT KILL USER
 * (this connection aside), so one opened with the leaked password cannot go on. Their clients
 * reconnect with the password they hold, which must be the current one.
 */
export async function applyPasswords(
    nodes: NodeAddress[],
    adminCandidates: string[],
    news: AcceptedPasswords,
    timeoutMs: number,
    log: Log,
    disconnect: string[] = [],
): Promise<void> {
    await Promise.all(
        nodes.map(async (node) => {
            const client = await connectWithAny(node, adminCandidates, timeoutMs);
            try {
                // Admin last: the connection in use stays authenticated either way, but a failure
                // half-way then leaves the admin password the others were reached with.
                const users = Object.keys(news).sort((a, b) => Number(a === USERS.admin) - Number(b === USERS.admin));
                for (const user of users) await client.call("ACL", ...setUserArgs(user, news[user]));
                const replication = news[USERS.replication]?.[0];
                if (replication) await client.call("CONFIG", "SET", "masterauth", replication);
                const ended: string[] = [];
                for (const user of disconnect) {
                    const killed = Number(await client.call("CLIENT", "KILL", "USER", user, "SKIPME", "yes"));
                    if (killed > 0) ended.push(`${killed} ${user}`);
                }
                if (ended.length > 0) log(`${node.name}: sessions of revoked passwords ended (${ended.join(", ")})`);
            } finally {
                client.disconnect();
            }
            log(`${node.name}: passwords applied`);
        }),
    );
}
