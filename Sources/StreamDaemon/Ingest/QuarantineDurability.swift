/// Makes the quarantine records written so far durable: fsync of the quarantine file and the
/// dead-letter topic's delivery confirmations. Runs on the checkpoint writer thread, before the
/// checkpoint whose offsets cover those records; when it throws, that checkpoint fails.
struct QuarantineDurability: Sendable {
    let file: QuarantineFile?
    let outbox: DeadLetterOutbox?

    init(file: QuarantineFile?, outbox: DeadLetterOutbox? = nil) {
        self.file = file
        self.outbox = outbox
    }

    /// Blocks until the records are durable: fsync, then every dead-letter record produced and
    /// acknowledged (up to the outbox's timeout).
    func makeDurable() throws {
        try file?.sync()
        try outbox?.confirm()
    }
}
