/**
 * effect-smb/wire: the pure SMB2 codecs, one namespace per module (the header, commands and
 * statuses, every message body, negotiate and create contexts, information classes, the transform
 * headers, compounds, the SMB1 negotiate that opens a multi-protocol negotiation) and the
 * bounds-checked Reader they are built on. No Effect services: plain functions over Uint8Array
 * that return `Either` where decoding can fail. Namespaces keep the modules' names apart
 * (`Negotiate.Dialect`, `NegotiateContext.Cipher`, each body's `encode*`/`decode*`).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cancel from "./Cancel.js"

/** @since 0.1.0 */
export * as ChangeNotify from "./ChangeNotify.js"

/** @since 0.1.0 */
export * as Close from "./Close.js"

/** @since 0.1.0 */
export * as Command from "./Command.js"

/** @since 0.1.0 */
export * as Compound from "./Compound.js"

/** @since 0.1.0 */
export * as CompressionTransformHeader from "./CompressionTransformHeader.js"

/** @since 0.1.0 */
export * as CopyChunk from "./CopyChunk.js"

/** @since 0.1.0 */
export * as Create from "./Create.js"

/** @since 0.1.0 */
export * as CreateContext from "./CreateContext.js"

/** @since 0.1.0 */
export * as DfsReferral from "./DfsReferral.js"

/** @since 0.1.0 */
export * as Echo from "./Echo.js"

/** @since 0.1.0 */
export * as ErrorResponse from "./ErrorResponse.js"

/** @since 0.1.0 */
export * as FileIdOffset from "./FileIdOffset.js"

/** @since 0.1.0 */
export * as FileInformation from "./FileInformation.js"

/** @since 0.1.0 */
export * as FileTime from "./FileTime.js"

/** @since 0.1.0 */
export * as Flush from "./Flush.js"
/** @since 0.1.0 */
export * as Lock from "./Lock.js"

/** @since 0.1.0 */
export * as Header from "./Header.js"

/** @since 0.1.0 */
export * as Ioctl from "./Ioctl.js"

/** @since 0.1.0 */
export * as Logoff from "./Logoff.js"

/** @since 0.1.0 */
export * as Negotiate from "./Negotiate.js"

/** @since 0.1.0 */
export * as NegotiateContext from "./NegotiateContext.js"

/** @since 0.1.0 */
export * as OplockBreak from "./OplockBreak.js"

/** @since 0.1.0 */
export * as QueryDirectory from "./QueryDirectory.js"

/** @since 0.1.0 */
export * as QueryInfo from "./QueryInfo.js"

/** @since 0.1.0 */
export * as Read from "./Read.js"

/** @since 0.1.0 */
export * as Reader from "./Reader.js"

/** @since 0.1.0 */
export * as SecurityDescriptor from "./SecurityDescriptor.js"

/** @since 0.1.0 */
export * as ServerNotification from "./ServerNotification.js"

/** @since 0.1.0 */
export * as SessionSetup from "./SessionSetup.js"

/** @since 0.1.0 */
export * as SetInfo from "./SetInfo.js"

/** @since 0.1.0 */
export * as Smb1Negotiate from "./Smb1Negotiate.js"

/** @since 0.1.0 */
export * as Status from "./Status.js"

/** @since 0.1.0 */
export * as TransformHeader from "./TransformHeader.js"

/** @since 0.1.0 */
export * as TreeConnect from "./TreeConnect.js"

/** @since 0.1.0 */
export * as TreeDisconnect from "./TreeDisconnect.js"

/** @since 0.1.0 */
export * as Write from "./Write.js"
