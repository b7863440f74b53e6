// Lint rules for the TypeScript sources: typescript-eslint's recommended set, plus import cycles as
// errors (a cycle makes module load order decide which export is still undefined). Formatting is
// prettier's job (.prettierrc.json), so no stylistic rules here. Each override says why.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { importX, createNodeResolver } from "eslint-plugin-import-x";

export default tseslint.config(
    {
        // Build output, installed packages, local-mode state and the benchmarks' JSON are not source.
        ignores: ["dist/", "node_modules/", ".local/", ".pulumi/", "bench/results/", "rendered/", "coverage/"],
    },
    js.configs.recommended,
    tseslint.configs.recommended,
    {
        files: ["**/*.ts", "**/*.js", "**/*.mjs"],
        plugins: { "import-x": importX },
        settings: {
            // Which files import-x parses to follow imports, and with which parser (its defaults are
            // JavaScript only, which would silently skip every .ts module and find no cycle at all).
            "import-x/extensions": [".ts", ".js", ".mjs"],
            "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
            // Sources import each other without extensions ("./statefulset"), as tsc's node16 CommonJS
            // resolution allows; the resolver must try .ts to follow them.
            "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json", ".node"] })],
        },
        rules: {
            "import-x/no-cycle": ["error", { ignoreExternal: true }],
            // A leading underscore marks a binding kept on purpose: a destructured key dropped from a
            // copy (`{ password: _p, ...rest }`), a callback parameter the signature requires.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
            ],
            // require() is deliberate where it is used: a dynamic provider must load its modules inside
            // its methods (it is serialized, DESIGN.md), and tools load heavy or optional modules only
            // on the path that needs them.
            "@typescript-eslint/no-require-imports": "off",
        },
    },
    {
        // These read untyped JSON by nature: tests poke at rendered objects and process output, and
        // kube/, local/, tools/, provider/ and the formation's Kubernetes access parse kubectl,
        // API-server and gRPC payloads. Typing each would be ceremony without a checked contract.
        // Elsewhere (components, program, bench) `any` stays an error.
        files: ["test/**", "kube/**", "local/**", "testing/**", "tools/**", "provider/**", "components/formation/**"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Tests match literal indented output (diff lines, YAML), where the run of spaces is the point.
        files: ["test/**"],
        rules: { "no-regex-spaces": "off" },
    },
    {
        // The Node scripts outside the TypeScript build (the client example, this config) run as plain Node.
        files: ["**/*.js", "**/*.mjs"],
        languageOptions: {
            globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly" },
        },
    },
);
