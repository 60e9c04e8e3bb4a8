import Aggregation

/// Why and where an assigned partition stopped: a transient fault at `offset`, the next offset
/// to read once the fault cleared. Nothing at or after `offset` was counted or quarantined.
struct PartitionPause: Equatable, Sendable {
    /// The bounded set of pause reasons (the `reason` label of the pause metrics).
    enum Reason: String, CaseIterable, Sendable {
        /// A writer schema is not available yet (registry unreachable, 5xx, being fetched).
        case schemaRegistry = "schema-registry"
        /// The quarantine file cannot be written and its backlog in memory is over the bound.
        case quarantineUnwritable = "quarantine-unwritable"
    }

    var offset: Int64
    var reason: Reason
    /// The schema id waited for (`schemaRegistry`).
    var schemaID: Int32? = nil

    /// `topic/partition@offset: reason`, as `/readyz` and the log name it.
    func describe(_ key: PartitionKey) -> String {
        var text = "\(key)@\(offset): \(reason.rawValue)"
        if let schemaID { text += " (schema id \(schemaID))" }
        return text
    }
}
