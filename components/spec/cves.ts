// Known Redis vulnerabilities and the first release of each supported line that fixes them. The
// default image must be at or above every fix (a unit test holds it there, and holds the committed
// stack files there too); a user who pins an older release is warned, by CVE, at validation.
// Add a row when Redis publishes a security release; add a line's column when the component
// starts supporting that line (its scripts are written for 7.2; see docs/security notes in README).

/** A parsed `major.minor.patch` version. */
export type Version = [number, number, number];

export interface KnownCve {
    id: string;
    /** What an attacker gets, in a few words, for the warning. */
    summary: string;
    /** First fixed release per supported line ("7.2" -> "7.2.6"). */
    fixedIn: Record<string, string>;
}

/** The lines this table covers. An image of another line is reported as unchecked. */
export const CHECKED_LINES = ["7.2"] as const;

// Fixed versions as published in Redis's security advisories and release notes, as listed in the
// security review (issue #16, finding 1).
export const KNOWN_CVES: readonly KnownCve[] = [
    { id: "CVE-2024-31449", summary: "Lua bit library stack overflow (remote code execution by a user who may run scripts)", fixedIn: { "7.2": "7.2.6" } },
    { id: "CVE-2024-46981", summary: "Lua garbage collector use-after-free (remote code execution by a user who may run scripts)", fixedIn: { "7.2": "7.2.7" } },
    { id: "CVE-2025-21605", summary: "unauthenticated clients can grow the output buffer without bound (memory exhaustion)", fixedIn: { "7.2": "7.2.8" } },
    { id: "CVE-2025-32023", summary: "HyperLogLog out-of-bounds write (remote code execution by a user who may write keys)", fixedIn: { "7.2": "7.2.10" } },
    { id: "CVE-2025-49844", summary: "Lua parser use-after-free (remote code execution by a user who may run scripts)", fixedIn: { "7.2": "7.2.11" } },
    { id: "CVE-2025-46817", summary: "Lua unpack integer overflow (remote code execution by a user who may run scripts)", fixedIn: { "7.2": "7.2.11" } },
    { id: "CVE-2025-46818", summary: "Lua metatable manipulation runs code as another user", fixedIn: { "7.2": "7.2.11" } },
    { id: "CVE-2025-46819", summary: "Lua lexer out-of-bounds read (crash by a user who may run scripts)", fixedIn: { "7.2": "7.2.11" } },
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
export function redisImageVersion(image: string): Version | undefined {
    const noDigest = image.replace(/@sha256:[a-f0-9]+$/, "");
    const colon = noDigest.lastIndexOf(":");
    if (colon < 0 || noDigest.slice(colon).includes("/")) return undefined;
    const repository = noDigest.slice(0, colon);
    if (repository.split("/").pop() !== "redis") return undefined;
    const m = /^(\d+\.\d+\.\d+)(?:-[\w.-]+)?$/.exec(noDigest.slice(colon + 1));
    return m ? parseVersion(m[1]) : undefined;
}

export type ImageCheck =
    | { kind: "vulnerable"; version: string; cves: KnownCve[] }
    | { kind: "unchecked"; reason: string }
    | { kind: "ok"; version: string };

/** Whether `image` is a Redis release below the fix of any known CVE of its line. */
export function checkRedisImage(image: string): ImageCheck {
    const version = redisImageVersion(image);
    if (!version) {
        return { kind: "unchecked", reason: "its Redis version cannot be read from the tag (expected redis:<major>.<minor>.<patch>[-variant][@sha256:...])" };
    }
    const text = version.join(".");
    const line = `${version[0]}.${version[1]}`;
    if (!(CHECKED_LINES as readonly string[]).includes(line)) {
        return { kind: "unchecked", reason: `Redis ${line} is not a line this component checks for known CVEs (checked: ${CHECKED_LINES.join(", ")}); check its security advisories yourself` };
    }
    const cves = KNOWN_CVES.filter((c) => {
        const fixed = parseVersion(c.fixedIn[line]);
        return fixed !== undefined && compareVersions(version, fixed) < 0;
    });
    return cves.length > 0 ? { kind: "vulnerable", version: text, cves } : { kind: "ok", version: text };
}
