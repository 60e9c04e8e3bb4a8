/// What delivering one file did.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The file was stored at the destination (a path or blob URL without credentials).
    case delivered(String)
    /// An identical file already existed there (idempotent re-delivery).
    case alreadyPresent(String)
}
