// MS-SMB2 2.2.11, 2.2.12: StructureSize 4, Reserved 0 (the shared cases are in emptyBodyTesting.ts).
import { Command } from "../../src/wire/Command.js"
import {
  decodeTreeDisconnectRequest,
  decodeTreeDisconnectResponse,
  encodeTreeDisconnectRequest,
  encodeTreeDisconnectResponse
} from "../../src/wire/TreeDisconnect.js"
import { describeEmptyBody } from "./emptyBodyTesting.js"

describeEmptyBody("TREE_DISCONNECT", Command.TREE_DISCONNECT, {
  request: { structure: "TreeDisconnectRequest", encode: encodeTreeDisconnectRequest, decode: decodeTreeDisconnectRequest },
  response: { structure: "TreeDisconnectResponse", encode: encodeTreeDisconnectResponse, decode: decodeTreeDisconnectResponse }
})
