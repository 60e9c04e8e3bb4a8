internal import CRdKafka

extension KafkaProducer {
    /// Produces `records` to their explicit partitions and blocks until the broker acknowledged
    /// every one of them (or `timeoutMs` passed); returns their offsets, in order.
    ///
    /// Blocking (serves the producer's delivery reports while waiting): call it from a daemon
    /// thread, never on the cooperative pool.
    /// - Throws: `.kafkaProduce` naming the first record that failed or was not acknowledged.
    package func produceAndWait(_ records: [OutgoingRecord], timeoutMs: Int32 = 30_000) throws(KafkaError) -> [Int64] {
        guard !records.isEmpty else { return [] }
        let tracker = DeliveryTracker(count: records.count)
        for (index, record) in records.enumerated() {
            let rkt = try topicHandle(record.topic)
            let slot = Unmanaged.passRetained(DeliveryTracker.Slot(tracker: tracker, index: index))
            while true {
                // RD_KAFKA_MSG_F_COPY: librdkafka copies key and value before returning, so the
                // array pointers do not escape the closure.
                let rc = record.value.withUnsafeBytes { value in
                    record.key.withUnsafeBytes { key in
                        rd_kafka_produce(
                            rkt, record.partition, RD_KAFKA_MSG_F_COPY,
                            record.tombstone ? nil : UnsafeMutableRawPointer(mutating: value.baseAddress),
                            record.tombstone ? 0 : value.count,
                            key.baseAddress, key.count, slot.toOpaque()
                        )
                    }
                }
                if rc == 0 { break }
                let err = rd_kafka_last_error()
                if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    rd_kafka_poll(handle, 10)
                    continue
                }
                slot.release()  // never handed to librdkafka
                throw KafkaError(
                    .kafkaProduce, err, context: "produce failed", source: "\(record.topic)/\(record.partition)")
            }
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        while tracker.pending > 0, ContinuousClock.now < deadline {
            rd_kafka_poll(handle, 20)
        }
        var offsets: [Int64] = []
        offsets.reserveCapacity(records.count)
        for (index, outcome) in tracker.results.enumerated() {
            guard let outcome else {
                throw KafkaError(
                    .kafkaProduce, "no acknowledgement within \(timeoutMs) ms", source: Self.describe(records[index]))
            }
            switch outcome {
            case .success(let offset): offsets.append(offset)
            case .failure(var error):
                error.source = Self.describe(records[index])
                throw error
            }
        }
        return offsets
    }

    private static func describe(_ record: OutgoingRecord) -> String {
        "\(record.topic)/\(record.partition) key \(String(decoding: record.key, as: UTF8.self))"
    }

    /// librdkafka's delivery report callback; messages produced without an opaque (plain
    /// `produce`) are ignored. Takes back the retained slot of `produceAndWait`.
    static let deliveryCallback:
        @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
            _, message, _ in
            guard let message, let opaque = message.pointee._private else { return }
            let slot = Unmanaged<DeliveryTracker.Slot>.fromOpaque(opaque).takeRetainedValue()
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                slot.tracker.record(slot.index, .success(m.offset))
            } else {
                slot.tracker.record(slot.index, .failure(KafkaError(.kafkaProduce, m.err, context: "delivery failed")))
            }
        }
}
