import Aggregation
import Invoicing

/// What one close takes on, decided from facts alone (no broker, no files): the (OB, period)
/// targets, forced or not, the pairs that are not ready and why, and the offset ranges the
/// invoices cover. Both closers plan with it; what they differ in is where the facts come from.
///
/// The rules:
/// - `.ready`: every (OB, period) with events that is not finished, and whose close is recorded
///   (one started earlier, finished now) or that is ready;
/// - never a pair past its late horizon (`Facts.retired`): its rows are compacted, an invoice
///   rendered now would bill nothing; the one issued stands. Named (or recorded and unfinished),
///   it is reported as an error;
/// - `.period(p, ob:, force:)`: the named OB, or every OB with events in `p` or a recorded close
///   of `p`, in OB order. A recorded close is taken again, unforced (a re-close is idempotent);
///   otherwise a ready pair is taken unforced, an unready one forced when `force`, else reported
///   not ready. A malformed `p` is an error and plans nothing;
/// - `.recorded`: every recorded pair that is not finished, with events or not, ready or not,
///   unforced (its record fixes closed-at, forced and offsets); never a new close, never a
///   not-ready line.
/// Ready (docs/spec.md §3): no partition's state is missing, the OB has a time zone, and every
/// partition's watermark — or `now` for an idle partition — is at or past the period's end in
/// the OB's zone plus the grace. A busy partition without a watermark blocks readiness.
struct ClosePlan: Equatable, Sendable {
    /// An (OB, period) pair, ordered by OB then period.
    struct Key: Hashable, Comparable, Sendable {
        var ob: String
        var period: Period

        static func < (a: Key, b: Key) -> Bool { (a.ob, a.period) < (b.ob, b.period) }
    }

    /// One (OB, period) to close; `forced` when it is closed before it is ready.
    struct Target: Equatable, Sendable {
        var ob: String
        var period: Period
        var forced: Bool
    }

    /// An (OB, period) asked for that is not ready; `description` is its close report line.
    struct NotReady: Equatable, Sendable, CustomStringConvertible {
        var ob: String
        var period: Period
        /// Partitions with records but no state (scale-out): readiness cannot be judged.
        var missingStates: [PartitionKey]

        var description: String {
            let why =
                missingStates.isEmpty
                ? "" : " (no changelog state for \(missingStates.map(\.description).joined(separator: ", ")))"
            return "\(ob) \(period)\(why)"
        }
    }

    /// One source partition a close must consider.
    struct Partition: Equatable, Sendable {
        var key: PartitionKey
        /// Latest event time; nil before the first event.
        var watermarkMs: Int64?
        /// Next offset to consume; nil or negative when the partition never consumed a record.
        var nextOffset: Int64?
        /// Caught up with its broker: the wall clock stands in for its watermark.
        var idle: Bool
    }

    /// What a plan is made from.
    struct Facts {
        /// Every (OB, period) with events.
        var periods: [Key]
        /// The OBs' time zones (period ends).
        var zones: OBTimeZones
        /// Every partition readiness depends on; those that consumed give the offset ranges.
        var partitions: [Partition]
        /// Partitions whose state is missing: nothing is ready while any is.
        var missingStates: [PartitionKey] = []
        /// Pairs whose close is already recorded (closed, or requested in the close topic).
        var recorded: Set<Key>
        /// Pairs with nothing left to do; `.ready` skips them.
        var finished: Set<Key>
        var graceMs: Int64
        var nowMs: Int64
        /// Closed pairs past their late horizon (`periods.late_horizon_days`): their per-event
        /// detail is compacted, so they are never taken (see `retiredMessage`).
        var retired: Set<Key> = []
    }

    var targets: [Target] = []
    var notReady: [NotReady] = []
    /// Problems with the scope itself.
    var errors: [String] = []
    /// `0 ... next - 1` of every partition that consumed, by topic then partition (the manifest's inputs).
    var offsets: [InvoiceInputs.OffsetRange] = []

    /// Plans the close of `scope` by the rules in the type's description.
    init(scope: CloseScope, facts: Facts) {
        offsets = Self.offsets(facts.partitions)
        switch scope {
        case .ready:
            for key in facts.periods.sorted() where !facts.finished.contains(key) {
                if facts.retired.contains(key) {
                    if facts.recorded.contains(key) { errors.append(Self.retiredMessage(key)) }
                } else if facts.recorded.contains(key) || Self.isReady(key, facts) {
                    targets.append(Target(ob: key.ob, period: key.period, forced: false))
                }
            }
        case .recorded:
            for key in facts.recorded.subtracting(facts.finished).sorted() {
                targets.append(Target(ob: key.ob, period: key.period, forced: false))
            }
        case .period(let text, let only, let force):
            guard let period = Period(text) else {
                errors.append("\(text): not a period (YYYY-MM)")
                return
            }
            for ob in Self.obs(in: period, only: only, facts) {
                let key = Key(ob: ob, period: period)
                if facts.retired.contains(key) {
                    errors.append(Self.retiredMessage(key))
                } else if facts.recorded.contains(key) {
                    targets.append(Target(ob: ob, period: period, forced: false))
                } else if Self.isReady(key, facts) || force {
                    targets.append(Target(ob: ob, period: period, forced: !Self.isReady(key, facts)))
                } else {
                    notReady.append(NotReady(ob: ob, period: period, missingStates: facts.missingStates))
                }
            }
        }
    }

    /// The report line of a pair that is past its late horizon.
    static func retiredMessage(_ key: Key) -> String {
        "\(key.ob) \(key.period): past its late horizon, its per-event detail is compacted; "
            + "the invoice already issued stands and is not rewritten"
    }

    /// `only`, or every OB with events or a recorded or retired close in `period`, sorted.
    static func obs(in period: Period, only: String?, _ facts: Facts) -> [String] {
        if let only { return [only] }
        let candidates = facts.periods + facts.recorded + facts.retired
        return Set(candidates.filter { $0.period == period }.map(\.ob)).sorted()
    }

    /// The readiness rule of the type's description.
    static func isReady(_ key: Key, _ facts: Facts) -> Bool {
        guard facts.missingStates.isEmpty, let end = facts.zones.calendar(forOB: key.ob)?.end(of: key.period) else {
            return false
        }
        return PartitionState.readyToClose(
            periodEndMs: end, graceMs: facts.graceMs, watermarks: facts.partitions.map(\.watermarkMs),
            idle: facts.partitions.map(\.idle), nowMs: facts.nowMs)
    }

    /// The offset ranges of the partitions that consumed.
    static func offsets(_ partitions: [Partition]) -> [InvoiceInputs.OffsetRange] {
        partitions.compactMap { p -> InvoiceInputs.OffsetRange? in
            guard let next = p.nextOffset, next >= 0 else { return nil }
            return InvoiceInputs.OffsetRange(
                topic: p.key.topic, partition: p.key.partition, firstOffset: 0, lastOffset: next - 1)
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}

extension ClosePlan.Partition {
    /// `key`'s progress as `state` records it (its watermark), with the given next offset and idleness.
    init(_ key: PartitionKey, in state: PartitionState, nextOffset: Int64?, idle: Bool) {
        let watermark = state.partitions.first(where: { $0.key == key })?.watermarkMs
        self.init(key: key, watermarkMs: watermark == .min ? nil : watermark, nextOffset: nextOffset, idle: idle)
    }
}

extension ClosePlan.Key {
    /// Every (OB, period) `state` has events for, sorted.
    static func periods(in state: PartitionState) -> [ClosePlan.Key] {
        state.periods().map { ClosePlan.Key(ob: $0.ob, period: $0.period) }
    }
}

extension ClosePlan {
    /// The pairs among `candidates` — plus, for `.period(p, …)`, every OB closed in `p` — that
    /// `merged` has closed and past `horizonMs` (none without a horizon): `Facts.retired`.
    static func retired(_ scope: CloseScope, candidates: Set<Key>, merged: PartitionState, horizonMs: Int64?) -> Set<
        Key
    > {
        guard let horizonMs else { return [] }
        var keys = candidates
        if case .period(let text, let only, _) = scope, let period = Period(text) {
            for ob in merged.closedOBs(in: period) where only == nil || only == ob {
                keys.insert(Key(ob: ob, period: period))
            }
        }
        return keys.filter { merged.isBeyondLateHorizon(ob: $0.ob, period: $0.period, horizonMs: horizonMs) }
    }

    /// The (OB, period) pairs of `facts` that are ready by the rule and not finished
    /// (`aura_periods_ready_to_close`).
    static func readyKeys(_ facts: Facts) -> Set<Key> {
        Set(facts.periods.filter { !facts.finished.contains($0) && !facts.retired.contains($0) && isReady($0, facts) })
    }
}
