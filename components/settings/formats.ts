// Formats shared by configuration and builders: Kubernetes quantities, names and labels, Redis
// memory sizes, cron schedules and image references. Pure functions, no dependencies but Node's.
import { isIPv4, isIPv6 } from "net";

const QUANTITY = /^([+-]?[0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+|E[0-9]+)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity ("500m" is 0.5, "8Gi" is 8589934592), or undefined if invalid. */
export function parseQuantity(q: string): number | undefined {
    const m = QUANTITY.exec(q.trim() === q ? q : "");
    if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return undefined;
    const suffix = m[2] ?? "";
    const factor = /^[eE]\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : QUANTITY_FACTORS[suffix];
    return Number(m[1]) * factor;
}

export const isQuantity = (q: string): boolean => parseQuantity(q) !== undefined && parseQuantity(q)! > 0;

const REDIS_SIZE = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i;
const REDIS_FACTORS: Record<string, number> = {
    "": 1,
    b: 1,
    k: 1e3,
    kb: 1024,
    m: 1e6,
    mb: 1024 ** 2,
    g: 1e9,
    gb: 1024 ** 3,
};

/** Bytes of a redis.conf memory size ("6gb", "64mb", "1000"), as Redis reads it, or undefined. */
export function parseRedisSize(s: string): number | undefined {
    const m = REDIS_SIZE.exec(s);
    if (!m) return undefined;
    return Number(m[1]) * REDIS_FACTORS[(m[2] ?? "").toLowerCase()];
}

/** RFC 1123 label: what Kubernetes requires of namespace and Service names. */
export const isDnsLabel = (s: string, max = 63): boolean => s.length >= 1 && s.length <= max && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);

/** RFC 1123 subdomain: names of most other objects. */
export const isDnsSubdomain = (s: string): boolean => s.length >= 1 && s.length <= 253 && s.split(".").every((part) => isDnsLabel(part));

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** A label or annotation key: optional DNS-subdomain prefix and a name of at most 63 characters. */
export function isQualifiedName(key: string): boolean {
    const parts = key.split("/");
    if (parts.length > 2) return false;
    const name = parts[parts.length - 1];
    const prefix = parts.length === 2 ? parts[0] : undefined;
    if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
    return name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 characters of alphanumerics, '-', '_', '.', starting and ending alphanumeric. */
export const isLabelValue = (v: string): boolean => v === "" || (v.length <= 63 && LABEL_NAME.test(v));

export const CRON_FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

export const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** A schedule the Kubernetes CronJob controller accepts: five fields, or a macro such as @daily. */
export function isCronSchedule(schedule: string): boolean {
    if (CRON_MACROS.includes(schedule)) return true;
    const parts = schedule.trim().split(/\s+/);
    if (parts.length !== 5) return false;
    return parts.every((part, i) => part.split(",").every((item) => isCronItem(item, CRON_FIELDS[i])));
}

function isCronItem(item: string, field: (typeof CRON_FIELDS)[number]): boolean {
    const [range, step, ...rest] = item.split("/");
    if (rest.length > 0) return false;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return false;
    if (range === "*" || range === "?") return true;
    const value = (s: string): number | undefined => {
        const named = field.names?.indexOf(s.toUpperCase()) ?? -1;
        if (named >= 0) return named + (field.name === "month" ? 1 : 0);
        return /^\d+$/.test(s) ? Number(s) : undefined;
    };
    const bounds = range.split("-");
    if (bounds.length > 2) return false;
    const nums = bounds.map(value);
    if (nums.some((n) => n === undefined || n < field.min || n > field.max)) return false;
    return nums.length === 1 || nums[0]! <= nums[1]!;
}

/** The last segment of an image's repository (`registry:5000/team/valkey:8.1@sha256:..` -> `valkey`). */
export function imageRepositoryName(image: string): string {
    const noDigest = image.replace(/@sha256:[a-f0-9]+$/, "");
    const colon = noDigest.lastIndexOf(":");
    const repository = colon >= 0 && !noDigest.slice(colon).includes("/") ? noDigest.slice(0, colon) : noDigest;
    return repository.split("/").pop() ?? repository;
}

/**
 * A container image pinned to a version: `repo[:tag][@sha256:digest]` with a tag other than
 * `latest`, or a digest. An unpinned image changes under a running cluster without a `pulumi up`.
 */
export function isPinnedImage(image: string): boolean {
    const m =
        /^([a-z0-9]+([._\-/][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*)(:([\w][\w.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/.exec(
            image,
        );
    if (!m) return false;
    const tag = m[7];
    const digest = m[8];
    return digest !== undefined || (tag !== undefined && tag !== "latest");
}

/** S3 bucket naming rules (3 to 63 characters, lowercase, digits, dots and hyphens, not an IP). */
export const isBucketName = (s: string): boolean =>
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s) && !s.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(s);

/** A Prometheus duration such as 30s, 1m, 1h30m. */
export const isPromDuration = (s: string): boolean => /^(\d+(ms|s|m|h|d|w|y))+$/.test(s);

/** An IPv4 or IPv6 CIDR as NetworkPolicy ipBlocks take it: `10.0.0.0/8`, `2001:db8::/32`. */
export function isCidr(s: string): boolean {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
    if (!m) return false;
    const prefix = Number(m[2]);
    if (isIPv4(m[1])) return prefix <= 32;
    return isIPv6(m[1]) && prefix <= 128;
}
