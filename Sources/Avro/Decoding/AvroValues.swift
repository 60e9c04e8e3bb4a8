/// Reusable per-record output of ``AvroRecordDecoder``: one slot per projected field.
///
/// Allocate once per decoder (`AvroValues(count: decoder.fieldCount)`) and reuse it for every
/// record: decoding overwrites every slot and allocates nothing.
///
/// `public` (with `public` inlinable readers) only so that the readers inline into other modules:
/// Swift 6.3 does not inline `@inlinable package` members across modules, which made every
/// `isNull`/`bytes`/`long` of the aggregation hot path a function call. Everything else stays
/// `package` (the initializer, ``Tag``, ``tag(_:)``), so no other module outside the package can
/// construct or fill one.
public struct AvroValues {
    /// What a slot holds.
    @usableFromInline
    package enum Tag: UInt8, Sendable {
        case null
        /// int, long, boolean (0/1) or enum (reader symbol index).
        case long
        /// float or double (floats widened).
        case double
        /// string, bytes or fixed content; for a projected record, array or map, the writer's
        /// binary encoding of the value.
        case bytes
    }

    /// One slot. `start` points into the decoded buffer or the decoder's constant pool.
    @usableFromInline
    struct Slot {
        @usableFromInline var tag: Tag = .null
        @usableFromInline var value: Int64 = 0
        @usableFromInline var start: UnsafeRawPointer?
        @usableFromInline var count: Int = 0

        @usableFromInline
        init(tag: Tag = .null, value: Int64 = 0, start: UnsafeRawPointer? = nil, count: Int = 0) {
            self.tag = tag
            self.value = value
            self.start = start
            self.count = count
        }
    }

    @usableFromInline var slots: [Slot]

    /// Storage for `count` slots (`count` ≥ the decoder's `fieldCount`).
    package init(count: Int) {
        slots = Array(repeating: Slot(), count: count)
    }

    /// Takes the slots of `other`, leaving it empty (no copy, no reference counting beyond the move).
    package init(moving other: inout AvroValues) {
        slots = []
        swap(&slots, &other.slots)
    }

    /// Number of slots.
    @inlinable
    public var count: Int { slots.count }

    /// What slot `slot` holds for the last decoded record.
    @inlinable @inline(__always)
    package func tag(_ slot: Int) -> Tag { slots[slot].tag }

    /// True when the value is null (a union's null branch, or a null default).
    @inlinable @inline(__always)
    public func isNull(_ slot: Int) -> Bool { slots[slot].tag == .null }

    /// int/long (promoted), boolean 0/1, enum: the READER symbol index.
    @inlinable @inline(__always)
    public func long(_ slot: Int) -> Int64 { slots[slot].value }

    /// float/double (and int/long promoted to float/double by the reader schema).
    @inlinable @inline(__always)
    public func double(_ slot: Int) -> Double { Double(bitPattern: UInt64(bitPattern: slots[slot].value)) }

    /// String/bytes/fixed content. Points into the decoded buffer (or the decoder's constant pool
    /// for defaults): valid only while that buffer is alive; do not escape it.
    @inlinable @inline(__always)
    public func bytes(_ slot: Int) -> UnsafeRawBufferPointer {
        let entry = slots[slot]
        return UnsafeRawBufferPointer(start: entry.start, count: entry.count)
    }

    /// The slot's content as a `String` (allocates: for tests and diagnostics, not the hot path).
    package func string(_ slot: Int) -> String? {
        guard slots[slot].tag == .bytes else { return nil }
        return String(decoding: bytes(slot), as: UTF8.self)
    }
}
