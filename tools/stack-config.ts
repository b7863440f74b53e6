// Reads a stack's configuration from Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI
// hands it to a program: a flat map of "namespace:key" to text, project defaults filled in.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

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
        const stacks = fs.readdirSync(dir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
        throw new Error(`no stack "${stack}": ${stackFile} does not exist (stacks here: ${stacks.join(", ") || "none"})`);
    }
    const project = YAML.parse(fs.readFileSync(projectFile, "utf8"));
    const stackDoc = YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {};
    const name: string = project.name;
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];

    for (const [key, decl] of Object.entries<any>(project.config ?? {})) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        const value = decl !== null && typeof decl === "object" ? ("default" in decl ? decl.default : decl.value) : decl;
        if (value !== undefined) config[full] = toText(value);
    }
    for (const [key, value] of Object.entries<any>(stackDoc.config ?? {})) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in value) {
            secretKeys.push(full);
            config[full] = "[secret]";
        } else {
            config[full] = toText(value);
        }
    }
    return { project: name, stack, config, secretKeys };
}

function toText(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}
