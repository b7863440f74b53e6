// Rules that relate several settings. Each returns problems phrased so that a person can act on
// them: what is wrong, and why it matters in production. The rules live by area; this is their
// one ordered list.
import type { RedisClusterArgs } from "./args";
import { BACKUP_RULES } from "./backup-rules";
import type { Problem } from "./fields";
import { RESOURCE_RULES } from "./resource-rules";
import type { CrossFieldRule } from "./rule-kit";
import type { Settings } from "./schema";
import { TLS_RULES } from "./tls-rules";
import { TOPOLOGY_RULES } from "./topology-rules";

export type { CrossFieldRule } from "./rule-kit";

/** Every cross-field rule, in the order their problems are listed. */
export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [...TOPOLOGY_RULES, ...RESOURCE_RULES, ...TLS_RULES, ...BACKUP_RULES];

/** Every problem of every cross-field rule, in the rules' order. */
export function crossFieldProblems(s: Settings, given: RedisClusterArgs): Problem[] {
    return CROSS_FIELD_RULES.flatMap((rule) => rule.check(s, given));
}
