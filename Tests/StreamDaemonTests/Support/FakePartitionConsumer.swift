import Aggregation
import Foundation

@testable import KafkaBridge
@testable import StreamDaemon

/// A consumer-group member without a broker, for the engine's decisions: the test queues
/// rebalances and messages, which `pollBatches` serves like librdkafka does (rebalance
/// callbacks inside the poll, on the polling thread), and it records what was committed.
final class FakePartitionConsumer: PartitionConsumer {
    /// One message as the test gives it; its bytes are handed to the engine as a borrowed view.
    struct Message {
        var key: PartitionKey
        var offset: Int64
        var value: [UInt8]
    }

    enum Event {
        case assign([PartitionKey])
        case revoke([PartitionKey])
        case messages([Message])
    }

    /// A commit the test makes fail.
    struct CommitRefused: Error {}

    private let rebalance: RebalanceHandler
    /// Served by the next polls, one event per poll.
    var events: [Event] = []
    /// The group's committed offsets (what `committed` answers and a commit updates).
    var groupOffsets: [PartitionKey: Int64] = [:]
    /// Every commit attempted, failed ones included.
    private(set) var commitAttempts: [[PartitionKey: Int64]] = []
    /// How many of the next commits fail.
    var failingCommits = 0
    /// The start offsets returned by each assign callback.
    private(set) var starts: [[PartitionKey: KafkaOffset]] = []
    private(set) var assignment: [PartitionKey] = []
    private(set) var subscribed: [String] = []
    private(set) var closed = false
    var watermarks: [PartitionKey: (low: Int64, high: Int64)] = [:]
    var allBrokersDown = false
    /// Partitions paused now.
    private(set) var paused: Set<PartitionKey> = []
    /// Every pause, resume and seek, in order: `pause P`, `resume P`, `seek P@X`.
    private(set) var flowLog: [String] = []

    init(rebalance: RebalanceHandler) {
        self.rebalance = rebalance
    }

    func subscribe(_ topics: [String]) throws { subscribed = topics }

    func pollBatches(maxMessages: Int, timeoutMs: Int32, _ handler: ([KafkaMessage]) throws -> Void) throws -> Int {
        guard !events.isEmpty else { return 0 }
        switch events.removeFirst() {
        case .assign(let partitions):
            starts.append(rebalance.onAssign(partitions))
            assignment = (assignment + partitions).sorted()
            return 0
        case .revoke(let partitions):
            revoke(partitions)
            return 0
        case .messages(let messages):
            try Self.withViews(messages) { try handler($0) }
            return messages.count
        }
    }

    func commit(_ offsets: [PartitionKey: Int64]) throws {
        commitAttempts.append(offsets)
        if failingCommits > 0 {
            failingCommits -= 1
            throw CommitRefused()
        }
        groupOffsets.merge(offsets) { $1 }
    }

    func committed(_ partitions: [PartitionKey], timeoutMs: Int32) throws -> [PartitionKey: Int64?] {
        Dictionary(uniqueKeysWithValues: partitions.map { ($0, groupOffsets[$0]) })
    }

    func cachedWatermarks(_ tp: PartitionKey) -> (low: Int64, high: Int64)? { watermarks[tp] }

    @discardableResult
    func probeBrokers(timeoutMs: Int32) -> Bool { !allBrokersDown }

    func pause(_ partitions: [PartitionKey]) throws {
        for key in partitions {
            paused.insert(key)
            flowLog.append("pause \(key)")
        }
    }

    func resume(_ partitions: [PartitionKey]) throws {
        for key in partitions {
            paused.remove(key)
            flowLog.append("resume \(key)")
        }
    }

    func seek(_ offsets: [PartitionKey: Int64], timeoutMs: Int32) throws {
        for (key, offset) in offsets.sorted(by: { $0.key < $1.key }) { flowLog.append("seek \(key)@\(offset)") }
    }

    func close() throws {
        if !assignment.isEmpty { revoke(assignment) }
        closed = true
    }

    private func revoke(_ partitions: [PartitionKey]) {
        rebalance.onRevoke(partitions)
        assignment.removeAll { partitions.contains($0) }
        paused.subtract(partitions)
    }

    /// Hands `messages` to `body` as `KafkaMessage` views of copies that live until it returns.
    private static func withViews(_ messages: [Message], _ body: ([KafkaMessage]) throws -> Void) throws {
        let buffers = messages.map { message -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, message.value.count), alignment: 1)
            buffer.copyBytes(from: message.value)
            return buffer
        }
        // The views point into `buffers`, which are freed only after `body` returned.
        defer { for buffer in buffers { buffer.deallocate() } }
        let views = zip(messages, buffers).map { message, buffer in
            KafkaMessage(
                topic: message.key.topic, partition: message.key.partition, offset: message.offset, key: nil,
                value: UnsafeRawBufferPointer(rebasing: buffer[0..<message.value.count]))
        }
        try body(views)
    }
}
