// What every cross-field rule is made of: the rule's shape, and the few helpers that phrase its
// problems. The rules themselves live by area (topology-rules.ts, resource-rules.ts, tls-rules.ts,
// backup-rules.ts); rules.ts lists them in order.
import type { RedisClusterArgs } from "./args";
import type { Problem } from "./fields";
import type { Settings } from "./schema";

/**
 * One cross-field rule, as Bitnami's `validateValues.*` templates are: a name that says what it
 * guards, and a check returning every problem it finds (key, value given, what is allowed).
 */
export interface CrossFieldRule {
    name: string;
    check(s: Settings, given: RedisClusterArgs): Problem[];
}

export const problem = (key: string, value: unknown, allowed: string): Problem => ({ key, value, allowed });
/** The rule's one problem when `broken`, else none. */
export const when = (broken: boolean, key: string, value: unknown, allowed: () => string): Problem[] =>
    broken ? [problem(key, value, allowed())] : [];

/** Bytes as whole mebibytes, rounded up, in Kubernetes' spelling. */
export function mib(bytes: number): string {
    return `${Math.ceil(bytes / 2 ** 20)}Mi`;
}
