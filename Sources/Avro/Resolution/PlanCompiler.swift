/// Compiles a writer/reader schema pair and a field projection into a ``DecodePlan``.
struct PlanCompiler {
    let writer: AvroSchema
    let reader: AvroSchema
    private var compatibility: SchemaCompatibility
    private var plan = DecodePlan()
    /// Programs under construction, by index (flattened into `plan.ops` at the end).
    private var programBodies: [[DecodeOp]] = []
    /// Skip program of each writer record, by full name (recursive types reuse it).
    private var recordSkipPrograms: [String: Int32] = [:]

    init(writer: AvroSchema, reader: AvroSchema) {
        self.writer = writer
        self.reader = reader
        self.compatibility = SchemaCompatibility(writer: writer, reader: reader)
    }

    private mutating func newProgram() -> Int32 {
        programBodies.append([])
        return Int32(programBodies.count - 1)
    }

    private mutating func appendBranches(_ branches: [DecodeOp]) -> Int32 {
        let start = Int32(plan.branchOps.count)
        plan.branchOps.append(contentsOf: branches)
        return start
    }

    private mutating func addMessage(_ message: String) -> Int32 {
        plan.messages.append(message)
        return Int32(plan.messages.count - 1)
    }

    // MARK: Skipping (writer schema only)

    /// Minimum encoded size of a writer value (0 for null, empty records, fixed(0)).
    func minimumSize(_ type: AvroType, depth: Int = 0) -> Int32 {
        if depth > 32 { return 0 }
        switch writer.resolve(type) {
        case .primitive(.null, _): return 0
        case .primitive(.float, _): return 4
        case .primitive(.double, _): return 8
        case .primitive: return 1
        case .fixed(let fixed): return Int32(min(fixed.size, Int(Int32.max)))
        case .record(let record):
            var total: Int32 = 0
            for field in record.fields { total = min(total &+ minimumSize(field.type, depth: depth + 1), 1 << 20) }
            return total
        default: return 1
        }
    }

    /// The instruction that validates and discards a writer value.
    private mutating func skipOp(_ type: AvroType) -> DecodeOp {
        switch writer.resolve(type) {
        case .primitive(let primitive, _):
            switch primitive {
            case .null: return DecodeOp(.nop)
            case .boolean: return DecodeOp(.skipBoolean)
            case .int, .long: return DecodeOp(.skipVarint)
            case .float: return DecodeOp(.skipFixed, arg: 4)
            case .double: return DecodeOp(.skipFixed, arg: 8)
            case .bytes: return DecodeOp(.skipBytes)
            case .string: return DecodeOp(.skipString)
            }
        case .fixed(let fixed):
            return DecodeOp(.skipFixed, arg: Int32(fixed.size))
        case .enumeration(let enumeration):
            return DecodeOp(.skipEnum, arg2: Int32(enumeration.symbols.count))
        case .union(let branches):
            let ops = branches.map { skipOp($0) }
            if ops.count == 2 && ops[0].kind == .nop && ops[1].kind == .skipString {
                return DecodeOp(.skipNullableString)
            }
            return DecodeOp(.skipUnion, arg: appendBranches(ops), arg2: Int32(ops.count))
        case .array(let items):
            return DecodeOp(.skipArray, arg: skipProgram(items), arg2: minimumSize(items))
        case .map(let values):
            return DecodeOp(.skipMap, arg: skipProgram(values), arg2: minimumSize(values))
        case .record(let record):
            return DecodeOp(.call, arg: recordSkipProgram(record))
        case .reference(let name):
            // Unresolvable references cannot come out of the parser; treat as empty.
            return DecodeOp(.nop, arg: addMessage(name))
        }
    }

    /// A program that skips one writer value.
    private mutating func skipProgram(_ type: AvroType) -> Int32 {
        if case .record(let record) = writer.resolve(type) { return recordSkipProgram(record) }
        let program = newProgram()
        let op = skipOp(type)
        programBodies[Int(program)] = [op]
        return program
    }

    private mutating func recordSkipProgram(_ record: AvroRecordSchema) -> Int32 {
        if let existing = recordSkipPrograms[record.name.fullName] { return existing }
        let program = newProgram()
        recordSkipPrograms[record.name.fullName] = program
        var body: [DecodeOp] = []
        for field in record.fields {
            let op = skipOp(field.type)
            if op.kind != .nop { body.append(op) }
        }
        programBodies[Int(program)] = body
        return program
    }

    // MARK: Projection

    /// The instruction that reads a writer value into `slot` as the reader type.
    private mutating func readOp(_ writerType: AvroType, _ readerType: AvroType, slot: Int32, path: String)
        throws(AvroError) -> DecodeOp
    {
        let w = writer.resolve(writerType)
        let r = reader.resolve(readerType)
        if case .union(let branches) = w {
            var ops: [DecodeOp] = []
            var firstError: AvroError?
            for branch in branches {
                do {
                    ops.append(try readOp(branch, r, slot: slot, path: path))
                } catch {
                    firstError = firstError ?? error
                    let message = addMessage(
                        "field \(path): writer union branch \(writer.resolve(branch).displayName) cannot be read as \(r.displayName)"
                    )
                    ops.append(DecodeOp(.failBranch, slot: slot, arg: message))
                }
            }
            if let firstError, !ops.contains(where: { $0.kind != .failBranch }) { throw firstError }
            if ops.count == 2 && ops[0].kind == .setNull && ops[1].kind == .readString {
                return DecodeOp(.readNullableString, slot: slot)
            }
            return DecodeOp(.readUnion, slot: slot, arg: appendBranches(ops), arg2: Int32(ops.count))
        }
        if case .union(let branches) = r {
            guard let index = compatibility.readerBranch(for: w, in: branches) else {
                throw compatibility.incompatible(
                    path, "writer type \(w.displayName) matches no branch of reader union \(r.displayName)")
            }
            return try readOp(w, branches[index], slot: slot, path: path)
        }
        switch (w, r) {
        case (.primitive(let a, _), .primitive(let b, _)):
            guard SchemaCompatibility.promotes(a, to: b) else {
                throw compatibility.incompatible(path, "writer type \(a.rawValue) cannot be read as \(b.rawValue)")
            }
            switch (a, b) {
            case (.null, _): return DecodeOp(.setNull, slot: slot)
            case (.boolean, _): return DecodeOp(.readBoolean, slot: slot)
            case (.int, .int), (.int, .long), (.long, .long): return DecodeOp(.readLong, slot: slot)
            case (.int, _), (.long, _): return DecodeOp(.readLongAsDouble, slot: slot)
            case (.float, _): return DecodeOp(.readFloat, slot: slot)
            case (.double, _): return DecodeOp(.readDouble, slot: slot)
            case (_, .string): return DecodeOp(.readString, slot: slot)
            default: return DecodeOp(.readBytes, slot: slot)
            }
        case (.enumeration(let we), .enumeration(let re)):
            try compatibility.check(w, r, path: path)
            let start = Int32(plan.enumTables.count)
            let fallback = re.defaultSymbol.flatMap { re.symbols.firstIndex(of: $0) }
            for symbol in we.symbols {
                plan.enumTables.append(Int32(re.symbols.firstIndex(of: symbol) ?? fallback ?? -1))
            }
            // Messages for unmapped symbols are found by table start (see enumMessage).
            plan.messages.append("field \(path): writer enum \(we.name.fullName)|" + we.symbols.joined(separator: ","))
            plan.enumMessageIndex[start] = Int32(plan.messages.count - 1)
            return DecodeOp(.readEnum, slot: slot, arg: start, arg2: Int32(we.symbols.count))
        case (.fixed(let wf), .fixed):
            try compatibility.check(w, r, path: path)
            return DecodeOp(.readFixed, slot: slot, arg: Int32(wf.size))
        default:
            // record, array, map (or a mismatch, which check reports).
            try compatibility.check(w, r, path: path)
            return DecodeOp(.capture, slot: slot, arg: skipProgram(w))
        }
    }

    /// Merges runs of consecutive skipped strings / nullable strings into one instruction each.
    static func fuseRuns(_ body: [DecodeOp]) -> [DecodeOp] {
        var out: [DecodeOp] = []
        for op in body {
            if let last = out.last {
                switch (last.kind, op.kind) {
                case (.skipString, .skipString):
                    out[out.count - 1] = DecodeOp(.skipStrings, arg: 2)
                    continue
                case (.skipStrings, .skipString):
                    out[out.count - 1].arg += 1
                    continue
                case (.skipNullableString, .skipNullableString):
                    out[out.count - 1] = DecodeOp(.skipNullableStrings, arg: 2)
                    continue
                case (.skipNullableStrings, .skipNullableString):
                    out[out.count - 1].arg += 1
                    continue
                default:
                    break
                }
            }
            out.append(op)
        }
        return out
    }

    /// Compiles the top-level program: every writer field read into its slot or skipped, then
    /// defaults for projected reader fields the writer lacks.
    mutating func compile(fields: [String]) throws(AvroError) -> DecodePlan {
        guard case .record(let writerRecord) = writer.resolve(writer.root) else {
            throw AvroError(.incompatibleSchemas, "the writer schema is not a record", source: writer.source)
        }
        guard case .record(let readerRecord) = reader.resolve(reader.root) else {
            throw AvroError(.incompatibleSchemas, "the reader schema is not a record", source: reader.source)
        }
        // Whole-schema compatibility (names every incompatible field, projected or not).
        try compatibility.check(writer.root, reader.root, path: "")

        var slotOfReaderField: [Int: Int32] = [:]
        for (slot, name) in fields.enumerated() {
            guard let index = readerRecord.fieldIndex(named: name) else {
                throw AvroError(
                    .incompatibleSchemas, "field \(name): not a field of reader record \(readerRecord.name.fullName)",
                    source: reader.source)
            }
            guard slotOfReaderField[index] == nil else {
                throw AvroError(.incompatibleSchemas, "field \(name): projected twice", source: reader.source)
            }
            slotOfReaderField[index] = Int32(slot)
        }

        let top = newProgram()
        plan.topProgram = top
        var body: [DecodeOp] = []
        var readerFieldsRead: Set<Int> = []
        for writerField in writerRecord.fields {
            let readerIndex = readerRecord.fields.firstIndex {
                $0.name == writerField.name || $0.aliases.contains(writerField.name)
            }
            if let readerIndex, let slot = slotOfReaderField[readerIndex] {
                readerFieldsRead.insert(readerIndex)
                let readerField = readerRecord.fields[readerIndex]
                body.append(try readOp(writerField.type, readerField.type, slot: slot, path: readerField.name))
            } else {
                let op = skipOp(writerField.type)
                if op.kind != .nop { body.append(op) }
            }
        }
        for (readerIndex, slot) in slotOfReaderField.sorted(by: { $0.value < $1.value })
        where !readerFieldsRead.contains(readerIndex) {
            let field = readerRecord.fields[readerIndex]
            guard let value = field.defaultValue else {
                throw compatibility.incompatible(
                    field.name, "reader field is missing from the writer and has no default")
            }
            let constant = try DefaultValueEncoder(schema: reader, path: field.name).constant(value, as: field.type)
            plan.constants.append(constant)
            body.append(DecodeOp(.loadConstant, slot: slot, arg: Int32(plan.constants.count - 1)))
        }
        programBodies[Int(top)] = body
        plan.minimumRecordSize = Int(minimumSize(writer.root))

        for index in programBodies.indices {
            programBodies[index] = Self.fuseRuns(programBodies[index])
        }
        for program in programBodies {
            plan.programs.append(DecodePlan.ProgramRange(start: Int32(plan.ops.count), count: Int32(program.count)))
            plan.ops.append(contentsOf: program)
        }
        return plan
    }
}
