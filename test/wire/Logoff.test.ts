// MS-SMB2 2.2.7, 2.2.8: StructureSize 4, Reserved 0 (the shared cases are in emptyBodyTesting.ts).
import { Command } from "../../src/wire/Command.js"
import {
  decodeLogoffRequest,
  decodeLogoffResponse,
  encodeLogoffRequest,
  encodeLogoffResponse
} from "../../src/wire/Logoff.js"
import { describeEmptyBody } from "./emptyBodyTesting.js"

describeEmptyBody("LOGOFF", Command.LOGOFF, {
  request: { structure: "LogoffRequest", encode: encodeLogoffRequest, decode: decodeLogoffRequest },
  response: { structure: "LogoffResponse", encode: encodeLogoffResponse, decode: decodeLogoffResponse }
})
