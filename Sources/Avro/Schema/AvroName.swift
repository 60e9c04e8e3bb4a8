/// The name of a named type: its short name and its namespace.
package struct AvroName: Sendable, Hashable {
    /// The unqualified name (`Aura_Audit`).
    package var name: String
    /// The namespace, nil for the null namespace.
    package var namespace: String?

    package init(name: String, namespace: String?) {
        self.name = name
        self.namespace = (namespace?.isEmpty ?? true) ? nil : namespace
    }

    /// `namespace.name`, or `name` in the null namespace.
    package var fullName: String {
        if let namespace { return namespace + "." + name }
        return name
    }
}
