// Pure password-rotation bookkeeping. Each user has two password slots, "a" and "b", each a
// RandomPassword whose keeper changes only when that slot becomes current: raising `auth.rotation`
// by one regenerates exactly one slot per user and leaves the other holding the previous
// generation's password, so the old one is still known while clients move over.
import type { ClusterSpec, UserRole } from "../settings/spec";
import { passwordKey, previousPasswordKey, USER_ROLES, USERS } from "../settings/spec";

export type Slot = "a" | "b";

/** Keeper of each slot at `rotation`: a = floor(r/2), b = floor((r+1)/2); one of them moves per step. */
export function slotKeepers(rotation: number): Record<Slot, number> {
    return { a: Math.floor(rotation / 2), b: Math.floor((rotation + 1) / 2) };
}

/** The slot holding the current password: a at even rotations, b at odd ones. */
export const currentSlot = (rotation: number): Slot => (rotation % 2 === 0 ? "a" : "b");

/** Every user's current password and, while a rotation keeps them accepted, the previous ones. */
export interface Credentials<P> {
    current: Record<UserRole, P>;
    previous?: Record<UserRole, P>;
}

/** Picks current and previous out of the slots, following `auth.rotation` and `auth.acceptPrevious`. */
export function credentialsFromSlots<P>(spec: ClusterSpec, slots: Record<UserRole, Record<Slot, P>>): Credentials<P> {
    const { rotation, acceptPrevious } = spec.settings.auth;
    const cur = currentSlot(rotation);
    const prev: Slot = cur === "a" ? "b" : "a";
    const pick = (slot: Slot) => Object.fromEntries(USER_ROLES.map((r) => [r, slots[r][slot]])) as Record<UserRole, P>;
    // At rotation 0 the other slot never held a password anyone used.
    return acceptPrevious && rotation > 0 ? { current: pick(cur), previous: pick(prev) } : { current: pick(cur) };
}

/** The same password for every user (tests and benchmarks that are not about ACLs). */
export function uniformCredentials<P>(password: P): Credentials<P> {
    return { current: Object.fromEntries(USER_ROLES.map((r) => [r, password])) as Record<UserRole, P> };
}

export function isCredentials<P>(x: P | Credentials<P>): x is Credentials<P> {
    return typeof x === "object" && x !== null && "current" in (x as object);
}

/** The Secret's data: `<user>-password`, and `<user>-password-previous` during a rotation. */
export function secretData<P>(c: Credentials<P>): Record<string, P> {
    const data: Record<string, P> = {};
    for (const r of USER_ROLES) data[passwordKey(r)] = c.current[r];
    if (c.previous) for (const r of USER_ROLES) data[previousPasswordKey(r)] = c.previous[r];
    return data;
}

/**
 * What the credentials provider makes every node accept: ACL user name -> passwords, current
 * first. `default` shares the app user's passwords when `auth.defaultUser` enables it.
 */
export function acceptedPasswords<P>(spec: ClusterSpec, c: Credentials<P>): Record<string, P[]> {
    const out: Record<string, P[]> = {};
    for (const r of USER_ROLES) out[USERS[r]] = c.previous ? [c.current[r], c.previous[r]] : [c.current[r]];
    if (spec.settings.auth.defaultUser) out.default = out[USERS.app];
    return out;
}
