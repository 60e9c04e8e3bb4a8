import Aggregation
import Foundation
import Invoicing

extension DistributedCloser {
    /// The scale-out side of `CloseExecutor`'s steps for one close: requests in the close topic,
    /// a freeze confirmed by every partition's newest changelog state, and done notes.
    struct Steps: CloseFinishing {
        let closer: DistributedCloser
        /// Every source partition.
        let keys: [PartitionKey]
        /// The close topic as read when the close was planned.
        let log: CloseLog.Summary

        /// 2. Requests: append ours where none counts yet, each with the next invoice number after
        /// the log's, then take the first counted one in the log. A request that lost its number
        /// to a racing closer's does not count (`CloseLog.Summary.add`) and is asked again.
        func record(_ targets: [ClosePlan.Target], offsets: [InvoiceInputs.OffsetRange], closedAtMs: Int64) throws
            -> [CloseRecord]
        {
            var summary = log
            for _ in 0..<8 {
                let missing = targets.filter { summary.requests["\($0.ob)-\($0.period)"] == nil }
                guard !missing.isEmpty else { break }
                var taken = summary.invoiceNumbers
                for target in missing {
                    let number = InvoiceNumbering.next(
                        catalogs: closer.context.snapshot.catalogs, period: target.period.description,
                        closedAtMs: closedAtMs, after: taken)
                    taken.append(number)
                    try closer.closeLog.append(
                        CloseRecord(
                            kind: .request, ob: target.ob, period: target.period.description, closedAtMs: closedAtMs,
                            forced: target.forced, requester: closer.requester, offsets: offsets,
                            invoiceNumber: number.description
                        ))
                }
                summary = try closer.closeLog.read()
            }
            return targets.compactMap { summary.requests["\($0.ob)-\($0.period)"] }
        }

        /// 3. Wait (bounded) until every partition's newest state has the periods frozen — each
        /// instance freezes them in the partitions it owns when it reads the requests; then
        /// invoice from those states merged.
        func freeze(_ targets: [ClosePlan.Target], records: [CloseRecord], state: PartitionState) throws
            -> CloseExecutor.Freeze
        {
            let deadline = Date().addingTimeInterval(closer.settings.waitSeconds)
            var frozen = try closer.readView(keys)
            var unfrozen = DistributedCloser.unfrozen(frozen, records)
            while !unfrozen.isEmpty, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                frozen = try closer.readView(keys)
                unfrozen = DistributedCloser.unfrozen(frozen, records)
            }
            guard unfrozen.isEmpty else {
                let partitions = unfrozen.map(\.description).joined(separator: ", ")
                return .pending(
                    records.map {
                        "\($0.ob) \($0.period): pending — not yet frozen in \(partitions); the next close finishes it"
                    })
            }
            return .frozen(try frozen.merged(zones: closer.zones))
        }

        /// 4. Write and deliver, then note done. The winning requester writes first; another
        /// closer waits (bounded) for its done note, then renders the same files (left alone when
        /// identical). A key whose done note was awaited in vain once (its requester stopped, or
        /// its delivery failed) is not waited for again: the retries of a failed delivery do not
        /// each sit out the bound.
        ///
        /// The done note records the revision delivered (`CloseRecord.revision`, nil for 1); a
        /// re-close that delivers a newer revision of a period already done appends a done note
        /// of that revision. The invoice event (`events.*`) of a revision is announced, before its
        /// done note is appended, by the one closer `announces(_:revision:)` elects from the
        /// close topic — whether it wrote the revision or found it in place.
        func finish(_ request: CloseRecord, issue: (_ announce: InvoiceIssuer.Announcing) throws -> CloseReport.Invoice)
            throws -> CloseReport.Invoice
        {
            let closeLog = closer.closeLog
            var alreadyDone = try closeLog.read().done[request.key] != nil
            if !alreadyDone && request.requester != closer.requester && !closer.isAbandoned(request.key) {
                let deadline = Date().addingTimeInterval(closer.settings.waitSeconds)
                while !alreadyDone, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.2)
                    alreadyDone = try closeLog.read().done[request.key] != nil
                }
                if !alreadyDone { closer.abandon(request.key) }
            }
            let invoice = try issue { revision in try announces(request, revision: revision) }
            if try closeLog.read().doneRevision(request.key) < invoice.revision {
                var done = request
                done.kind = .done
                done.requester = closer.requester
                done.revision = invoice.revision > 1 ? invoice.revision : nil
                try closeLog.append(done)
            }
            return invoice
        }

        /// Whether this closer announces `revision` of `request`'s invoice, which it has just
        /// delivered (written now or found in place), derived from the close topic:
        /// - not when a done note of this revision or a later one is there (it was announced);
        /// - revision 1: yes — the request's writer (the others waited for its done note above)
        ///   or a closer that waited for it in vain;
        /// - a later revision (a re-close of a period already done): the first request of that
        ///   revision in the log wins (`CloseLog.Summary.revisionRequests`; this closer appends
        ///   one when there is none); its requester announces, another waits (bounded) for the
        ///   done note of the revision and announces only when it waited in vain.
        /// A crash after the event is stored and before the done note makes the next close
        /// announce the same key again, which the outbox ignores.
        func announces(_ request: CloseRecord, revision: Int) throws -> Bool {
            let closeLog = closer.closeLog
            var summary = try closeLog.read()
            guard summary.doneRevision(request.key) < revision else { return false }
            guard revision > 1 else { return true }
            let claim = CloseLog.Summary.revisionClaimKey(request.key, revision: revision)
            if summary.revisionRequests[claim] == nil {
                var ask = request
                ask.kind = .request
                ask.requester = closer.requester
                ask.revision = revision
                try closeLog.append(ask)
                summary = try closeLog.read()
            }
            guard let winner = summary.revisionRequests[claim], winner.requester != closer.requester,
                !closer.isAbandoned(claim)
            else { return true }
            let deadline = Date().addingTimeInterval(closer.settings.waitSeconds)
            while Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                if try closeLog.read().doneRevision(request.key) >= revision { return false }
            }
            closer.abandon(claim)
            return true
        }
    }
}
