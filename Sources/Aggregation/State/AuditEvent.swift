/// One audit event, borrowing its bytes from the decoded Avro buffer.
///
/// The buffers are valid only while the buffer they point into is alive: build the event,
/// pass it to `PartitionState.ingest`, drop it. Do not escape it.
package struct AuditEvent {
    package var interactionID: UnsafeRawBufferPointer
    package var componentID: UnsafeRawBufferPointer
    package var ob: UnsafeRawBufferPointer
    /// `nil` when `AURA_APP_ID` is null.
    package var app: UnsafeRawBufferPointer?
    /// `AURA_SERVICE_NAME_CD` as its enum index (see `ServiceName`).
    package var service: UInt8
    /// `AURA_TM` in UTC milliseconds.
    package var timeMs: Int64

    package init(
        interactionID: UnsafeRawBufferPointer, componentID: UnsafeRawBufferPointer,
        ob: UnsafeRawBufferPointer, app: UnsafeRawBufferPointer?, service: UInt8, timeMs: Int64
    ) {
        self.interactionID = interactionID
        self.componentID = componentID
        self.ob = ob
        self.app = app
        self.service = service
        self.timeMs = timeMs
    }
}
