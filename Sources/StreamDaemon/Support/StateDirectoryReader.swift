import Aggregation
import Foundation
import Logging

/// Reads a state directory without writing to it (a replay's `--state DIR`, or a daemon's
/// `state.dir`, possibly while the daemon runs): `aura-billing reprice` and `explain --state`.
enum StateDirectoryReader {
    /// The newest valid generation of every checkpoint in `directory` (`CheckpointStore.load`),
    /// merged as the close merges partitions; `topics` limits them to those topics' partitions
    /// (nil: every checkpoint). Blocking.
    /// - Throws: `.usage` when the directory does not exist or holds no checkpoint; the store's
    ///   error when a checkpoint cannot be loaded.
    static func mergedState(_ directory: String, zones: OBTimeZones, topics: [String]? = nil, logger: Logger)
        throws -> PartitionState
    {
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
        return merged
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
