// Settings that are valid but risky: the deployment goes ahead, and the user is told (the
// component through pulumi.log.warn, `npm run render` on stderr). Errors stop a deployment;
// warnings name what the user chose to accept.
import { checkRedisImage } from "./cves";
import { sentinelSettings, Settings } from "./schema";

export interface ConfigWarning {
    /** The setting, as RedisClusterArgs spells it (`image`). */
    key: string;
    value: unknown;
    /** What is wrong and what to do about it. */
    message: string;
}

export function configWarnings(s: Settings): ConfigWarning[] {
    const warnings: ConfigWarning[] = [];
    const check = checkRedisImage(s.image);
    if (check.kind === "vulnerable") {
        const list = check.cves.map((c) => `${c.id} (${c.summary}; fixed in ${Object.values(c.fixedIn).join(", ")})`).join("; ");
        warnings.push({ key: "image", value: s.image, message: `Redis ${check.version} has known vulnerabilities: ${list}. Pin a release at or above every fix.` });
    } else if (check.kind === "unchecked") {
        warnings.push({ key: "image", value: s.image, message: `not checked against known Redis CVEs: ${check.reason}.` });
    }
    if (s.redis.tcpBacklog > POD_SOMAXCONN) {
        warnings.push({ key: "redis.tcpBacklog", value: s.redis.tcpBacklog, message: `the kernel caps the listen backlog at the pod network namespace's net.core.somaxconn ` +
            `(${POD_SOMAXCONN} since Linux 5.4); raising it needs the kubelet's --allowed-unsafe-sysctls and a pod sysctl, which the restricted Pod Security Standard forbids. ` +
            `Redis will run with ${POD_SOMAXCONN}.` });
    }
    if (s.topology === "sentinel" && sentinelSettings(s).hostAntiAffinity !== "required") {
        warnings.push({ key: "sentinel.hostAntiAffinity", value: sentinelSettings(s).hostAntiAffinity,
            message: "Sentinels may share a node: losing that node loses the quorum, and no failover can happen. Use \"required\" wherever the cluster has at least as many nodes as Sentinels." });
    }
    return warnings;
}

/** net.core.somaxconn of a new network namespace (every pod's) since Linux 5.4. */
const POD_SOMAXCONN = 4096;

export function formatWarning(w: ConfigWarning, keyPrefix = ""): string {
    return `RedisCluster configuration: ${keyPrefix}${w.key} = ${JSON.stringify(w.value)}: ${w.message}`;
}
