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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw DaemonError(.usage, "the state directory does not exist", source: directory)
        }
        let stems = checkpointNames(in: directory, topics: topics)
        guard !stems.isEmpty else {
            throw DaemonError(.usage, "no checkpoint in the state directory", source: directory)
        }
        var merged = PartitionState(zones: zones)
        for name in stems {
            let store = CheckpointStore(directory: directory, name: name, logger: logger)
            try merged.merge(try store.load(zones: zones).state)
        }
        let journals = try CloseJournal.all(stateDir: directory)
        return RepriceSource(state: merged, closed: Set(journals.map { "\($0.ob) \($0.period)" }))
    }

    /// Checkpoint stems (`<name>.<20 digits>.ckpt`) in `directory`, sorted; with `topics`, only
    /// `<topic>-<partition>` stems of those topics (as `BillingEngine.mergedState` picks them).
    static func checkpointNames(in directory: String, topics: [String]?) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var names = Set<String>()
        for file in files where file.hasSuffix(".ckpt") {
            let stem = file.dropLast(".ckpt".count)
            guard let dot = stem.lastIndex(of: "."), stem.distance(from: dot, to: stem.endIndex) == 21 else { continue }
            let name = String(stem[..<dot])
            if let topics {
                guard topics.contains(where: { name.hasPrefix($0 + "-") && Int32(name.dropFirst($0.count + 1)) != nil })
                else { continue }
            }
            names.insert(name)
        }
        return names.sorted()
    }
}
