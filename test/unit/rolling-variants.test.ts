// The rolling benchmark's variant choice (--rolling-variants): bad input is refused before a
// deployment starts, naming what is allowed.
import * as assert from "assert";
import { ROLL_VARIANTS, rollVariants } from "../../bench/rolling";

describe("the rolling benchmark's variant choice", () => {
    it("runs every variant by default, and the named ones in the bench's order", () => {
        assert.deepStrictEqual(rollVariants([]), ROLL_VARIANTS);
        assert.deepStrictEqual(
            rollVariants(["plain", "handover"]).map((v) => v.name),
            ["handover", "plain"],
        );
    });

    it("refuses a name that is no variant, listing the variants", () => {
        assert.throws(
            () => rollVariants(["handover", "handover,no takeover"]),
            /"handover,no takeover" is not a variant; allowed: handover; .*plain/,
        );
    });

    it("refuses the steady-state roll without the roll it starts from", () => {
        assert.throws(() => rollVariants(["no takeover, as left", "plain"]), /starts where "handover, no takeover" left the masters/);
        assert.deepStrictEqual(
            rollVariants(["handover, no takeover", "no takeover, as left"]).map((v) => v.name),
            ["handover, no takeover", "no takeover, as left"],
        );
    });
});
