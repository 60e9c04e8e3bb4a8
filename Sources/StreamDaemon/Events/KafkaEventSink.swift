import Foundation
import KafkaBridge

/// Produces each event to `events.topic`, keyed `<OB>-<YYYY-MM>`, as Avro in the Confluent wire
/// format with `events.schema_id` (the id the registry gave deploy/schemas/InvoiceClosed.avsc),
/// and waits for the broker's acknowledgement (`acks=all`).
struct KafkaEventSink: InvoiceEventSink {
    let topic: String
    let schemaID: Int32
    let producer: KafkaProducer

    var name: String { "kafka" }

    func send(_ event: InvoiceClosedEvent, body: Data) throws {
        _ = try producer.produceAndWait(
            [
                OutgoingRecord(
                    topic: topic, partition: OutgoingRecord.anyPartition, key: Array(event.kafkaKey.utf8),
                    value: event.confluentFrame(schemaID: schemaID))
            ], timeoutMs: 15_000)
    }
}
