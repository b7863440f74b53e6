// Known Redis (and, below, Valkey) vulnerabilities and the first release of each supported line that fixes them. The
// default image must be at or above every fix (a unit test holds it there, and holds the committed
// stack files there too); a user who pins an older release is warned, by CVE, at validation.
// Add a row when Redis publishes a security release; add a line's column when the component
// starts supporting that line (its scripts are written for 7.2; see docs/security.md, "Images and
// known vulnerabilities").

/** A parsed `major.minor.patch` version. */
export type Version = [number, number, number];

export interface KnownCve {
    id: string;
    /** What an attacker gets, in a few words, for the warning. */
    summary: string;
    /** First fixed release per supported line ("7.2" -> "7.2.6"). */
    fixedIn: Record<string, string>;
}

/** Vulnerabilities of both engines (Redis before the fork), described once for both tables. */
const BOTH_ENGINES: Record<string, string> = {
    "CVE-2025-21605": "unauthenticated clients can grow the output buffer without bound (memory exhaustion)",
    "CVE-2025-32023": "HyperLogLog out-of-bounds write (remote code execution by a user who may write keys)",
    "CVE-2025-49844": "Lua parser use-after-free (remote code execution by a user who may run scripts)",
    "CVE-2025-46817": "Lua unpack integer overflow (remote code execution by a user who may run scripts)",
    "CVE-2025-46818": "Lua metatable manipulation runs code as another user",
    "CVE-2025-46819": "Lua lexer out-of-bounds read (crash by a user who may run scripts)",
};
const both = (id: string, fixedIn: Record<string, string>): KnownCve => ({ id, summary: BOTH_ENGINES[id], fixedIn });

/** The lines this table covers. An image of another line is reported as unchecked. */
export const CHECKED_LINES = ["7.2"] as const;

// Fixed versions as published in Redis's security advisories and release notes, as listed in the
// security review (issue #16, finding 1).
export const KNOWN_CVES: readonly KnownCve[] = [
    {
        id: "CVE-2024-31449",
        summary: "Lua bit library stack overflow (remote code execution by a user who may run scripts)",
        fixedIn: { "7.2": "7.2.6" },
    },
    {
        id: "CVE-2024-46981",
        summary: "Lua garbage collector use-after-free (remote code execution by a user who may run scripts)",
        fixedIn: { "7.2": "7.2.7" },
    },
    both("CVE-2025-21605", { "7.2": "7.2.8" }),
    both("CVE-2025-32023", { "7.2": "7.2.10" }),
    both("CVE-2025-49844", { "7.2": "7.2.11" }),
    both("CVE-2025-46817", { "7.2": "7.2.11" }),
    both("CVE-2025-46818", { "7.2": "7.2.11" }),
    both("CVE-2025-46819", { "7.2": "7.2.11" }),
];

/** The Valkey lines this table covers (the default image's; local mode runs the same line). */
export const VALKEY_CHECKED_LINES = ["8.1"] as const;

// Known Valkey vulnerabilities of the 8.1 line, with the first 8.1 release that fixes each, from
// Valkey's release notes and security PRs (valkey-io/valkey#2317 for 8.1.3, #3633 for 8.1.7; the
// 8.1.4 and 8.1.9 releases as packagers and advisories list them). CVE-2024-31449 and
// CVE-2024-46981 were fixed before 8.1.0 and are in every 8.1 release. The 8.1.6 row is the
// February 2026 security release (9.0.3, 8.1.6), which Debian's 8.1.1+dfsg1-3+deb13u2 also carries.
export const KNOWN_VALKEY_CVES: readonly KnownCve[] = [
    both("CVE-2025-21605", { "8.1": "8.1.1" }),
    both("CVE-2025-32023", { "8.1": "8.1.3" }),
    {
        id: "CVE-2025-48367",
        summary: "unauthenticated connections that keep failing starve other clients (denial of service)",
        fixedIn: { "8.1": "8.1.3" },
    },
    both("CVE-2025-49844", { "8.1": "8.1.4" }),
    both("CVE-2025-46817", { "8.1": "8.1.4" }),
    both("CVE-2025-46818", { "8.1": "8.1.4" }),
    both("CVE-2025-46819", { "8.1": "8.1.4" }),
    {
        id: "CVE-2025-67733",
        summary: "RESP protocol injection through a Lua error_reply (a script forges replies for other commands)",
        fixedIn: { "8.1": "8.1.6" },
    },
    {
        id: "CVE-2026-21863",
        summary: "malformed cluster bus message reads out of bounds (remote crash by whoever reaches the bus port)",
        fixedIn: { "8.1": "8.1.6" },
    },
    {
        id: "CVE-2026-23479",
        summary: "use-after-free when a blocked client is unblocked (crash, possibly code execution)",
        fixedIn: { "8.1": "8.1.7" },
    },
    {
        id: "CVE-2026-25243",
        summary: "invalid memory access in RESTORE (a user who may RESTORE crashes or corrupts the server)",
        fixedIn: { "8.1": "8.1.7" },
    },
    {
        id: "CVE-2026-23631",
        summary: "use-after-free when a full sync runs during a yielding script or function",
        fixedIn: { "8.1": "8.1.7" },
    },
    {
        id: "CVE-2026-56684",
        summary: "use-after-free in TLS connection handling via CLIENT KILL (remote code execution by an authenticated client)",
        fixedIn: { "8.1": "8.1.9" },
    },
    {
        id: "CVE-2026-63639",
        summary: "corrupt stream RDB with a NACK shared across consumers (remote code execution through RESTORE or a loaded file)",
        fixedIn: { "8.1": "8.1.9" },
    },
];

export function parseVersion(s: string): Version | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(s);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
}

/**
 * The Redis version an image reference names, read from its tag (`redis:7.2.16-alpine`,
 * `registry/team/redis:7.2.16@sha256:...`): undefined when the repository is not `redis` or the
 * tag does not start with major.minor.patch (a digest alone, `7.2-alpine`, a build number).
 */
export const redisImageVersion = (image: string): Version | undefined => imageVersion(image, "redis");

/** The version in the tag of an image whose repository's last segment is `name` (as above). */
function imageVersion(image: string, name: string): Version | undefined {
    const noDigest = image.replace(/@sha256:[a-f0-9]+$/, "");
    const colon = noDigest.lastIndexOf(":");
    if (colon < 0 || noDigest.slice(colon).includes("/")) return undefined;
    const repository = noDigest.slice(0, colon);
    if (repository.split("/").pop() !== name) return undefined;
    const m = /^(\d+\.\d+\.\d+)(?:-[\w.-]+)?$/.exec(noDigest.slice(colon + 1));
    return m ? parseVersion(m[1]) : undefined;
}

/** The engine and version an image's repository and tag name: redis:<v> or .../valkey:<v>. */
export function serverImageVersion(image: string): { engine: "redis" | "valkey"; version: Version } | undefined {
    const redis = imageVersion(image, "redis");
    if (redis) return { engine: "redis", version: redis };
    const valkey = imageVersion(image, "valkey");
    return valkey ? { engine: "valkey", version: valkey } : undefined;
}

export type ImageCheck =
    { kind: "vulnerable"; version: string; cves: KnownCve[] } | { kind: "unchecked"; reason: string } | { kind: "ok"; version: string };

/** Whether `image` is a Redis or Valkey release below the fix of any known CVE of its engine's line. */
export function checkServerImage(image: string): ImageCheck {
    const parsed = serverImageVersion(image);
    if (parsed?.engine !== "valkey") return checkRedisImage(image);
    const text = parsed.version.join(".");
    const line = `${parsed.version[0]}.${parsed.version[1]}`;
    if (!(VALKEY_CHECKED_LINES as readonly string[]).includes(line)) {
        return {
            kind: "unchecked",
            reason: `Valkey ${line} is not a line this component checks for known CVEs (checked: ${VALKEY_CHECKED_LINES.join(", ")}); check its security advisories yourself`,
        };
    }
    const cves = KNOWN_VALKEY_CVES.filter((c) => {
        const fixed = parseVersion(c.fixedIn[line]);
        return fixed !== undefined && compareVersions(parsed.version, fixed) < 0;
    });
    return cves.length > 0 ? { kind: "vulnerable", version: text, cves } : { kind: "ok", version: text };
}

/** Whether `image` is a Redis release below the fix of any known CVE of its line. */
export function checkRedisImage(image: string): ImageCheck {
    const version = redisImageVersion(image);
    if (!version) {
        return {
            kind: "unchecked",
            reason: "its Redis version cannot be read from the tag (expected redis:<major>.<minor>.<patch>[-variant][@sha256:...])",
        };
    }
    const text = version.join(".");
    const line = `${version[0]}.${version[1]}`;
    if (!(CHECKED_LINES as readonly string[]).includes(line)) {
        return {
            kind: "unchecked",
            reason: `Redis ${line} is not a line this component checks for known CVEs (checked: ${CHECKED_LINES.join(", ")}); check its security advisories yourself`,
        };
    }
    const cves = KNOWN_CVES.filter((c) => {
        const fixed = parseVersion(c.fixedIn[line]);
        return fixed !== undefined && compareVersions(version, fixed) < 0;
    });
    return cves.length > 0 ? { kind: "vulnerable", version: text, cves } : { kind: "ok", version: text };
}
