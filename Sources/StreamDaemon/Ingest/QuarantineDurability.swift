import KafkaBridge

/// Makes the quarantine records written so far durable: fsync of the quarantine file and a
/// flush of the dead-letter producer. Runs on the checkpoint writer thread, before the
/// checkpoint whose offsets cover those records.
struct QuarantineDurability: Sendable {
    let file: QuarantineFile?
    let producer: KafkaProducer?

    /// Blocks until the records are durable (fsync; dead-letter flush up to 30 s).
    func makeDurable() throws {
        try file?.sync()
        try producer?.flush(timeoutMs: 30_000)
    }
}
