// Renders stacks once per test process (the Pulumi runtime is global, so runs are serialised).
import type { Rendered } from "../../tools/render";
import { renderStack } from "../../tools/render";

const cache = new Map<string, Promise<Rendered>>();

export function renderedStack(stack: string): Promise<Rendered> {
    if (!cache.has(stack)) cache.set(stack, renderStack(stack));
    return cache.get(stack)!;
}
