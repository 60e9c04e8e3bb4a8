internal import CRdKafka

extension KafkaProducer {
    /// Produces `records` to their explicit partitions and blocks until the broker acknowledged
    /// every one of them (or `timeoutMs` passed); returns their offsets, in order.
    ///
    /// Blocking (serves the producer's delivery reports while waiting): call it from a daemon
    /// thread, never on the cooperative pool.
    /// - Throws: `.kafkaProduce` naming the first record that failed or was not acknowledged.
    package func produceAndWait(_ records: [OutgoingRecord], timeoutMs: Int32 = 30_000) throws(KafkaError) -> [Int64] {
        var offsets: [Int64] = []
        offsets.reserveCapacity(records.count)
        for outcome in produceAndCollect(records, timeoutMs: timeoutMs) {
            offsets.append(try outcome.get())
        }
        return offsets
    }

    /// Produces `records` (to their partition, or the partitioner's choice for
    /// `OutgoingRecord.anyPartition`) and blocks until the broker acknowledged each of them or
    /// `timeoutMs` passed; returns each record's outcome, in order: its offset, or the error
    /// (a failed delivery, no acknowledgement in time, or a produce call librdkafka refused, in
    /// which case the records after it were not produced either and carry the same error).
    ///
    /// Blocking (serves the producer's delivery reports while waiting): call it from a daemon
    /// thread, never on the cooperative pool.
    package func produceAndCollect(_ records: [OutgoingRecord], timeoutMs: Int32 = 30_000) -> [Result<
        Int64, KafkaError
    >] {
        guard !records.isEmpty else { return [] }
        let tracker = DeliveryTracker(count: records.count)
        var refused: (index: Int, error: KafkaError)?
        for (index, record) in records.enumerated() {
            if let error = enqueue(record, slot: DeliveryTracker.Slot(tracker: tracker, index: index)) {
                refused = (index, error)
                break
            }
        }
        // Records never enqueued stay pending in the tracker: wait for the others only.
        let notEnqueued = records.count - (refused?.index ?? records.count)
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        while tracker.pending > notEnqueued, ContinuousClock.now < deadline {
            rd_kafka_poll(handle, 20)
        }
        return tracker.results.enumerated().map { index, outcome in
            if let refused, index >= refused.index { return .failure(refused.error) }
            guard let outcome else {
                return .failure(
                    KafkaError(
                        .kafkaProduce, "no acknowledgement within \(timeoutMs) ms",
                        source: Self.describe(records[index])
                    ))
            }
            return outcome.mapError { error in
                var error = error
                error.source = Self.describe(records[index])
                return error
            }
        }
    }

    /// Hands one record to librdkafka with `slot` as its opaque (retained until its delivery
    /// report); nil when enqueued, else the error (the slot released).
    private func enqueue(_ record: OutgoingRecord, slot: DeliveryTracker.Slot) -> KafkaError? {
        let rkt: OpaquePointer
        do { rkt = try topicHandle(record.topic) } catch { return error }
        let opaque = Unmanaged.passRetained(slot)
        while true {
            // RD_KAFKA_MSG_F_COPY: librdkafka copies key and value before returning, so the
            // array pointers do not escape the closure.
            let rc = record.value.withUnsafeBytes { value in
                record.key.withUnsafeBytes { key in
                    rd_kafka_produce(
                        rkt, record.partition, RD_KAFKA_MSG_F_COPY,
                        record.tombstone ? nil : UnsafeMutableRawPointer(mutating: value.baseAddress),
                        record.tombstone ? 0 : value.count,
                        key.baseAddress, key.count, opaque.toOpaque()
                    )
                }
            }
            if rc == 0 { return nil }
            let err = rd_kafka_last_error()
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle, 10)
                continue
            }
            opaque.release()  // never handed to librdkafka
            return KafkaError(
                .kafkaProduce, err, context: "produce failed", source: "\(record.topic)/\(record.partition)")
        }
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
