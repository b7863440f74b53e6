// pulumi-resource-random for the local engines: RandomPassword only, with the real provider's
// token, inputs, defaults and outputs. It stands in for the real plugin because the Go module proxy
// here serves no version of github.com/pulumi/pulumi-random/provider/v4 (`go list -m -versions`
// answers 403 "This module version is not available"), and the Terraform provider it bridges is
// served only at v1.3.1 and v2.0.0, which predate random_password. What the engine does with it
// (unknown results during preview, secrets, replacement when an input changes) is the real
// engine's; only the password generation is ours.
import * as crypto from "crypto";
import * as provider from "@pulumi/pulumi/provider";

const TOKEN = "random:index/randomPassword:RandomPassword";
const VERSION = "4.21.2+local-stand-in";
// The engine's marker for a secret value in provider outputs.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown) => ({ [SECRET_SIG]: SECRET, value });

const CLASSES = {
    lower: "abcdefghijklmnopqrstuvwxyz",
    upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    numeric: "0123456789",
    special: "!@#$%&*()-_=+[]{}<>:?",
};

/** Every input that shapes the password; in the real provider each one forces a replacement. */
const INPUTS = [
    "length",
    "lower",
    "upper",
    "numeric",
    "number",
    "special",
    "minLower",
    "minUpper",
    "minNumeric",
    "minSpecial",
    "overrideSpecial",
    "keepers",
];

function withDefaults(news: any): any {
    return {
        lower: true,
        upper: true,
        numeric: true,
        number: true,
        special: true,
        minLower: 0,
        minUpper: 0,
        minNumeric: 0,
        minSpecial: 0,
        ...news,
    };
}

function pick(alphabet: string): string {
    return alphabet[crypto.randomInt(alphabet.length)];
}

/** A password of `length` with at least the minimum of each class asked for, shuffled. */
export function generate(i: any): string {
    const special = i.overrideSpecial ?? CLASSES.special;
    const classes: [boolean, string, number][] = [
        [i.lower, CLASSES.lower, i.minLower],
        [i.upper, CLASSES.upper, i.minUpper],
        [i.numeric && i.number !== false, CLASSES.numeric, i.minNumeric],
        [i.special, special, i.minSpecial],
    ];
    const chars: string[] = [];
    for (const [on, alphabet, min] of classes) if (on) for (let k = 0; k < min; k++) chars.push(pick(alphabet));
    const all = classes
        .filter(([on]) => on)
        .map(([, a]) => a)
        .join("");
    while (chars.length < i.length) chars.push(pick(all));
    for (let k = chars.length - 1; k > 0; k--) {
        const j = crypto.randomInt(k + 1);
        [chars[k], chars[j]] = [chars[j], chars[k]];
    }
    return chars.join("");
}

const randomProvider: provider.Provider = {
    version: VERSION,
    async check(_urn, _olds, news) {
        const inputs = withDefaults(news);
        const failures: provider.CheckFailure[] = [];
        if (typeof inputs.length === "number") {
            const mins = inputs.minLower + inputs.minUpper + inputs.minNumeric + inputs.minSpecial;
            if (inputs.length < 1) failures.push({ property: "length", reason: "length must be at least 1" });
            if (inputs.length < mins)
                failures.push({ property: "length", reason: `length ${inputs.length} is below the sum of the minimums (${mins})` });
        }
        return { inputs, failures };
    },
    async diff(_id, _urn, olds, news) {
        const replaces = INPUTS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(_urn, inputs) {
        const result = generate(inputs);
        const salt = crypto.randomBytes(16).toString("hex");
        const hash = crypto.scryptSync(result, salt, 32).toString("hex");
        return { id: "none", outs: { ...inputs, result: secret(result), bcryptHash: secret(`scrypt:${salt}:${hash}`) } };
    },
    async read(id, _urn, props) {
        return { id, props };
    },
    async delete() {
        // Nothing outside the state to remove.
    },
    async getSchema() {
        return JSON.stringify({ name: "random", version: VERSION, resources: { [TOKEN]: { properties: {}, inputProperties: {} } } });
    },
};

if (require.main === module) {
    provider.main(randomProvider, process.argv.slice(2)).catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
