/**
 * Shared by vite-node (`npm start`, `npx vite-node examples/...`, the scripts) and vitest (its
 * config extends this one): `effect-smb` imports resolve to the sources through the package's
 * `effect-smb-source` export condition, so the examples import the package by name and run
 * without a build. tsconfig.json's customConditions does the same for the typecheck.
 */
import { defaultServerConditions, defineConfig } from "vite"

export default defineConfig({
  ssr: { resolve: { conditions: ["effect-smb-source", ...defaultServerConditions] } }
})
