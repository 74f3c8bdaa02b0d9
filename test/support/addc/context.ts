/**
 * What vitest's globalSetup hands to the test files about the AD DC: the running DC, or why there
 * is none (outside CI the suites that need it then skip loudly; under CI they fail).
 */
import type { AddcInstance } from "./Addc.js"

export type AddcContext =
  | { readonly available: true; readonly dc: AddcInstance }
  | { readonly available: false; readonly reason: string }

declare module "vitest" {
  export interface ProvidedContext {
    addc: AddcContext
  }
}
