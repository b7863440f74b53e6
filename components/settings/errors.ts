import { Problem } from "./fields";

/** Every problem of a configuration at once, each with its key, the value given and what is allowed. */
export class ConfigError extends Error {
    constructor(
        readonly problems: Problem[],
        keyPrefix = "",
    ) {
        super(formatProblems(problems, keyPrefix));
        this.name = "ConfigError";
    }
}

export function formatProblems(problems: Problem[], keyPrefix = ""): string {
    const lines = problems.map((p) => `  - ${keyPrefix}${p.key}: got ${show(p.value)}; ${p.allowed}`);
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    return `Invalid RedisCluster configuration (${count}):\n${lines.join("\n")}`;
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const json = JSON.stringify(value);
    return json.length > 120 ? json.slice(0, 117) + "..." : json;
}
