/// A 128-bit dedup key: the hash of an event's primary key. `(0, 0)` is reserved for empty slots.
package struct Fingerprint: Hashable, Sendable {
    package var lo: UInt64
    package var hi: UInt64

    package init(lo: UInt64, hi: UInt64) {
        self.lo = lo
        self.hi = hi
    }

    /// Domain byte of audit keys: INTERACTION_ID ⟂ AURA_COMPONENT_ID.
    package static let auditDomain: UInt8 = 0x41
    /// Domain byte of gateway keys: MESSAGE_ID.
    package static let gatewayDomain: UInt8 = 0x47

    /// Fingerprint of an audit event's key (INTERACTION_ID, AURA_COMPONENT_ID).
    package static func audit(interactionID: UnsafeRawBufferPointer, componentID: UnsafeRawBufferPointer) -> Fingerprint
    {
        ByteHash.fingerprint(domain: auditDomain, interactionID, componentID)
    }

    /// Fingerprint of a gateway message's key (MESSAGE_ID).
    package static func gateway(messageID: UnsafeRawBufferPointer) -> Fingerprint {
        ByteHash.fingerprint(domain: gatewayDomain, messageID, UnsafeRawBufferPointer(start: nil, count: 0))
    }
}
