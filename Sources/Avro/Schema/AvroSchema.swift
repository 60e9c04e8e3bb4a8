/// A parsed Avro schema (.avsc): the root type plus every named type it defines, by full name.
///
/// Named types are inlined where they are referenced after their definition; a reference to a
/// type from inside its own definition (a recursive type) stays a ``AvroType/reference(_:)``
/// resolved through ``namedTypes``.
public struct AvroSchema: Sendable {
    /// The schema's top-level type.
    package let root: AvroType
    /// Every named type (record, enum, fixed) the schema defines, by full name.
    package let namedTypes: [String: AvroType]
    /// Where the schema came from (a file path or a name), for error messages.
    package let source: String

    package init(root: AvroType, namedTypes: [String: AvroType], source: String) {
        self.root = root
        self.namedTypes = namedTypes
        self.source = source
    }

    /// The full name of the root type when it is named (e.g. `com.telefonica.aura.Aura_Audit`).
    package var fullName: String? { root.fullName }

    /// Follows a ``AvroType/reference(_:)`` to its definition; other types are returned as is.
    package func resolve(_ type: AvroType) -> AvroType {
        if case .reference(let name) = type, let target = namedTypes[name] { return target }
        return type
    }
}
