package import Aggregation
import Foundation

/// What a preview prices from: the merged state of every source partition, the close's facts
/// about it (progress, idleness, closed and retired periods), and how fresh it is. Taken on one
/// machine by the consumer thread (`ConsumerLoop.publishPreviewIfDue`), scaled out from the
/// changelog (`DistributedCloser.previewView`). A value: pricing it never touches live state.
package struct LiveStateView: Sendable {
    /// Where the states came from.
    package enum Source: String, Sendable, Codable {
        /// The consumer's own partitions (plus the newest checkpoints of any it does not own).
        case live
        /// The newest changelog state of every partition (scale-out).
        case changelog
    }

    /// One source partition's progress when the view was taken.
    package struct Partition: Sendable, Equatable {
        package var key: PartitionKey
        /// Latest event time; nil before the first event.
        package var watermarkMs: Int64?
        /// Next offset to consume; nil when the partition never consumed a record.
        package var nextOffset: Int64?
        /// High watermark minus next offset; nil while unknown.
        package var lag: Int64?
    }

    /// Every source partition's state merged, as `PeriodCloser` merges them for a close.
    var state: PartitionState
    /// The close's facts (`PeriodCloser.facts` / `DistributedCloser.View.facts`) for `.ready`.
    var facts: ClosePlan.Facts
    var partitions: [Partition]
    /// When the last checkpoint (scaled out: the newest changelog state) was taken, ms since the epoch.
    var lastCheckpointMs: Int64?
    /// When the view was taken, ms since the epoch.
    var takenAtMs: Int64
    var source: Source

    /// The OBs the view knows: those with events, a closed period or a time zone.
    var knownOBs: [String] {
        Set(facts.periods.map(\.ob)).union(state.zones.identifiers.keys).sorted()
    }

    static func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
