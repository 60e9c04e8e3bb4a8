package import Aggregation
import Foundation
package import Logging

/// The usage `aura-billing reprice` prices, loaded read-only: the partition states merged as the
/// close merges them, and the closes recorded beside them. Loading writes nothing (no checkpoint,
/// journal or offset), so it may run next to a live daemon.
package struct RepriceSource: Sendable {
    package var state: PartitionState
    /// Closes recorded outside the state (close journals, close requests), `OB YYYY-MM`.
    package var closed: Set<String>

    package init(state: PartitionState, closed: Set<String>) {
        self.state = state
        self.closed = closed
    }

    /// A state directory (`aura-billing replay --state DIR`, or a daemon's `state.dir`): the
    /// newest valid generation of every checkpoint in it (`CheckpointStore.load`), merged, and
    /// its close journals. `topics` limits the checkpoints to those topics' stems (the daemon's
    /// `<topic>-<partition>`); nil takes every checkpoint. Blocking.
    package static func stateDirectory(
        _ directory: String, zones: OBTimeZones, topics: [String]? = nil, logger: Logger
    ) throws -> RepriceSource {
        let merged = try StateDirectoryReader.mergedState(directory, zones: zones, topics: topics, logger: logger)
        let journals = try CloseJournal.all(stateDir: directory)
        return RepriceSource(state: merged, closed: Set(journals.map { "\($0.ob) \($0.period)" }))
    }
}
