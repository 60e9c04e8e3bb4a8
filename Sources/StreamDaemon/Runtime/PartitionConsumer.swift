import Aggregation
import KafkaBridge

/// What the consumer loop needs from a Kafka consumer-group member: the seam between the engine
/// and librdkafka. `KafkaConsumer` conforms (`KafkaConsumer+PartitionConsumer.swift`); unit tests
/// drive the loop with a fake that assigns and revokes partitions and hands in messages.
///
/// Every member is called on the consumer thread. The group's rebalance callbacks are given to
/// the consumer when it is made (a `RebalanceHandler`) and run on that thread inside
/// `pollBatches` and `close`.
protocol PartitionConsumer: AnyObject {
    /// Joins the group for `topics`.
    func subscribe(_ topics: [String]) throws

    /// Waits up to `timeoutMs` for messages and hands them to `handler` in batches, at most
    /// `maxMessages` in all; returns how many were handled. The messages' buffers are valid
    /// only inside `handler`.
    func pollBatches(maxMessages: Int, timeoutMs: Int32, _ handler: ([KafkaMessage]) throws -> Void) throws -> Int

    /// Commits `offsets` (the next offset to read per partition) to the group.
    func commit(_ offsets: [PartitionKey: Int64]) throws

    /// The group's committed offsets for `partitions` (nil where nothing is committed).
    func committed(_ partitions: [PartitionKey], timeoutMs: Int32) throws -> [PartitionKey: Int64?]

    /// Low and high watermarks of a partition as last seen (no broker round trip), nil while unknown.
    func cachedWatermarks(_ tp: PartitionKey) -> (low: Int64, high: Int64)?

    /// Whether every broker connection was last reported down (and no probe has reached one since).
    var allBrokersDown: Bool { get }

    /// Asks any broker for metadata, waiting up to `timeoutMs`; an answer clears `allBrokersDown`.
    @discardableResult
    func probeBrokers(timeoutMs: Int32) -> Bool

    /// Stops fetching `partitions` (they stay assigned); already fetched messages may still come.
    func pause(_ partitions: [PartitionKey]) throws

    /// Fetches `partitions` again from their current position.
    func resume(_ partitions: [PartitionKey]) throws

    /// Moves the fetch position of assigned partitions to `offsets`, waiting up to `timeoutMs`
    /// until no message from the old position can be handed out any more.
    func seek(_ offsets: [PartitionKey: Int64], timeoutMs: Int32) throws

    /// Leaves the group (running the revoke callback) and stops fetching.
    func close() throws
}
