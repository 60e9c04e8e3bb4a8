package import Aggregation
import Logging

/// Restoring a partition state from the changelog: the newest base whose chunks are readable,
/// then its deltas in order.
extension ChangelogStore {
    /// A restored partition state: the newest record applied, the base's checkpoint bytes, how
    /// many deltas followed it, and why newer records were not applied.
    package struct Restored {
        /// The newest record the state includes (the base, or its last delta applied).
        package var manifest: ChangelogManifest
        /// The base's manifest.
        package var baseManifest: ChangelogManifest
        /// Checkpoint bytes of the base.
        package var base: [UInt8]
        /// Deltas applied on top of the base.
        package var deltas: Int
        package var state: PartitionState
        /// Why each newer record was skipped (a base that cannot be read, a delta missing,
        /// evicted, damaged or not of the chain), oldest reason last.
        package var skipped: [DaemonError] = []

        /// Whole checkpoint bytes of `state` (the base's own when no delta was applied).
        package var encoded: [UInt8] { deltas == 0 ? base : CheckpointCodec.encode(state) }
    }

    /// The newest readable state of `tp` among `manifests` (oldest first): the newest base
    /// whose chunks can be read, plus its deltas 1, 2, … up to the first one that is missing
    /// (evicted or never written), unreadable, or refused (of another chain, out of sequence, not
    /// fitting the state); each record skipped is logged and listed in `skipped`. The state is
    /// then exactly that of the last record applied, whose next offset the consumer resumes
    /// from: nothing is counted twice. Nil when there are no bases.
    /// - Throws: the newest base's error when no base is readable.
    package func restore(_ tp: PartitionKey, manifests: [ChangelogManifest], zones: OBTimeZones) throws -> Restored? {
        var skipped: [DaemonError] = []
        func skip(_ error: DaemonError, _ message: Logger.Message, generation: UInt64) {
            logger.warning(
                message, metadata: ["partition": "\(tp)", "generation": "\(generation)", "error": "\(error)"])
            skipped.append(error)
        }
        var firstError: (any Error)?
        for (base, deltas) in Self.chains(manifests).reversed() {
            let baseBytes: [UInt8]
            do {
                baseBytes = try fetch(base)
            } catch {
                skip(
                    Self.daemonError(error), "changelog base unreadable; trying the previous chain",
                    generation: base.generation)
                if firstError == nil { firstError = error }
                continue
            }
            let (fetched, log) = readDeltas(tp, base: base, deltas: deltas) { skip($0, $1, generation: $2) }
            let source = "changelog \(Self.key(tp)) generation \(base.generation)"
            do {
                let decoded = try CheckpointStore.decodeChain(
                    base: baseBytes, log: log, generation: base.checkpointGeneration ?? 0, zones: zones,
                    baseSource: source, logSource: "\(source) deltas")
                if let discarded = decoded.discarded {
                    let refused = fetched[min(decoded.deltas, fetched.count - 1)]
                    skip(
                        DaemonError(
                            .checkpoint,
                            "changelog delta \(refused.sequence ?? 0) (generation \(refused.generation)) of base \(base.generation) refused: \(discarded.message)",
                            source: topic),
                        "changelog delta refused; restoring the state before it", generation: refused.generation)
                }
                return Restored(
                    manifest: decoded.deltas == 0 ? base : fetched[decoded.deltas - 1], baseManifest: base,
                    base: baseBytes, deltas: decoded.deltas, state: decoded.state, skipped: skipped)
            } catch {
                skip(
                    Self.daemonError(error), "changelog state unreadable; trying the previous chain",
                    generation: base.generation)
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return nil
    }

    /// The deltas of `base` in sequence, fetched (decompressed delta records, concatenated) up
    /// to the first one missing from `deltas` or unreadable, which `skip` reports.
    private func readDeltas(
        _ tp: PartitionKey, base: ChangelogManifest, deltas: [ChangelogManifest],
        skip: (DaemonError, Logger.Message, UInt64) -> Void
    ) -> (fetched: [ChangelogManifest], log: [UInt8]) {
        var fetched: [ChangelogManifest] = []
        var log: [UInt8] = []
        var previous = base.generation
        // The chain up to its first gap, then read together.
        var inSequence: [ChangelogManifest] = []
        for delta in deltas {
            guard delta.sequence == UInt64(inSequence.count + 1), delta.generation > previous else { break }
            inSequence.append(delta)
            previous = delta.generation
        }
        let values = fetch(inSequence)
        for (i, delta) in deltas.enumerated() {
            let expected = UInt64(fetched.count + 1)
            guard i < inSequence.count else {
                skip(
                    DaemonError(
                        .checkpoint,
                        "changelog delta \(expected) of base \(base.generation) of \(Self.key(tp)) is missing (evicted or never written; next found: delta \(delta.sequence ?? 0) at generation \(delta.generation))",
                        source: topic),
                    "changelog delta missing; restoring the state before it", base.generation)
                break
            }
            do {
                log.append(contentsOf: try values[i].get())
            } catch {
                skip(
                    Self.daemonError(error), "changelog delta unreadable; restoring the state before it",
                    delta.generation)
                break
            }
            fetched.append(delta)
        }
        return (fetched, log)
    }

    /// `manifests` (oldest first) as chains: each base with the deltas of its chain (same base
    /// generation and chain identifier), by sequence, oldest base first. Deltas of no base in
    /// the list are left out.
    static func chains(_ manifests: [ChangelogManifest]) -> [(base: ChangelogManifest, deltas: [ChangelogManifest])] {
        var chains: [(base: ChangelogManifest, deltas: [ChangelogManifest])] = []
        var index: [UInt64: Int] = [:]  // base generation → chain; the newest base wins a tie
        for manifest in manifests where !manifest.isDelta {
            index[manifest.generation] = chains.count
            chains.append((manifest, []))
        }
        for delta in manifests where delta.isDelta {
            guard let i = index[delta.baseGeneration], chains[i].base.chain == delta.chain,
                chains[i].base.checkpointGeneration == delta.checkpointGeneration
            else { continue }
            chains[i].deltas.append(delta)
        }
        for i in chains.indices {
            // Stable: of two records with one sequence (a crafted or replayed one), the first read wins.
            var seen: Set<UInt64> = []
            chains[i].deltas = chains[i].deltas.enumerated()
                .sorted { ($0.element.sequence ?? 0, $0.offset) < ($1.element.sequence ?? 0, $1.offset) }
                .map(\.element)
                .filter { seen.insert($0.sequence ?? 0).inserted }
        }
        return chains
    }

    static func daemonError(_ error: any Error) -> DaemonError {
        if let error = error as? DaemonError { return error }
        if let error = error as? AggregationError {
            return DaemonError(.checkpoint, error.message, source: error.source)
        }
        return DaemonError(.checkpoint, "\(error)")
    }
}
