// MS-SMB2 2.2.28, 2.2.29: StructureSize 4, Reserved 0 (the shared cases are in emptyBodyTesting.ts).
import { Command } from "../../src/wire/Command.js"
import {
  decodeEchoRequest,
  decodeEchoResponse,
  encodeEchoRequest,
  encodeEchoResponse
} from "../../src/wire/Echo.js"
import { describeEmptyBody } from "./emptyBodyTesting.js"

describeEmptyBody("ECHO", Command.ECHO, {
  request: { structure: "EchoRequest", encode: encodeEchoRequest, decode: decodeEchoRequest },
  response: { structure: "EchoResponse", encode: encodeEchoResponse, decode: decodeEchoResponse }
})
