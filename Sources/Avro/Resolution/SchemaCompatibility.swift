/// The Avro specification's schema resolution rules (writer → reader), checked once when a
/// decoder is built.
struct SchemaCompatibility {
    let writer: AvroSchema
    let reader: AvroSchema
    /// Record pairs already checked or being checked (recursive types).
    private var visited: Set<String> = []

    init(writer: AvroSchema, reader: AvroSchema) {
        self.writer = writer
        self.reader = reader
    }

    func incompatible(_ path: String, _ detail: String) -> AvroError {
        AvroError(
            .incompatibleSchemas, "field \(path.isEmpty ? "(root)" : path): \(detail)",
            source: "writer \(writer.source), reader \(reader.source)")
    }

    /// Whether a writer primitive can be read as a reader primitive (equal or promoted).
    static func promotes(_ writer: AvroPrimitive, to reader: AvroPrimitive) -> Bool {
        if writer == reader { return true }
        switch (writer, reader) {
        case (.int, .long), (.int, .float), (.int, .double): return true
        case (.long, .float), (.long, .double): return true
        case (.float, .double): return true
        case (.string, .bytes), (.bytes, .string): return true
        default: return false
        }
    }

    /// Named types match by unqualified or full name, or a reader alias.
    static func namesMatch(_ writer: AvroName, _ reader: AvroName, readerAliases: [String]) -> Bool {
        writer.name == reader.name || writer.fullName == reader.fullName
            || readerAliases.contains(writer.name) || readerAliases.contains(writer.fullName)
    }

    /// The reader union branch a (non-union) writer type resolves to: the first branch of the
    /// same kind, else the first it promotes to.
    func readerBranch(for writerType: AvroType, in branches: [AvroType]) -> Int? {
        let w = writer.resolve(writerType)
        for (index, branch) in branches.enumerated() {
            switch (w, reader.resolve(branch)) {
            case (.primitive(let a, _), .primitive(let b, _)) where a == b: return index
            case (.record(let a), .record(let b)) where Self.namesMatch(a.name, b.name, readerAliases: b.aliases):
                return index
            case (.enumeration(let a), .enumeration(let b))
            where Self.namesMatch(a.name, b.name, readerAliases: b.aliases):
                return index
            case (.fixed(let a), .fixed(let b)) where Self.namesMatch(a.name, b.name, readerAliases: b.aliases):
                return index
            case (.array, .array), (.map, .map): return index
            default: continue
            }
        }
        for (index, branch) in branches.enumerated() {
            if case .primitive(let a, _) = w, case .primitive(let b, _) = reader.resolve(branch),
                Self.promotes(a, to: b)
            {
                return index
            }
        }
        return nil
    }

    /// The writer field a reader field reads: same name, or a reader alias.
    static func writerFieldIndex(for readerField: AvroField, in record: AvroRecordSchema) -> Int? {
        if let index = record.fieldIndex(named: readerField.name) { return index }
        for alias in readerField.aliases {
            if let index = record.fieldIndex(named: alias) { return index }
        }
        return nil
    }

    /// Throws when no value of `writerType` can be read as `readerType`.
    mutating func check(_ writerType: AvroType, _ readerType: AvroType, path: String) throws(AvroError) {
        let w = writer.resolve(writerType)
        let r = reader.resolve(readerType)
        switch (w, r) {
        case (.union(let branches), _):
            // Decoding fails only on a writer branch the reader cannot take; reject the pair
            // when no branch resolves.
            var firstError: AvroError?
            for branch in branches {
                do {
                    try check(branch, r, path: path)
                    return
                } catch {
                    firstError = firstError ?? error
                }
            }
            throw firstError ?? incompatible(path, "empty writer union")
        case (_, .union(let branches)):
            guard let index = readerBranch(for: w, in: branches) else {
                throw incompatible(
                    path, "writer type \(w.displayName) matches no branch of reader union \(r.displayName)")
            }
            try check(w, branches[index], path: path)
        case (.primitive(let a, _), .primitive(let b, _)):
            guard Self.promotes(a, to: b) else {
                throw incompatible(path, "writer type \(a.rawValue) cannot be read as \(b.rawValue)")
            }
        case (.record(let wr), .record(let rr)):
            guard Self.namesMatch(wr.name, rr.name, readerAliases: rr.aliases) else {
                throw incompatible(
                    path, "writer record \(wr.name.fullName) does not match reader record \(rr.name.fullName)")
            }
            guard visited.insert(wr.name.fullName + "|" + rr.name.fullName).inserted else { return }
            for field in rr.fields {
                let fieldPath = path.isEmpty ? field.name : path + "." + field.name
                if let index = Self.writerFieldIndex(for: field, in: wr) {
                    try check(wr.fields[index].type, field.type, path: fieldPath)
                } else if let value = field.defaultValue {
                    var scratch: [UInt8] = []
                    try DefaultValueEncoder(schema: reader, path: fieldPath).encode(
                        value, as: field.type, into: &scratch)
                } else {
                    throw incompatible(fieldPath, "reader field is missing from the writer and has no default")
                }
            }
        case (.enumeration(let we), .enumeration(let re)):
            guard Self.namesMatch(we.name, re.name, readerAliases: re.aliases) else {
                throw incompatible(
                    path, "writer enum \(we.name.fullName) does not match reader enum \(re.name.fullName)")
            }
        case (.fixed(let wf), .fixed(let rf)):
            guard Self.namesMatch(wf.name, rf.name, readerAliases: rf.aliases), wf.size == rf.size else {
                throw incompatible(path, "writer \(w.displayName) does not match reader \(r.displayName)")
            }
        case (.array(let wi), .array(let ri)):
            try check(wi, ri, path: path + "[]")
        case (.map(let wv), .map(let rv)):
            try check(wv, rv, path: path + "{}")
        default:
            throw incompatible(path, "writer type \(w.displayName) cannot be read as \(r.displayName)")
        }
    }
}
