// The generated passwords as Pulumi resources: two RandomPassword slots per user (see rotation.ts).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ClusterSpec, USER_ROLES, UserRole } from "../settings/spec";
import { Credentials, credentialsFromSlots, Slot, slotKeepers } from "./rotation";

/** Creates the slots and returns the current (and previous) passwords, every one a secret. */
export function createPasswords(name: string, spec: ClusterSpec, parent: pulumi.Resource): Credentials<pulumi.Output<string>> {
    const keepers = slotKeepers(spec.settings.auth.rotation);
    const slots = {} as Record<UserRole, Record<Slot, pulumi.Output<string>>>;
    for (const role of USER_ROLES) {
        const slot = (s: Slot) =>
            pulumi.secret(
                new random.RandomPassword(
                    `${name}-${role}-password-${s}`,
                    {
                        length: spec.settings.passwordLength,
                        // Alphanumeric only: passwords go into redis.conf (masterauth) and URLs without quoting.
                        special: false,
                        keepers: { rotation: String(keepers[s]) },
                    },
                    { parent },
                ).result,
            );
        slots[role] = { a: slot("a"), b: slot("b") };
    }
    return credentialsFromSlots(spec, slots);
}
