// The Sentinels' own ACL users (sentinel topology), rendered into the Sentinel ConfigMap in the
// same format as the Redis pods' `users.acl` (`<user> <password-of> <rules>`, no password):
// sentinel-start.sh turns it into `user` lines with the Secret's password hashes (redis-acl.sh),
// and acl-reload.sh applies rotations live with ACL SETUSER, as on the Redis pods.
//
// Each rule set is what the real callers send, captured from a Sentinel's ACL LOG with every
// other command refused (Redis 7.0.15 and Valkey 8.1 Sentinels; docs/threat-model.md lists them).
import { ClusterSpec, USERS } from "../settings/spec";

/** What Sentinel-aware clients ask: ioredis 5, redis-py 4/5 (discover_master asks SENTINEL MASTERS), Jedis, Lettuce. */
const CLIENT_QUERIES = ["get-master-addr-by-name", "masters", "master", "sentinels", "replicas", "slaves"].map((c) => `+sentinel|${c}`);

export const SENTINEL_ACL_RULES = {
    // The Sentinel pod's own loop (SENTINEL MONITOR/SET/REMOVE/RESET, ACL SETUSER for rotations,
    // SENTINEL CONFIG SET sentinel-pass) and the Redis pods' scripts (which master, SENTINEL
    // FAILOVER at a planned stop). Both already hold the admin password, which owns every key.
    admin: "on ~* &* +@all",
    // Clients may only ask where the master is and hear of failovers. Sentinel's channels carry
    // its events (+switch-master, +sdown, ...), nothing more than SENTINEL MASTERS shows, so they
    // may subscribe to any of them (Lettuce subscribes with a pattern); they may not PUBLISH,
    // which on a Sentinel feeds its hello processing. CLIENT SETINFO names the client library on
    // its own connection (ioredis 5.4+ and redis-py 5 send it on connect; Valkey 8 Sentinels know it).
    app: [
        "on resetchannels &* -@all +ping +hello +client|setname +client|setinfo",
        ...CLIENT_QUERIES,
        "+subscribe +unsubscribe +psubscribe +punsubscribe",
    ].join(" "),
    // redis_exporter's Sentinel scrape: INFO and the master, peer and replica tables, CKQUORUM.
    exporter:
        "on resetchannels -@all +ping +client|setname +info +sentinel|masters +sentinel|sentinels +sentinel|slaves +sentinel|replicas +sentinel|ckquorum",
    // What one Sentinel sends another: PING, its name, its hello message by PUBLISH, and the
    // vote request of a failover (IS-MASTER-DOWN-BY-ADDR).
    sentinel: "on resetchannels &__sentinel__:hello -@all +ping +client|setname +publish +sentinel|is-master-down-by-addr",
};

/** The Sentinels' `users.acl`: the four users above, `default` off (every caller names its user). */
export function renderSentinelAclRules(spec: ClusterSpec): string {
    if (!spec.sentinel) throw new Error('the Sentinel ACL belongs to topology "sentinel"');
    const lines = (Object.keys(SENTINEL_ACL_RULES) as (keyof typeof SENTINEL_ACL_RULES)[]).map(
        (role) => `${USERS[role]} ${USERS[role]} ${SENTINEL_ACL_RULES[role]}`,
    );
    lines.push("default - off resetchannels -@all");
    return lines.join("\n") + "\n";
}
