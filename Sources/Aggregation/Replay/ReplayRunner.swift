import Avro
package import Logging

/// `aura-billing replay`: Avro container files through decode → aggregate → checkpoint.
///
/// Each file is a partition (`topic` = its path, `partition` 0, offset = record index), so a
/// replay with a state directory resumes after a crash exactly where its last checkpoint left
/// off and produces the same result as an uninterrupted run. Synchronous and blocking.
///
/// Records are counted a container block at a time: a block's records are decoded into events
/// that point into the block's buffer, then counted together through the batched
/// `PartitionState.ingest(_:source:outcomes:)` (the daemon's path, which overlaps the cache
/// misses of consecutive events). Checkpoints, progress lines and the crash hook act between
/// blocks, so a checkpoint always ends on a block boundary and a resumed run starts at one.
/// With a grace period, events are counted one at a time within the block, each followed by
/// the close check, so closes (and hence late events) are exactly those of a record-by-record
/// run.
package struct ReplayRunner {
    package struct Options: Sendable {
        /// Close (OB, period) pairs once they are ready with this grace (checked as events
        /// arrive; each file is a partition, see `run`); `nil` never closes, so nothing is late.
        package var graceMs: Int64?
        /// Checkpoint directory; `nil` runs in memory only.
        package var stateDirectory: String?
        /// Checkpoint at the first block end after this many records since the last checkpoint;
        /// `nil`: no record trigger. A checkpoint is also written after each file.
        package var checkpointEveryRecords: Int?
        /// Checkpoint at the first block end this many seconds after the last checkpoint (or the
        /// start); `nil`: no time trigger. The command's default is
        /// `ReplayRunner.defaultCheckpointIntervalSeconds`.
        package var checkpointIntervalSeconds: Double?
        /// Report progress (`<file>: <record index> records`, the index past the block) at the
        /// end of each block in which the records of this run reach a multiple of this.
        package var progressEveryRecords: Int = 500_000
        /// Test hook: stop abruptly (no checkpoint) once this many records of this run are
        /// counted, throwing `.simulatedCrash` — the effect of `kill -9` between two
        /// checkpoints. When the count falls inside a block, the records of the block up to it
        /// are counted first (the crash comes in the middle of the block).
        package var crashAfterRecords: Int?

        package init(graceMs: Int64? = nil, stateDirectory: String? = nil) {
            self.graceMs = graceMs
            self.stateDirectory = stateDirectory
        }
    }

    /// The command's checkpoint interval: a kill loses at most about this much replay work,
    /// and a replay shorter than it writes one checkpoint per file.
    package static let defaultCheckpointIntervalSeconds = 30.0

    package let zones: OBTimeZones
    package let options: Options
    let logger: Logger
    let progress: (String) -> Void

    /// - Parameter progress: receives a line now and then (the command prints it on stderr).
    package init(
        zones: OBTimeZones, options: Options, logger: Logger = Logger(label: "aura.replay"),
        progress: @escaping (String) -> Void = { _ in }
    ) {
        self.zones = zones
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    /// Replays `files` in order (resuming from the state directory if it has a checkpoint).
    ///
    /// With a grace period, an (OB, period) closes when every file's watermark is past its end
    /// plus the grace, where files already read count as idle (past everything) and files not
    /// yet started hold every period open.
    package func run(files: [String]) throws(AggregationError) -> PartitionState {
        try runCounting(files: files).state
    }

    /// `run(files:)`, also returning how many records this run processed (fewer than the files
    /// hold when it resumed from a checkpoint).
    package func runCounting(files: [String]) throws(AggregationError) -> (state: PartitionState, processed: Int) {
        let store = options.stateDirectory.map { CheckpointStore(directory: $0, name: "replay", logger: logger) }
        var run = ReplayRun(
            state: try store?.loadForStart(zones: zones, expectingOffsets: false)?.state
                ?? PartitionState(zones: zones),
            options: options, store: store, files: files)
        for path in files {
            try replay(path, into: &run)
            run.finished.insert(path)
        }
        return (run.state, run.processed)
    }

    /// Replays one file block by block.
    private func replay(_ path: String, into run: inout ReplayRun) throws(AggregationError) {
        let source = run.state.source(PartitionKey(topic: path, partition: 0))
        let skip = max(0, run.state.partitions[source].nextOffset)
        let reader: AvroContainerReader
        do {
            reader = try AvroContainerReader(path: path)
        } catch {
            throw AggregationError(.decode, "\(error)", source: path)
        }
        var file = try ReplayFile(writer: reader.writerSchema, path: path)
        var index: Int64 = 0
        var failure: AggregationError?
        do {
            try reader.forEachBlockOfRecords { block in
                let blockOffset = block.fileOffset
                // A framing fault of the whole block, named by file and block.
                func blockFault(_ error: AvroError) -> AggregationError {
                    AggregationError(.decode, error.message, source: "\(path) (block at byte \(blockOffset))")
                }
                let blockStart = index
                let blockEnd = index + Int64(block.count)  // record index past this block
                index = blockEnd
                // Blocks a checkpoint already covers are not decoded (their framing was checked
                // by the run that counted them).
                if blockEnd <= skip { return }
                // A count the block cannot hold is a corrupt file, not records to quarantine.
                do throws(AvroError) { try block.checkCount(for: file.decoder) } catch { throw blockFault(error) }
                // The crash hook, inside or at the end of this block.
                var stop = blockEnd
                if let crash = options.crashAfterRecords {
                    let first = max(blockStart, skip)
                    stop = min(blockEnd, first + Int64(max(0, crash - run.processed)))
                }
                let framed = file.decode(
                    &block, from: blockStart, skipping: skip, upTo: stop, source: source, state: &run.state,
                    logger: logger)
                if framed && stop == blockEnd {
                    do throws(AvroError) { try block.checkEnd() } catch { throw blockFault(error) }
                }
                file.count(source: source, run: &run, graceMs: options.graceMs)
                // A block whose framing broke was quarantined up to its end.
                run.advance(by: Int((framed ? stop : blockEnd) - max(blockStart, skip)))
                if stop < blockEnd || (options.crashAfterRecords.map { run.processed >= $0 } ?? false) {
                    throw AggregationError(.simulatedCrash, "stopped after \(run.processed) records", source: path)
                }
                if run.progressDue(every: options.progressEveryRecords) {
                    progress("\(path): \(blockEnd) records")
                }
                try run.checkpointIfDue()
            }
        } catch let error as AggregationError {
            failure = error
        } catch {
            failure = AggregationError(.decode, "\(error)", source: path)
        }
        if let failure { throw failure }
        try run.checkpointIfDirty()
        progress("\(path): \(index) records done")
    }
}
