/// A JSON value kept from a schema (field defaults, logical type attributes).
package indirect enum AvroJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// An integral JSON number.
    case integer(Int64)
    /// A JSON number with a fraction or an exponent.
    case number(Double)
    case string(String)
    case array([AvroJSON])
    case object([String: AvroJSON])
}
