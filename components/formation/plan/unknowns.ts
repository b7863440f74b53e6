// During a preview the engine sends a dynamic provider's check and diff a placeholder string
// wherever a value is not known yet: a RandomPassword about to be generated, or anything computed
// from one (a whole object collapses into the placeholder when any part of it is unknown). The
// providers must accept it, not validate its characters, and report a change whose effect is
// known only when `pulumi up` runs. This module is the one place that recognizes it.
import { runtime } from "@pulumi/pulumi";

/** True when `value` is the engine's unknown placeholder or holds one anywhere inside it. */
export function isUnknown(value: unknown): boolean {
    if (value === runtime.unknownValue) return true;
    if (Array.isArray(value)) return value.some(isUnknown);
    if (typeof value === "object" && value !== null) return Object.values(value).some(isUnknown);
    return false;
}

/** The top-level inputs that are or hold unknowns, in order (the serialized provider aside). */
export function unknownKeys(inputs: Record<string, unknown>): string[] {
    return Object.keys(inputs).filter((key) => key !== "__provider" && isUnknown(inputs[key]));
}
