import Foundation

/// Where `InvoiceClosed` events go: `events.topic` (`KafkaEventSink`) and/or
/// `events.webhook_url` (`WebhookEventSink`). Blocking: `InvoiceEventService` calls `send`
/// through `Blocking.run`, one event at a time per sink.
protocol InvoiceEventSink: Sendable {
    /// `kafka` or `webhook`: the outbox directory and the metrics' `sink` label.
    var name: String { get }

    /// Sends one event and returns once the other side acknowledged it (broker ack, HTTP 2xx);
    /// throws otherwise. `body` is the event's JSON as stored in the outbox.
    func send(_ event: InvoiceClosedEvent, body: Data) throws
}
