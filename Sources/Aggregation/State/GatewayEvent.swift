/// One gateway message, borrowing its bytes from the decoded Avro buffer.
///
/// The buffers are valid only while the buffer they point into is alive: build the event,
/// pass it to `PartitionState.ingest`, drop it. Do not escape it.
package struct GatewayEvent {
    package var messageID: UnsafeRawBufferPointer
    package var ob: UnsafeRawBufferPointer
    /// `nil` when `AURA_APP_ID` is null.
    package var app: UnsafeRawBufferPointer?
    /// `AURA_NLP_IND`.
    package var nlp: Bool
    /// `MESSAGE_TM` in UTC milliseconds.
    package var timeMs: Int64

    package init(
        messageID: UnsafeRawBufferPointer, ob: UnsafeRawBufferPointer,
        app: UnsafeRawBufferPointer?, nlp: Bool, timeMs: Int64
    ) {
        self.messageID = messageID
        self.ob = ob
        self.app = app
        self.nlp = nlp
        self.timeMs = timeMs
    }
}
