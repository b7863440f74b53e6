// Reads a stack's configuration from Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI
// hands it to a program: a flat map of "namespace:key" to text, with the CLI's rules for the
// project's declarations applied (required keys, defaults, types: see project-config.ts), so a
// stack that `pulumi up` would refuse is refused here too.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { applyProjectConfig, StackValue } from "./project-config";

export interface StackConfig {
    project: string;
    stack: string;
    /** What `pulumi.runtime.allConfig()` returns. */
    config: Record<string, string>;
    /** Keys whose values are encrypted (`secure:`) in the stack file. */
    secretKeys: string[];
}

export function readStackConfig(dir: string, stack: string): StackConfig {
    const projectFile = path.join(dir, "Pulumi.yaml");
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const stacks = fs
            .readdirSync(dir)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new Error(`no stack "${stack}": ${stackFile} does not exist (stacks here: ${stacks.join(", ") || "none"})`);
    }
    const project = YAML.parse(fs.readFileSync(projectFile, "utf8"));
    const stackDoc = YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {};
    const name: string = project.name;

    const given = new Map<string, StackValue>();
    for (const [key, value] of Object.entries<any>(stackDoc.config ?? {})) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in value) given.set(full, { secure: true });
        else if (value !== null && typeof value === "object") given.set(full, { object: value });
        else given.set(full, { text: value === null ? "" : String(value) });
    }
    const merged = applyProjectConfig(name, stack, project.config ?? {}, given);

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of merged) {
        if ("secure" in value) {
            secretKeys.push(key);
            config[key] = "[secret]";
        } else {
            config[key] = "text" in value ? value.text : JSON.stringify(value.object);
        }
    }
    return { project: name, stack, config, secretKeys };
}
