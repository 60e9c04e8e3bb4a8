/// A compiled resolution of a writer schema against a reader schema, projecting top-level reader
/// fields to slots of ``AvroValues``.
///
/// The resolved schema is compiled once into a flat plan of instructions (read a varint into a
/// slot, skip a string, dispatch on a union index, remap an enum, ...); decoding a record runs
/// the plan over an `UnsafeRawBufferPointer` without allocating.
///
/// `@unchecked Sendable`: every stored pointer is allocated and filled in `init`, never written
/// afterwards, and freed in `deinit`; decoding only reads it, so sharing across threads is safe.
package final class AvroRecordDecoder: @unchecked Sendable {
    /// The writer and reader schemas this decoder resolves.
    package let writer: AvroSchema
    package let reader: AvroSchema
    /// The projected reader fields, in slot order.
    package let fields: [String]

    /// The fewest bytes one writer record can occupy (0 when records may be empty): lets callers
    /// reject record counts a buffer cannot hold before looping over them.
    package let minimumRecordSize: Int

    private let ops: UnsafeMutableBufferPointer<DecodeOp>
    private let programs: UnsafeMutableBufferPointer<DecodePlan.ProgramRange>
    private let branchOps: UnsafeMutableBufferPointer<DecodeOp>
    private let enumTables: UnsafeMutableBufferPointer<Int32>
    private let constants: UnsafeMutableBufferPointer<AvroValues.Slot>
    /// Bytes of constant (default) values; `constants` point into it.
    private let pool: UnsafeMutableRawBufferPointer
    /// Stand-in slot storage when a caller decodes with zero projected fields (never written).
    private let emptySlots: UnsafeMutablePointer<AvroValues.Slot>
    private let messages: [String]
    private let enumMessageIndex: [Int32: Int32]
    private let topProgram: Int32

    /// `fields`: names of top-level fields of the *reader* record to extract, in slot order.
    /// Throws when writer/reader are incompatible (message names the field) or a field is unknown.
    package init(writer: AvroSchema, reader: AvroSchema, fields: [String]) throws(AvroError) {
        var compiler = PlanCompiler(writer: writer, reader: reader)
        let plan = try compiler.compile(fields: fields)
        self.writer = writer
        self.reader = reader
        self.fields = fields
        self.minimumRecordSize = plan.minimumRecordSize

        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
            _ = buffer.initialize(from: array)
            return buffer
        }
        ops = copy(plan.ops)
        programs = copy(plan.programs)
        branchOps = copy(plan.branchOps)
        enumTables = copy(plan.enumTables)

        let poolSize = plan.constants.reduce(0) { $0 + $1.bytes.count }
        pool = UnsafeMutableRawBufferPointer.allocate(byteCount: max(poolSize, 1), alignment: 8)
        var slots: [AvroValues.Slot] = []
        var position = 0
        for constant in plan.constants {
            let start = pool.baseAddress! + position
            constant.bytes.withUnsafeBytes { source in
                if source.count > 0 { start.copyMemory(from: source.baseAddress!, byteCount: source.count) }
            }
            slots.append(
                AvroValues.Slot(
                    tag: constant.tag, value: constant.value,
                    start: constant.tag == .bytes ? UnsafeRawPointer(start) : nil,
                    count: constant.bytes.count))
            position += constant.bytes.count
        }
        constants = copy(slots)
        emptySlots = UnsafeMutablePointer<AvroValues.Slot>.allocate(capacity: 1)
        emptySlots.initialize(to: AvroValues.Slot())
        messages = plan.messages
        enumMessageIndex = plan.enumMessageIndex
        topProgram = plan.topProgram
    }

    deinit {
        ops.deallocate()
        programs.deallocate()
        branchOps.deallocate()
        enumTables.deallocate()
        constants.deallocate()
        pool.deallocate()
        emptySlots.deallocate()
    }

    /// Number of projected fields (slots).
    package var fieldCount: Int { fields.count }

    /// Decodes one record starting at `offset` in `buffer`, advances `offset` past it, and fills
    /// `values` (slot i = fields[i]). Skips unprojected fields cheaply. Errors carry byte offsets
    /// relative to the start of `buffer`.
    package func decode(
        _ buffer: UnsafeRawBufferPointer, offset: inout Int, into values: inout AvroValues
    ) throws(AvroError) {
        try decode(buffer, offset: &offset, into: &values, asciiOnly: false)
    }

    /// ``decode(_:offset:into:)``, on the ASCII fast path when `asciiOnly` (see
    /// `DecodeMachine+ASCII.swift`): strings need no UTF-8 validation of their own and varints
    /// are one byte.
    ///
    /// Invariant (the caller's; checking it here would cost the scan it saves): `asciiOnly` is
    /// true only when ``UTF8Validation/isASCII(_:count:)`` returned true for the whole of
    /// `buffer`. Reads stay bounds-checked per field either way.
    @inline(__always)
    func decode(
        _ buffer: UnsafeRawBufferPointer, offset: inout Int, into values: inout AvroValues, asciiOnly: Bool
    ) throws(AvroError) {
        // Invariant: a values buffer smaller than the projection is a programming error.
        precondition(values.count >= fieldCount, "AvroValues has fewer slots than the decoder projects")
        guard offset >= 0, offset <= buffer.count else {
            throw AvroError(.truncated, "record starts past the end of the buffer", offset: offset)
        }
        // An empty buffer has no base address: any read then fails its bounds check.
        let base = buffer.baseAddress ?? UnsafeRawPointer(pool.baseAddress!)
        let start = offset
        let emptySlots = self.emptySlots
        let end = try values.slots.withUnsafeMutableBufferPointer { (slots) throws(AvroError) -> Int in
            // The slot pointer is used only inside this closure: do not escape it.
            var machine = DecodeMachine(
                base: base, end: buffer.count, ops: UnsafePointer(ops.baseAddress!),
                programs: UnsafePointer(programs.baseAddress!), branchOps: UnsafePointer(branchOps.baseAddress!),
                enumTables: UnsafePointer(enumTables.baseAddress!), constants: UnsafePointer(constants.baseAddress!),
                slots: slots.baseAddress ?? emptySlots, decoder: self, asciiOnly: asciiOnly, offset: start)
            try machine.run(program: topProgram)
            return machine.offset
        }
        offset = end
    }

    /// The message of a `failBranch` instruction.
    func message(_ index: Int) -> String { messages[index] }

    /// Message for a writer enum symbol the reader cannot map.
    func enumMessage(table: Int32, index: Int) -> String {
        guard let messageIndex = enumMessageIndex[table] else { return "enum symbol \(index) unknown to the reader" }
        let text = messages[Int(messageIndex)]
        let parts = text.split(separator: "|", maxSplits: 1)
        let symbols = parts.count > 1 ? parts[1].split(separator: ",") : []
        let symbol = index < symbols.count ? String(symbols[index]) : "#\(index)"
        return "\(parts[0]): symbol \(symbol) is not in the reader enum, which has no default"
    }
}
