// Settings that are valid but risky: the deployment goes ahead, and the user is told (the
// component through pulumi.log.warn, `npm run render` on stderr). Errors stop a deployment;
// warnings name what the user chose to accept.
import { checkServerImage, serverImageVersion } from "./cves";
import type { Settings } from "./schema";

export interface ConfigWarning {
    /** The setting, as RedisClusterArgs spells it (`image`). */
    key: string;
    value: unknown;
    /** What is wrong and what to do about it. */
    message: string;
}

export function configWarnings(s: Settings): ConfigWarning[] {
    const warnings: ConfigWarning[] = [];
    const check = checkServerImage(s.image);
    const product = serverImageVersion(s.image)?.engine === "valkey" ? "Valkey" : "Redis";
    if (check.kind === "vulnerable") {
        const list = check.cves.map((c) => `${c.id} (${c.summary}; fixed in ${Object.values(c.fixedIn).join(", ")})`).join("; ");
        warnings.push({ key: "image", value: s.image, message: `${product} ${check.version} has known vulnerabilities: ${list}. Pin a release at or above every fix.` });
    } else if (check.kind === "unchecked") {
        warnings.push({ key: "image", value: s.image, message: `not checked against known ${product} CVEs: ${check.reason}.` });
    }
    return warnings;
}

export function formatWarning(w: ConfigWarning, keyPrefix = ""): string {
    return `RedisCluster configuration: ${keyPrefix}${w.key} = ${JSON.stringify(w.value)}: ${w.message}`;
}
