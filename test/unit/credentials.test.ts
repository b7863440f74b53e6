// Pure parts of the ACL users and rotation: slot keepers, which password is current, the Secret's
// keys, the ACL rules file, and what the credentials provider sends and prints.
import * as assert from "assert";
import { runtime } from "@pulumi/pulumi";
import fc from "fast-check";
import { acceptedPasswords, credentialsFromSlots, currentSlot, secretData, slotKeepers } from "../../components/auth/rotation";
import { checkUsers, describeRotation, revokedUsers, setUserArgs } from "../../components/formation/live/credentials";
import { renderAclRules } from "../../components/redis/acl";
import { resolveSpec, USER_ROLES } from "../../components/settings/spec";

const slots = Object.fromEntries(USER_ROLES.map((r) => [r, { a: `${r}-A`, b: `${r}-B` }])) as any;

describe("password rotation (pure)", () => {
    it("raising the rotation by one regenerates exactly one slot, the one that becomes current", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 1_000_000 }), (r) => {
                const before = slotKeepers(r);
                const after = slotKeepers(r + 1);
                const changed = (["a", "b"] as const).filter((s) => before[s] !== after[s]);
                assert.deepStrictEqual(changed, [currentSlot(r + 1)]);
                // The other slot still holds the password that was current before the step.
                assert.strictEqual(currentSlot(r), changed[0] === "a" ? "b" : "a");
            }),
        );
    });

    it("keeps the previous passwords only while asked to, and never at rotation 0", () => {
        const at = (auth: object) => credentialsFromSlots(resolveSpec({ auth }), slots);
        assert.deepStrictEqual(at({}).previous, undefined);
        assert.deepStrictEqual(at({ acceptPrevious: true }).previous, undefined);
        assert.strictEqual(at({ rotation: 1 }).current.app, "app-B");
        assert.strictEqual(at({ rotation: 1 }).previous, undefined);
        const overlap = at({ rotation: 2, acceptPrevious: true });
        assert.strictEqual(overlap.current.admin, "admin-A");
        assert.strictEqual(overlap.previous!.admin, "admin-B");
        assert.deepStrictEqual(Object.keys(secretData(overlap)).sort(), [
            "admin-password",
            "admin-password-previous",
            "app-password",
            "app-password-previous",
            "backup-password",
            "backup-password-previous",
            "exporter-password",
            "exporter-password-previous",
            "replication-password",
            "replication-password-previous",
            "sentinel-password",
            "sentinel-password-previous",
        ]);
    });

    it("gives the default user the app user's passwords only when enabled", () => {
        const c = credentialsFromSlots(resolveSpec({ auth: { rotation: 1, acceptPrevious: true } }), slots);
        assert.strictEqual(acceptedPasswords(resolveSpec({}), c).default, undefined);
        assert.deepStrictEqual(acceptedPasswords(resolveSpec({ auth: { defaultUser: true } }), c).default, ["app-B", "app-A"]);
    });
});

describe("revoked users (pure)", () => {
    it("names exactly the users that lose a password, not those that only gain one", () => {
        const olds = { app: ["a1"], admin: ["m1", "m0"], backup: ["b1"], replication: ["r1"] };
        const news = { app: ["a2"], admin: ["m1"], backup: ["b1", "b2"], replication: ["r1"] };
        assert.deepStrictEqual(revokedUsers(olds, news), ["app", "admin"]);
        assert.deepStrictEqual(revokedUsers(undefined, news), []);
        assert.deepStrictEqual(revokedUsers(olds, olds), []);
    });
});

describe("ACL rules file (pure)", () => {
    it("lists every user with its rules and no password; default off unless asked for", () => {
        const off = renderAclRules(resolveSpec({}));
        assert.deepStrictEqual(
            off
                .trim()
                .split("\n")
                .map((l) => l.split(" ").slice(0, 2).join(" ")),
            ["admin admin", "app app", "exporter exporter", "replication replication", "backup backup", "sentinel sentinel", "default -"],
        );
        // The Sentinels' peer identity can do nothing on Redis.
        assert.match(off, /^sentinel sentinel off resetkeys resetchannels -@all$/m);
        assert.match(off, /^default - off /m);
        assert.match(off, /^app app on ~\* &\* \+@all -@dangerous /m);
        assert.ok(!/[>#]/.test(off), "a password or hash in the rules");
        assert.match(renderAclRules(resolveSpec({ auth: { defaultUser: true } })), /^default app on ~\* &\* \+@all -@dangerous /m);
    });

    it("rejects bad auth settings with the key, the value and what is allowed", () => {
        assert.throws(
            () => resolveSpec({ auth: { rotation: -1, acceptPrevious: "yes", extra: 1 } as any }),
            (e: Error) =>
                /auth\.rotation: got -1/.test(e.message) &&
                /auth\.acceptPrevious: got "yes"/.test(e.message) &&
                /auth\.extra/.test(e.message),
        );
    });
});

describe("credentials provider (pure parts)", () => {
    it("sends SHA-256 hashes, never the passwords", () => {
        const args = setUserArgs("app", ["secretOne", "secretTwo"]);
        assert.deepStrictEqual(args.slice(0, 3), ["SETUSER", "app", "resetpass"]);
        assert.ok(args.slice(3).every((a) => /^#[0-9a-f]{64}$/.test(a)));
        assert.ok(!JSON.stringify(args).includes("secret"));
    });

    it("describes a rotation by counts, without passwords", () => {
        const lines = describeRotation({ app: ["old"], admin: ["a"] }, { app: ["new", "old"], admin: ["a"] });
        assert.deepStrictEqual(lines, ["app: 1 new password accepted (2 accepted while clients move over)"]);
        assert.deepStrictEqual(describeRotation({ app: ["new", "old"] }, { app: ["new"] }), ["app: 1 old password removed"]);
        assert.deepStrictEqual(describeRotation({ app: ["x"] }, { app: ["x"] }), []);
    });

    it("check refuses a user without a password and users that are no map", () => {
        assert.deepStrictEqual(checkUsers({ admin: ["a"], app: ["b", "c"] }), []);
        assert.deepStrictEqual(checkUsers(undefined), []);
        assert.deepStrictEqual(checkUsers({ admin: ["a"], app: [], exporter: [""], replication: "x" }), [
            "users.app: no password",
            "users.exporter: no password",
            "users.replication: no password",
        ]);
        for (const bad of ["admin", ["a"], 3, ""])
            assert.deepStrictEqual(checkUsers(bad), ["users: not a map of user name to accepted passwords"], JSON.stringify(bad));
    });

    it("check lets a preview's unknowns through (all users, one user's list, one password) and still reports known errors", () => {
        assert.deepStrictEqual(checkUsers(runtime.unknownValue), []);
        assert.deepStrictEqual(checkUsers({ admin: runtime.unknownValue, app: [runtime.unknownValue, "old"] }), []);
        assert.deepStrictEqual(checkUsers({ admin: runtime.unknownValue, app: [] }), ["users.app: no password"]);
    });

    it("describes a rotation whose passwords a preview does not know yet", () => {
        assert.deepStrictEqual(describeRotation({ app: ["old"] }, runtime.unknownValue), [
            "every user: accepted passwords known only after apply; those that change are applied live on every node",
        ]);
        assert.deepStrictEqual(
            describeRotation({ app: ["old"], admin: ["a"] }, { app: runtime.unknownValue as unknown as string[], admin: ["a"] }),
            ["app: accepted passwords known only after apply; applied live on every node if they change"],
        );
        assert.deepStrictEqual(describeRotation({ app: ["old"] }, { app: [runtime.unknownValue, "old"] }), [
            "app: 1 new password accepted (2 accepted while clients move over)",
        ]);
    });
});
