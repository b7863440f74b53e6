// Renders this program offline (no Pulumi CLI, no cluster): every resource it would create, as
// YAML, secrets redacted. `npm run render [-- --shards 6]`.
import { renderProgram, toYamlStream } from "@llm-analytics-hub/redis-cluster/render";

async function main(): Promise<void> {
    const shards = process.argv.indexOf("--shards");
    const config: Record<string, string> = shards > 0 ? { "redis-consumer:shards": process.argv[shards + 1] } : {};
    const rendered = await renderProgram(() => require("./index"), { project: "redis-consumer", stack: "dev", config });
    process.stdout.write(toYamlStream(rendered));
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
