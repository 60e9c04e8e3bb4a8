import Aggregation
import Foundation

/// What the daemon's state directory holds at one moment: every partition's newest checkpoint,
/// merged, with the figures a soak line reports and the facts it waits for.
struct SoakStateOnDisk {
    /// Every partition's newest checkpoint, merged.
    var merged: PartitionState
    /// Dedup keys over the partitions' checkpoints (summed before merging).
    var dedupKeys: Int
    /// Next offsets over the partitions' checkpoints: messages the checkpoints cover.
    var nextOffsets: Int64
    /// Whether some checkpoint still holds keys of a closed period past the late horizon (the
    /// daemon's housekeeping has not dropped them yet, or not checkpointed since).
    var expiryPending: Bool
    /// Bytes of the files under the state directory, without the previous checkpoint generation
    /// of each partition (see `bytes(under:)`).
    var bytes: Int64

    /// Reads `directory`; throws while a checkpoint cannot be read (e.g. replaced under us).
    init(directory: String, zones: OBTimeZones, horizonMs: Int64) throws {
        let names = Set(
            try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { file -> String? in
                guard file.hasSuffix(".ckpt") else { return nil }
                let stem = file.dropLast(5)
                return stem.lastIndex(of: ".").map { String(stem[..<$0]) }
            })
        var merged = PartitionState(zones: zones)
        var keys = 0
        var offsets: Int64 = 0
        var pending = false
        for name in names.sorted() {
            var state = try CheckpointStore(directory: directory, name: name).load(zones: zones).state
            keys += state.dedup.count
            offsets += state.partitions.reduce(0) { $0 + max(0, $1.nextOffset) }
            try merged.merge(state)
            state.lateHorizonMs = horizonMs
            if state.expireBeyondHorizon() > 0 { pending = true }
        }
        self.merged = merged
        dedupKeys = keys
        nextOffsets = offsets
        expiryPending = pending
        bytes = Self.bytes(under: directory)
    }

    /// Bytes of the regular files under `directory`, recursively, except checkpoint generations
    /// older than their partition's newest (`<name>.<generation>.ckpt` and its delta log
    /// `<name>.<generation>.delta`). The previous generation is the fallback a damaged newest one
    /// falls back to: in a steady flow it is one base older, but a soak idles between months, so
    /// right after a retirement it would stay the state from before the compaction until the
    /// next month's events, and the line would measure when the last base happened to be written
    /// rather than the state.
    static func bytes(under directory: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var total: Int64 = 0
        // Per checkpoint name: generation → bytes of its base and delta log.
        var generations: [String: [String: Int64]] = [:]
        while let relative = walker.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + relative)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            let stem =
                relative.hasSuffix(".ckpt")
                ? relative.dropLast(5) : relative.hasSuffix(".delta") ? relative.dropLast(6) : ""
            if let dot = stem.lastIndex(of: ".") {
                let name = String(stem[..<dot])
                let generation = String(stem[stem.index(after: dot)...])
                generations[name, default: [:]][generation, default: 0] += size
            } else {
                total += size
            }
        }
        for byGeneration in generations.values {
            if let newest = byGeneration.keys.max() { total += byGeneration[newest] ?? 0 }
        }
        return total
    }
}
