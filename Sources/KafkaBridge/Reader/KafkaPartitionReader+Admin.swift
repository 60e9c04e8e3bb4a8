internal import CRdKafka

extension KafkaPartitionReader {
    /// Makes sure `topic` exists: returns its partition count when it does; otherwise creates it
    /// (CreateTopics with `partitions`, replication min(3, brokers) and `config`, e.g.
    /// `cleanup.policy=compact`) and returns `partitions`.
    /// - Throws: `.kafkaClient` when the topic is missing and the cluster refuses or does not
    ///   implement CreateTopics (librdkafka's embedded cluster: pre-create it with
    ///   `aura-billing broker --topic NAME:PARTITIONS`).
    package func ensureTopic(_ topic: String, partitions: Int, config: [String: String], timeoutMs: Int32 = 10_000)
        throws(KafkaError) -> Int
    {
        if let count = try partitionCount(topic) { return count }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        var brokers = 1
        if rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata {
            brokers = max(1, Int(metadata.pointee.broker_cnt))
            rd_kafka_metadata_destroy(metadata)
        }
        var errstr = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = rd_kafka_NewTopic_new(
                topic, Int32(partitions), Int32(min(3, brokers)), &errstr, errstr.count)
        else {
            throw KafkaError(
                .kafkaClient, "cannot describe topic \(topic): \(RDKafkaConfig.string(errstr))", source: topic)
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for (key, value) in config.sorted(by: { $0.key < $1.key }) {
            let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(.kafkaClient, err, context: "topic config \(key)", source: topic)
            }
        }
        let queue = rd_kafka_queue_new(handle)!
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 2_000) else {
            throw KafkaError(
                .kafkaClient,
                "topic \(topic) is missing and CreateTopics got no answer; create it with \(partitions) partitions (embedded broker: aura-billing broker --topic \(topic):\(partitions))",
                source: topic)
        }
        defer { rd_kafka_event_destroy(event) }
        var failure = rd_kafka_event_error(event)
        if failure == RD_KAFKA_RESP_ERR_NO_ERROR, let result = rd_kafka_event_CreateTopics_result(event) {
            var count = 0
            if let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0] {
                failure = rd_kafka_topic_result_error(first)
            }
        }
        if failure != RD_KAFKA_RESP_ERR_NO_ERROR && failure != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
            throw KafkaError(
                .kafkaClient, failure,
                context: "topic \(topic) is missing and CreateTopics failed; create it with \(partitions) partitions",
                source: topic)
        }
        return try partitionCount(topic) ?? partitions
    }
}
