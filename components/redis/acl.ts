// What each ACL user may run, rendered into the config ConfigMap as `users.acl` without any
// password: redis-acl.sh adds each user's password hashes from the mounted Secret at start, and
// the credentials provider applies rotations live with ACL SETUSER. Rules change only with a roll.
import { ClusterSpec, USER_ROLES, UserRole, USERS } from "../settings/spec";

/** Read-only CLUSTER subcommands cluster clients and `redis-cli --cluster check` need. */
const CLUSTER_DISCOVERY = ["slots", "shards", "nodes", "info", "myid", "keyslot"].map((c) => `+cluster|${c}`);

/**
 * Where the app user may PUBLISH: every channel except the server's reserved `__` namespace
 * (`__sentinel__:hello`, which Sentinels trust for the master's address; `__keyspace@…` and
 * `__keyevent@…` notifications; `__redis__:invalidate`, client-side caching). ACL channel patterns
 * are an allow-list, so "not `__`" is spelled as globs: a first character other than `_`, or `_`
 * then anything but `_`, or `_` alone. A selector holds them, so they bind PUBLISH only: SUBSCRIBE
 * and PSUBSCRIBE (whose patterns an allow-list would have to match literally) keep `&*`.
 */
export const APP_PUBLISH_SELECTOR = "(+publish +spublish resetchannels &[^_]* &_[^_]* &_)";

/**
 * Rules per user. `-@dangerous` takes FLUSHALL, FLUSHDB, CONFIG, DEBUG, SHUTDOWN, KEYS, MONITOR,
 * ACL, cluster administration, MIGRATE, REPLICAOF, SAVE and the like from the app user; INFO is
 * given back because clients' ready checks send it, and the discovery subcommands are not
 * dangerous anyway (listed explicitly so that a future category change cannot take them away).
 * PUBLISH comes back only through APP_PUBLISH_SELECTOR.
 */
export const ACL_RULES: Record<UserRole, string> = {
    admin: "on ~* &* +@all",
    app: ["on ~* &* +@all -@dangerous +info", ...CLUSTER_DISCOVERY, "-publish -spublish", APP_PUBLISH_SELECTOR].join(" "),
    // What redis_exporter's scrape needs, and no key, channel or CONFIG access (CONFIG GET would
    // show masterauth); the exporter runs with its config command turned off.
    // SLOWLOG LEN but not GET: slow-log entries carry keys and argument values. The exporter still
    // sends SLOWLOG GET 1 each scrape (no flag turns it off) and is refused; it loses only
    // redis_slowlog_last_id and redis_last_slow_execution_duration_seconds (docs/threat-model.md).
    // CLUSTER MYID too: the rejoin helper asks a peer for its id as this user, never as admin.
    exporter:
        "on resetkeys resetchannels -@all +ping +hello +client|setname +info +cluster|info +cluster|myid +slowlog|len +latency|latest",
    // PSYNC/REPLCONF/PING for replicas; SYNC for a snapshot pulled by hand with `redis-cli --rdb`.
    replication: "on resetkeys resetchannels -@all +psync +sync +replconf +ping",
    // Exactly what backup-dump.sh sends: CLUSTER NODES and CLUSTER INFO to find the shards and
    // check the cluster is whole, and `redis-cli --rdb` (REPLCONF capa/rdb-only, then SYNC).
    // A snapshot holds every key, so this user reads all data, but it cannot write, configure,
    // flush or administer anything, and it cannot become a replica that stays attached (no PSYNC).
    backup: "on resetkeys resetchannels -@all +sync +replconf +ping +cluster|nodes +cluster|info",
    // The Sentinels' peer identity has nothing to do on Redis (Sentinels reach Redis as admin).
    sentinel: "off resetkeys resetchannels -@all",
};

/** `default` is off unless asked for; then it is a password-only alias of the app user. */
const DEFAULT_OFF = "off resetkeys resetchannels -@all";

/**
 * `users.acl`: one line per user, `<user> <password-of> <rules>`, where `<password-of>` names the
 * user whose Secret files hold its passwords (`-` for none). No password is in this file.
 */
export function renderAclRules(spec: ClusterSpec): string {
    const lines = USER_ROLES.map((role) => `${USERS[role]} ${USERS[role]} ${ACL_RULES[role]}`);
    lines.push(spec.settings.auth.defaultUser ? `default ${USERS.app} ${ACL_RULES.app}` : `default - ${DEFAULT_OFF}`);
    return lines.join("\n") + "\n";
}

/** Users whose passwords are `role`'s (the role's own user, and `default` when it aliases app). */
export function usersSharing(spec: ClusterSpec, role: UserRole): string[] {
    return role === "app" && spec.settings.auth.defaultUser ? [USERS.app, "default"] : [USERS[role]];
}
