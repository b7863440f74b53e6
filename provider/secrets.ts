// The SDK's provider server (@pulumi/pulumi/provider) tells the engine it accepts secrets, and
// hands the provider the engine's wire form as it is: a secret arrives as an object marked with
// the secret signature. The formation steps want plain values, and what they return must keep its
// secrets marked, or the engine would store passwords in the clear.
import { runtime } from "@pulumi/pulumi";

const isSecret = (v: unknown): v is { value: unknown } =>
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[runtime.specialSigKey] === runtime.specialSecretSig;

/** `value` with every secret, at any depth, replaced by what it holds. */
export function revealSecrets(value: unknown): any {
    if (isSecret(value)) return revealSecrets(value.value);
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
    return value;
}

/** `props` with each of `keys` that has a value marked secret again. */
export function markSecrets(props: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    const out = { ...props };
    for (const key of keys) {
        if (out[key] !== undefined && !isSecret(out[key]))
            out[key] = { [runtime.specialSigKey]: runtime.specialSecretSig, value: out[key] };
    }
    return out;
}
