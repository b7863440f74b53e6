// Which default images are pinned by digest. The exporter and aws-cli have no digest a public
// source confirms (docs/images.md, "Unverified digests"); this test keeps that gap visible: it
// fails when a default gains or loses a digest, so the table in docs/images.md is updated with it.
import * as assert from "assert";
import { DEFAULT_IMAGES } from "../../components/settings/images";

const DIGEST = /^[^@\s]+:[^@\s:]+@sha256:[a-f0-9]{64}$/;

describe("default image pins", () => {
    it("Valkey and Redis are pinned by tag and digest; the exporter and aws-cli by exact version tag only", () => {
        const pinned = Object.fromEntries(Object.entries(DEFAULT_IMAGES).map(([k, image]) => [k, DIGEST.test(image)]));
        assert.deepStrictEqual(pinned, { valkey: true, redis: true, exporter: false, awsCli: false });
    });

    it("a default without a digest still names an exact version, never a floating tag", () => {
        for (const image of Object.values(DEFAULT_IMAGES)) {
            const tag = image.split("@")[0].split(":").pop()!;
            assert.match(tag, /^v?\d+\.\d+\.\d+(-[a-z0-9]+)?$/, image);
        }
    });
});
