// Moves hash slots with their keys between masters of a live cluster, by Redis's own protocol:
// the target IMPORTING, the source MIGRATING (new keys of the slot are sent to the target with
// ASK, so nothing new lands behind the migration), keys in batches with MIGRATE ... KEYS, then
// SETSLOT NODE on target, source and every other master. A few slots drain at once through a
// window that bounds the MIGRATE commands and bytes outstanding on the source (migrate-batches.ts
// has the bounds and why), and every step tolerates having been done already, so a run
// interrupted anywhere is finished by the next.
import type Redis from "ioredis";
import { callWithin, connectionLost, Log } from "./redis-client";
import type { ClusterNodeView } from "../plan/topology";
import {
    batchesOf,
    bytesOf,
    emptyStats,
    MigrationLimits,
    MIGRATION_DEFAULTS,
    MigrationStats,
    SizedKey,
    timeoutFor,
} from "../plan/migrate-batches";
import { InFlightWindow } from "../plan/migrate-window";
import { USERS } from "../../settings/spec";

export interface Master {
    name: string;
    id: string;
    /** Address other nodes reach it at: MIGRATE connects from the source node to here. */
    ip: string;
    port: number;
    client: Redis;
}

export interface MigrationOptions extends Partial<MigrationLimits> {
    /** The admin user's password: MIGRATE authenticates to the target with AUTH2 admin. */
    password: string;
    /** Filled in as keys move: totals, and the most in flight at once on one source. */
    stats?: MigrationStats;
    log?: Log;
}

interface Run extends MigrationLimits {
    password: string;
    stats: MigrationStats;
    window: InFlightWindow;
}

/** Moves `slots` from `from` to `to`; returns the number of keys moved. */
export async function moveSlots(from: Master, to: Master, slots: number[], masters: Master[], opts: MigrationOptions): Promise<number> {
    const limits: MigrationLimits = { ...MIGRATION_DEFAULTS, ...definedOnly(opts) };
    const stats = opts.stats ?? emptyStats();
    const run: Run = { ...limits, password: opts.password, stats, window: new InFlightWindow(limits, stats) };
    let keys = 0;
    for (let i = 0; i < slots.length; i += run.slotsInFlight) {
        const chunk = slots.slice(i, i + run.slotsInFlight);
        await Promise.all(chunk.map((s) => setSlot(to.client, s, "IMPORTING", from.id).catch(alreadyDone)));
        await Promise.all(chunk.map((s) => setSlot(from.client, s, "MIGRATING", to.id).catch(alreadyDone)));
        // As many slots drain at once as the window admits commands; the window bounds the rest.
        const queue = [...chunk];
        const drainers = Array.from({ length: Math.min(run.inFlightCommands, chunk.length) }, async () => {
            let moved = 0;
            for (let s = queue.shift(); s !== undefined; s = queue.shift()) moved += await drainSlot(from, to, s, run);
            return moved;
        });
        keys += (await Promise.all(drainers)).reduce((a, b) => a + b, 0);
        await assignSlots(from, to, chunk, masters, run);
    }
    return keys;
}

/** The limits given, without keys set to undefined (which would hide the defaults). */
function definedOnly(opts: Partial<MigrationLimits>): Partial<MigrationLimits> {
    return Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k in MIGRATION_DEFAULTS));
}

/**
 * Ownership moves to the target first (it bumps its epoch, so its claim wins everywhere), then the
 * source lets go, which Redis refuses while it still holds a key of the slot; then the rest.
 */
async function assignSlots(from: Master, to: Master, slots: number[], masters: Master[], run: Run): Promise<void> {
    await Promise.all(slots.map((s) => setSlot(to.client, s, "NODE", to.id)));
    await Promise.all(
        slots.map(async (s) => {
            for (let attempt = 0; ; attempt++) {
                try {
                    await setSlot(from.client, s, "NODE", to.id);
                    return;
                } catch (e) {
                    // A master that gave away its last slot turns into a replica of the taker
                    // (cluster-allow-replica-migration): it let go already. Valkey 8 holds a
                    // SETSLOT until the master's replicas have it too, and the demotion ends
                    // that wait with UNBLOCKED ("instance state changed (master -> replica?)").
                    // It may also drop its clients as it turns, before or while the rest of
                    // this chunk's SETSLOTs are sent; whether every slot found its owner is
                    // checked after the moves (waitForAgreement), not taken on trust.
                    if (connectionLost(e) || /only with masters|UNBLOCKED.*master -> replica/i.test(String(e))) return;
                    if (attempt >= 3 || !/still hold keys/i.test(String(e))) throw e;
                    await drainSlot(from, to, s, run);
                }
            }
        }),
    );
    const others = masters.filter((m) => m.id !== from.id && m.id !== to.id);
    // The others would learn it by gossip too; telling them saves clients a round of MOVED.
    await Promise.all(others.flatMap((m) => slots.map((s) => setSlot(m.client, s, "NODE", to.id).catch(() => undefined))));
}

/** MIGRATEs the slot's keys until the source has none left; returns how many it moved. */
async function drainSlot(from: Master, to: Master, slot: number, run: Run): Promise<number> {
    let moved = 0;
    for (let failures = 0; ;) {
        try {
            // Small commands, but on the connection the window's MIGRATEs are queued on.
            const keys = (await callWithin(
                from.client,
                timeoutFor(run.window.queuedBytes, run),
                "CLUSTER",
                "GETKEYSINSLOT",
                slot,
                run.batchKeys,
            )) as string[];
            if (keys.length === 0) return moved;
            const batches = batchesOf(await measure(from.client, keys, run), run);
            // Settled, not all: a retry must not list keys a batch still in flight is moving.
            const results = await Promise.allSettled(
                batches.map((batch) => run.window.run(bytesOf(batch), (queued) => migrate(from, to, batch, queued, run))),
            );
            for (const r of results) if (r.status === "fulfilled") moved += r.value;
            const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
            if (failed) throw failed.reason;
        } catch (e) {
            if (++failures > 5)
                throw new Error(`moving slot ${slot} from ${from.name} to ${to.name}: ${e instanceof Error ? e.message : e}`, { cause: e });
            await new Promise((r) => setTimeout(r, 100 * failures));
        }
    }
}

/** Each key's size as the source measures it (MEMORY USAGE; a key gone since it was listed is 0). */
async function measure(client: Redis, keys: string[], run: Run): Promise<SizedKey[]> {
    const timeout = timeoutFor(run.window.queuedBytes, run);
    const sizes = await Promise.all(keys.map((k) => callWithin(client, timeout, "MEMORY", "USAGE", k)));
    return keys.map((key, i) => ({ key, bytes: Number(sizes[i] ?? 0) }));
}

/** One MIGRATE of `batch`, with timeouts sized for its bytes and the bytes queued ahead of it. */
async function migrate(from: Master, to: Master, batch: SizedKey[], queued: number, run: Run): Promise<number> {
    const bytes = bytesOf(batch);
    // REPLACE: while the slot migrates, the source's copy of a key is the live one (clients
    // write there), so if an interrupted MIGRATE left a copy on the target, ours is newer.
    // MIGRATE's own timeout bounds its I/O to the target; the client's covers the queue too.
    const reply = await callWithin(
        from.client,
        timeoutFor(queued, run),
        "MIGRATE",
        to.ip,
        to.port,
        "",
        0,
        timeoutFor(bytes, run),
        "REPLACE",
        "AUTH2",
        USERS.admin,
        run.password,
        "KEYS",
        ...batch.map((k) => k.key),
    );
    if (reply !== "OK" && reply !== "NOKEY") throw new Error(`MIGRATE answered ${reply}`);
    run.stats.keys += batch.length;
    run.stats.bytes += bytes;
    run.stats.batches++;
    run.stats.largestBatchBytes = Math.max(run.stats.largestBatchBytes, bytes);
    return batch.length;
}

/** How often a SETSLOT that its master's replicas were too slow to acknowledge is asked again. */
export const SETSLOT_ATTEMPTS = 6;

/**
 * CLUSTER SETSLOT, asked again while the answer is NOREPLICAS. Valkey 8 replicates SETSLOT to the
 * master's online replicas first and applies it only once they acknowledge; when one is too slow
 * (2 s by default: a busy machine, a replica still loading), the master answers NOREPLICAS and has
 * not applied it. SETSLOT is idempotent, so asking again is safe; a replica that never answers
 * still fails the step, with the command named.
 */
export async function setSlot(client: Redis, slot: number, ...args: (string | number)[]): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await client.call("CLUSTER", "SETSLOT", slot, ...args);
        } catch (e) {
            if (!/^NOREPLICAS/.test(e instanceof Error ? e.message : String(e))) throw e;
            if (attempt >= SETSLOT_ATTEMPTS)
                throw new Error(
                    `CLUSTER SETSLOT ${slot} ${args.join(" ")}: the master's replicas did not acknowledge it in ${attempt} tries (${e instanceof Error ? e.message : e})`,
                    { cause: e },
                );
            await new Promise((r) => setTimeout(r, 200 * attempt));
        }
    }
}

/** Redis's answers when the step was done by an earlier, interrupted run. */
function alreadyDone(e: unknown): void {
    if (/already the owner|not the owner/i.test(String(e))) return;
    throw e;
}

export interface OpenSlot {
    slot: number;
    from?: string;
    to?: string;
}

/**
 * Slots an interrupted run left MIGRATING or IMPORTING, with their source and target ids as the
 * nodes themselves report them (each node's own line is the truth about its own slot states).
 */
export function openSlots(selves: ClusterNodeView[]): OpenSlot[] {
    const open = new Map<number, OpenSlot>();
    const at = (slot: number) => open.get(slot) ?? open.set(slot, { slot }).get(slot)!;
    for (const self of selves) {
        for (const m of self.migrating) Object.assign(at(m.slot), { from: self.id, to: at(m.slot).to ?? m.to });
        for (const i of self.importing) Object.assign(at(i.slot), { to: self.id, from: at(i.slot).from ?? i.from });
    }
    return [...open.values()].sort((a, b) => a.slot - b.slot);
}

/**
 * Finishes every open slot toward its target, which never loses a key: keys already moved are
 * there, keys not yet moved follow. A slot whose other end is gone is closed where it stands.
 */
export async function finishOpenSlots(masters: Master[], selves: ClusterNodeView[], opts: MigrationOptions): Promise<number> {
    const open = openSlots(selves);
    if (open.length === 0) return 0;
    const byId = new Map(masters.map((m) => [m.id, m]));
    const pairs = new Map<string, { from: Master; to: Master; slots: number[] }>();
    for (const o of open) {
        const from = o.from ? byId.get(o.from) : undefined;
        const to = o.to ? byId.get(o.to) : undefined;
        if (from && to) {
            const key = `${from.id}>${to.id}`;
            (pairs.get(key) ?? pairs.set(key, { from, to, slots: [] }).get(key)!).slots.push(o.slot);
        } else {
            const survivor = from ?? to;
            opts.log?.(`slot ${o.slot} was left open toward a node that is gone; closing it on ${survivor?.name ?? "every node"}`);
            for (const m of survivor ? [survivor] : masters) await setSlot(m.client, o.slot, "STABLE");
        }
    }
    for (const { from, to, slots } of pairs.values()) {
        opts.log?.(`finishing ${slots.length} slot(s) an interrupted run left moving from ${from.name} to ${to.name}`);
        await moveSlots(from, to, slots, masters, opts);
    }
    return open.length;
}
