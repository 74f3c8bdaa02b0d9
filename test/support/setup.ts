/**
 * vitest setupFiles: every fast-check property runs from one seed (SMB_TEST_SEED, default fixed;
 * see seeded.ts), so a failing case replays; a property may still give its own seed.
 */
import * as FastCheck from "effect/FastCheck"
import { TEST_SEED } from "./seeded.js"

FastCheck.configureGlobal({ ...FastCheck.readConfigureGlobal(), seed: TEST_SEED })
