extension PartitionState {
    /// The id of an event's OB code, interning it on first sight.
    ///
    /// Checks the shape first (`.badOBCode`), and interns a new code only once its time zone is
    /// known: an OB without one fails with `.unknownTimeZone` and leaves nothing behind, so a
    /// stream of unknown codes cannot fill the table (each such event costs one `String`, on
    /// the error path only).
    @inline(__always)
    mutating func internOB(_ bytes: UnsafeRawBufferPointer, field: StaticString) throws(AggregationError) -> UInt32 {
        try InputLimits.checkOB(bytes, field: field)
        if let id = strings.existing(bytes) { return id }
        return try internNewOB(bytes, field: field)
    }

    @inline(never)
    private mutating func internNewOB(_ bytes: UnsafeRawBufferPointer, field: StaticString) throws(AggregationError)
        -> UInt32
    {
        let ob = String(decoding: bytes, as: UTF8.self)
        guard zones.calendar(forOB: ob) != nil else {
            throw AggregationError(.unknownTimeZone, "OB \"\(ob)\" has no time zone", source: ob)
        }
        return try internID(bytes, field: field)
    }

    /// The id of an event's id field (component, app), interning it if new and there is room.
    /// - Throws: `.fieldTooLong` past `InputLimits.maxIDBytes`, `.tooManyStrings` when the
    ///   state holds `limits.maxStrings` strings already.
    @inline(__always)
    mutating func internID(_ bytes: UnsafeRawBufferPointer, field: StaticString) throws(AggregationError) -> UInt32 {
        try InputLimits.checkID(bytes, field: field)
        guard let id = strings.intern(bytes, limit: limits.maxStrings) else {
            throw AggregationError(
                .tooManyStrings,
                "a new \(field) would pass the limit of \(limits.maxStrings) strings in this partition's state",
                source: "\(field)")
        }
        return id
    }

    /// The error for an event that needs a new aggregate row when the state is at `limits.maxRows`.
    @inline(never)
    func tooManyRows() -> AggregationError {
        AggregationError(
            .tooManyRows,
            "a new aggregate row would pass the limit of \(limits.maxRows) rows in this partition's state"
                + " (limits.max_rows_per_partition)",
            source: "rows")
    }

    /// Whether a new aggregate row may be added under `limits.maxRows`.
    @inline(__always)
    var hasRoomForRow: Bool { auditRows.count + gatewayRows.count < limits.maxRows }
}
