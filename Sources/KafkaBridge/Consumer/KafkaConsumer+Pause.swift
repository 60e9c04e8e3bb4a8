package import Aggregation
internal import CRdKafka

extension KafkaConsumer {
    /// Stops fetching `partitions` (they stay assigned). Messages already fetched may still be
    /// handed out by `poll`: the caller ignores them, and seeks before resuming.
    package func pause(_ partitions: [PartitionKey]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = Self.makeList(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try Self.check(rd_kafka_pause_partitions(handle, list), list: list, context: "pause failed")
    }

    /// Fetches `partitions` again from their current position (after `pause`).
    package func resume(_ partitions: [PartitionKey]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = Self.makeList(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try Self.check(rd_kafka_resume_partitions(handle, list), list: list, context: "resume failed")
    }

    /// Moves the fetch position of assigned partitions to `offsets` (the next offset to read).
    /// Waits up to `timeoutMs` for the fetcher to take the new position, so that no message
    /// fetched from the old position is handed out afterwards (librdkafka's guarantee).
    package func seek(_ offsets: [PartitionKey: Int64], timeoutMs: Int32) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = Self.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, timeoutMs) {
            let err = rd_kafka_error_code(error)
            rd_kafka_error_destroy(error)
            throw KafkaError(.kafkaConsume, err, context: "seek failed", source: "\(offsets.keys.sorted())")
        }
        try Self.check(RD_KAFKA_RESP_ERR_NO_ERROR, list: list, context: "seek failed")
    }

    /// Throws for a call's error or the first per-partition error of `list`.
    private static func check(
        _ err: rd_kafka_resp_err_t, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, context: String
    ) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(.kafkaConsume, err, context: context) }
        let count = Int(list.pointee.cnt)
        guard count > 0, let elems = list.pointee.elems else { return }
        for i in 0..<count where elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let e = elems[i]
            throw KafkaError(
                .kafkaConsume, e.err, context: context, source: "\(String(cString: e.topic))/\(e.partition)")
        }
    }
}
