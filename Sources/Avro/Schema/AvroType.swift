/// One node of a parsed Avro schema.
package indirect enum AvroType: Sendable, Equatable {
    /// A primitive type, with its logical type annotation when the schema gives one.
    case primitive(AvroPrimitive, logicalType: AvroLogicalType?)
    case record(AvroRecordSchema)
    case enumeration(AvroEnumSchema)
    case array(items: AvroType)
    case map(values: AvroType)
    case union([AvroType])
    case fixed(AvroFixedSchema)
    /// A named type referenced from inside its own definition (recursive types), by full name.
    case reference(String)

    /// Convenience for an unannotated primitive.
    package static func plain(_ primitive: AvroPrimitive) -> AvroType {
        .primitive(primitive, logicalType: nil)
    }

    /// The full name of a named type (record, enum, fixed, reference), else nil.
    package var fullName: String? {
        switch self {
        case .record(let record): record.name.fullName
        case .enumeration(let enumeration): enumeration.name.fullName
        case .fixed(let fixed): fixed.name.fullName
        case .reference(let name): name
        default: nil
        }
    }

    /// A short human-readable description used in error messages.
    package var displayName: String {
        switch self {
        case .primitive(let primitive, _): primitive.rawValue
        case .record(let record): "record \(record.name.fullName)"
        case .enumeration(let enumeration): "enum \(enumeration.name.fullName)"
        case .array(let items): "array<\(items.displayName)>"
        case .map(let values): "map<\(values.displayName)>"
        case .union(let branches): "[" + branches.map(\.displayName).joined(separator: ", ") + "]"
        case .fixed(let fixed): "fixed \(fixed.name.fullName)(\(fixed.size))"
        case .reference(let name): name
        }
    }
}
